"""Locating and downloading dataset files, against a local HTTP server and file:// URLs only."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import itertools
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from corel_core.config import DataConfig
from corel_core.data import DatasetNotFoundError, default_data_dir, load_dataset
from corel_core.data import download as dl
from corel_core.data.download import DownloadError, RemoteFile, Source, download_file


@pytest.fixture()
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 serving files from a temporary folder."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_download_with_checksum_and_progress(server, tmp_path: Path) -> None:
    url, root = server
    payload = np.random.default_rng(0).bytes(200_000)
    (root / "blob.bin").write_bytes(payload)
    calls: list[tuple[int, int]] = []
    dest = tmp_path / "out" / "blob.bin"
    download_file(
        f"{url}/blob.bin",
        dest,
        md5=hashlib.md5(payload).hexdigest(),
        sha256=hashlib.sha256(payload).hexdigest(),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert dest.read_bytes() == payload
    assert calls[-1] == (len(payload), len(payload))
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))
    assert list(dest.parent.iterdir()) == [dest]  # no temporary files left


def test_checksum_mismatch_leaves_nothing(server, tmp_path: Path) -> None:
    url, root = server
    (root / "blob.bin").write_bytes(b"tampered content")
    dest = tmp_path / "out" / "blob.bin"
    with pytest.raises(DownloadError, match="md5"):
        download_file(f"{url}/blob.bin", dest, md5=hashlib.md5(b"original").hexdigest())
    assert not dest.exists()
    assert not dest.parent.exists()  # the folder made for it is removed too (issue #14)


def test_file_url_and_sha256_mismatch(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello corel")
    dest = tmp_path / "d" / "x.bin"
    download_file(src.as_uri(), dest, sha256=hashlib.sha256(b"hello corel").hexdigest())
    assert dest.read_bytes() == b"hello corel"
    dest.unlink()
    with pytest.raises(DownloadError, match="sha256"):
        download_file(src.as_uri(), dest, sha256="0" * 64)
    assert list(dest.parent.iterdir()) == []


def test_http_404_is_download_error(server, tmp_path: Path) -> None:
    url, _ = server
    with pytest.raises(DownloadError, match="could not download"):
        download_file(f"{url}/missing.bin", tmp_path / "m.bin")
    assert not (tmp_path / "m.bin").exists()


def test_refuses_other_schemes(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="only http"):
        download_file("ftp://example.invalid/x", tmp_path / "x")


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.tobytes())


def test_load_dataset_downloads_from_mirror(server, tmp_path, monkeypatch) -> None:
    url, root = server
    images = np.random.default_rng(2).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([1, 2, 3, 4], dtype=np.uint8)
    files = {}
    for prefix in ("train", "t10k"):
        files[f"{prefix}-images-idx3-ubyte.gz"] = _idx(images)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = _idx(labels)
    (root / "mnist").mkdir()
    for name, data in files.items():
        (root / "mnist" / name).write_bytes(data)
    remote = tuple(RemoteFile(n, md5=hashlib.md5(d).hexdigest()) for n, d in files.items())
    monkeypatch.setitem(dl.SOURCES, "mnist", Source("https://unused.invalid/", remote))
    monkeypatch.setenv("COREL_DATA_MIRROR", url)
    monkeypatch.delenv("COREL_OFFLINE", raising=False)
    seen: list[int] = []
    data_dir = tmp_path / "data"
    data = load_dataset(
        DataConfig(name="mnist", data_dir=str(data_dir)), lambda d, t: seen.append(d), download=True
    )
    assert len(data) == 8 and data.y.tolist() == [1, 2, 3, 4, 1, 2, 3, 4]
    np.testing.assert_array_equal(np.rint(data.x[:4, 0] * 255), images)
    assert sorted(p.name for p in (data_dir / "mnist").iterdir()) == sorted(files)
    assert max(seen) == max(len(d) for d in files.values())


def test_failed_download_names_files_and_folder(server, tmp_path, monkeypatch) -> None:
    url, _root = server  # serves nothing under /cifar10
    monkeypatch.setenv("COREL_DATA_MIRROR", url)
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path / "d")), download=True)
    message = str(info.value)
    assert "cifar-10-binary.tar.gz" in message and str(tmp_path / "d" / "cifar10") in message
    assert not any((tmp_path / "d").rglob("*.tar.gz"))


def test_checksum_mismatch_through_load_dataset(server, tmp_path, monkeypatch) -> None:
    url, root = server
    (root / "cifar100").mkdir()
    (root / "cifar100" / "cifar-100-binary.tar.gz").write_bytes(b"not the official archive")
    monkeypatch.setenv("COREL_DATA_MIRROR", url + "/")
    with pytest.raises(DatasetNotFoundError, match="md5"):
        load_dataset(DataConfig(name="cifar100", data_dir=str(tmp_path / "d")), download=True)
    assert [p for p in (tmp_path / "d").rglob("*") if p.is_file()] == []


def test_injected_fetch_is_used(tmp_path: Path) -> None:
    calls = []

    def fetch(url: str, dest: Path, **kwargs) -> Path:
        calls.append((url, dest, kwargs["md5"]))
        raise DownloadError("offline in this test")

    with pytest.raises(DatasetNotFoundError, match="offline in this test"):
        load_dataset(DataConfig(name="kmnist", data_dir=str(tmp_path)), download=True, fetch=fetch)
    assert calls[0][0].startswith("http://codh.rois.ac.jp/kmnist/dataset/kmnist/")
    assert calls[0][1].parent == tmp_path / "kmnist"
    assert calls[0][2] == "bdb82020997e1d708af4cf47b453dcf7"


def test_default_data_dir(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COREL_DATA_DIR", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"
    monkeypatch.delenv("COREL_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".corel" / "data"


def test_config_data_dir_wins_over_env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COREL_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(DataConfig(name="mnist", data_dir=str(tmp_path / "cfg")), download=False)
    assert str(tmp_path / "cfg") in str(info.value) and str(tmp_path / "env") not in str(info.value)
