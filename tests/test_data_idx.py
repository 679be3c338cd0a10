"""IDX (MNIST family) parsing, the shared MNIST test split, and aux/eval splits."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from corel_core.config import DataConfig
from corel_core.data import DataError, DatasetNotFoundError, load_dataset
from corel_core.data.idx import read_idx

MNIST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """Independent IDX encoder: magic 00 00 <type> <ndim>, big-endian uint32 dims, data."""
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return bytes([0, 0, type_code, array.ndim]) + dims + array.tobytes()


def write_pair(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
    (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))


def test_shared_mnist_test_split(mnist_dir: Path) -> None:
    data = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir)), download=False)
    assert data.x.shape == (10000, 1, 28, 28) and data.x.dtype == np.float32
    assert data.y is not None and data.y.dtype == np.int64
    assert data.y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(data.y).tolist() == MNIST_COUNTS
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    assert data.meta.kind == "image" and data.meta.shape == (1, 28, 28)
    assert data.meta.classes == tuple(str(i) for i in range(10))
    # an independent decode of the raw file: 16-byte header, then uint8 pixels
    raw = gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert struct.unpack(">4I", raw[:16]) == (0x803, 10000, 28, 28)
    first = np.frombuffer(raw[16 : 16 + 784], dtype=np.uint8).reshape(28, 28)
    np.testing.assert_array_equal(data.x[0, 0], first.astype(np.float32) / 255)


def test_mnist_aux_eval_are_disjoint_halves(mnist_dir: Path) -> None:
    cfg = DataConfig(name="mnist", data_dir=str(mnist_dir))
    full = load_dataset(cfg, download=False)
    aux = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir), split="aux"))
    ev = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir), split="eval"))
    assert len(aux) == 5000 and len(ev) == 5000
    np.testing.assert_array_equal(aux.x, full.x[:5000])
    np.testing.assert_array_equal(ev.x, full.x[5000:])
    np.testing.assert_array_equal(np.concatenate([aux.y, ev.y]), full.y)
    limited = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir), split="eval", limit=7))
    np.testing.assert_array_equal(limited.y, full.y[5000:5007])


def test_small_idx_round_trip_train_and_test(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train_x = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    train_y = rng.integers(0, 10, size=6, dtype=np.uint8)
    test_x = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    test_y = np.array([3, 1, 4, 1], dtype=np.uint8)
    write_pair(tmp_path / "fashion_mnist", "train", train_x, train_y)
    write_pair(tmp_path / "fashion_mnist", "t10k", test_x, test_y)
    cfg = DataConfig(name="fashion_mnist", data_dir=str(tmp_path))
    data = load_dataset(cfg, download=False)
    expected = np.concatenate([train_x, test_x])
    np.testing.assert_array_equal(np.rint(data.x[:, 0] * 255).astype(np.uint8), expected)
    assert data.y.tolist() == np.concatenate([train_y, test_y]).tolist()
    assert data.meta.classes[0] == "T-shirt/top"
    # aux/eval halve the test split only (the MNIST protocol), train samples are not in them
    aux = load_dataset(DataConfig(name="fashion_mnist", data_dir=str(tmp_path), split="aux"))
    ev = load_dataset(DataConfig(name="fashion_mnist", data_dir=str(tmp_path), split="eval"))
    assert aux.y.tolist() == [3, 1] and ev.y.tolist() == [4, 1]


def test_uncompressed_idx_is_read(tmp_path: Path) -> None:
    images = np.arange(2 * 28 * 28, dtype=np.uint64).reshape(2, 28, 28).astype(np.uint8)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([5, 6], np.uint8)))
    data = load_dataset(DataConfig(name="kmnist", data_dir=str(tmp_path)), download=False)
    np.testing.assert_array_equal(np.rint(data.x[:, 0] * 255), images)
    assert data.y.tolist() == [5, 6]


def test_read_idx_other_dtypes(tmp_path: Path) -> None:
    values = np.array([[1.5, -2.0], [3.25, 4.0]], dtype=">f4")
    path = tmp_path / "floats.idx"
    path.write_bytes(idx_bytes(values, 0x0D))
    np.testing.assert_array_equal(read_idx(path), values.astype(np.float32))


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"\x01\x02", "magic"),
        (b"\x12\x34\x08\x01" + struct.pack(">I", 2) + b"\x01\x02", "magic"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x01\x02", "truncated"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x01\x02", "after"),
        (b"\x00\x00", "truncated"),
    ],
)
def test_bad_idx_raises_data_error(tmp_path: Path, raw: bytes, words: str) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(DataError, match=words):
        read_idx(path)


def test_bad_idx_through_load_dataset(tmp_path: Path) -> None:
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x01\x02\x03\x04xxxx"))
    labels = gzip.compress(idx_bytes(np.zeros(1, np.uint8)))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(labels)
    with pytest.raises(DataError, match="not an IDX file"):
        load_dataset(DataConfig(name="mnist", data_dir=str(tmp_path)), download=False)


def test_mismatched_image_and_label_counts(tmp_path: Path) -> None:
    write_pair(tmp_path, "t10k", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="3 images but"):
        load_dataset(DataConfig(name="mnist", data_dir=str(tmp_path)), download=False)


def test_missing_files_offline_names_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COREL_OFFLINE", "1")
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(DataConfig(name="mnist", data_dir=str(tmp_path)))
    message = str(info.value)
    assert str(tmp_path / "mnist") in message
    assert "t10k-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert isinstance(info.value, ValueError)
