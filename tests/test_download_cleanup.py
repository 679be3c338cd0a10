"""A failed download leaves nothing behind: no partial file and no empty folders (issue #14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corel_core.data.base import DataError
from corel_core.data.download import download_file


def test_failed_download_removes_the_folders_it_made(tmp_path: Path) -> None:
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "other.txt").write_text("mine")
    missing = (tmp_path / "nowhere.gz").as_uri()
    with pytest.raises(DataError, match="could not download"):
        download_file(missing, tmp_path / "data" / "mnist" / "train.gz")
    assert not (tmp_path / "data").exists()  # both folders it created are gone
    with pytest.raises(DataError):
        download_file(missing, tmp_path / "keep" / "mnist" / "train.gz")
    assert sorted(p.name for p in (tmp_path / "keep").iterdir()) == ["other.txt"]


def test_successful_download_keeps_its_folders(tmp_path: Path) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(b"corel")
    dest = download_file(source.as_uri(), tmp_path / "data" / "x" / "src.bin")
    assert dest.read_bytes() == b"corel" and dest.parent.is_dir()
    assert [p.name for p in dest.parent.iterdir()] == ["src.bin"]  # no temp file left
