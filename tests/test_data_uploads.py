"""Kept uploads: validated before they are stored, loadable by name, names that cannot escape."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from corel_core.config import DataConfig
from corel_core.data import DataError, list_uploads, load_dataset, save_upload


@pytest.fixture()
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setenv("COREL_UPLOADS_DIR", str(folder))
    return folder


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_good_upload_is_kept_and_loads_by_name(uploads: Path) -> None:
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    name = save_upload("my points.npz", npz_bytes(x=x, y=np.arange(40) % 2))
    assert name.startswith("upload:my_points-") and list_uploads() == [name]
    data = load_dataset(DataConfig(name=name, split="aux"))
    np.testing.assert_array_equal(data.x, x[:20])
    assert data.y is not None and set(data.y) == {0, 1}


def test_csv_upload(uploads: Path) -> None:
    name = save_upload("pts.csv", b"a,b,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,1\n")
    data = load_dataset(DataConfig(name=name))
    assert data.x.shape == (3, 2) and data.y is not None and data.y.tolist() == [0, 1, 1]


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("bad.npy", b"\x93NUMPY garbage"),
        ("nan.csv", b"1,2\nnan,3\n4,5\n"),
        ("text.csv", b"1,2\nhello,3\n4,5\n"),
        ("empty.npz", b""),
        ("model.pkl", b"\x80\x04K\x01."),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_kept(
    uploads: Path, filename: str, content: bytes
) -> None:
    with pytest.raises(DataError):
        save_upload(filename, content)
    assert list_uploads() == []
    assert not uploads.exists() or not any(uploads.iterdir())


def test_pickled_npy_is_refused(uploads: Path) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError):
        save_upload("objects.npy", buffer.getvalue())
    assert list_uploads() == []


@pytest.mark.parametrize(
    "name", ["upload:../secret.npz", "upload:/etc/passwd", "upload:", "upload:.x"]
)
def test_upload_names_cannot_leave_the_folder(uploads: Path, name: str) -> None:
    with pytest.raises(DataError):
        load_dataset(DataConfig(name=name))
