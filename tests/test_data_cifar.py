"""CIFAR binary parsing from folders and .tar.gz archives (byte-exact round trips)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from corel_core.config import DataConfig
from corel_core.data import DataError, DatasetNotFoundError, load_dataset


def records(images: np.ndarray, *label_columns: np.ndarray) -> bytes:
    """Independent CIFAR encoder: label byte(s) then the 3x32x32 planes, per record."""
    labels = np.stack(label_columns, axis=1).astype(np.uint8)
    flat = images.reshape(len(images), -1)
    return np.concatenate([labels, flat], axis=1).tobytes()


def random_images(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_cifar10_folder_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "cifar10" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    train = [random_images(3, seed) for seed in range(5)]
    train_y = [np.array([seed, 9 - seed, 1]) for seed in range(5)]
    for i, (imgs, ys) in enumerate(zip(train, train_y, strict=True), start=1):
        (folder / f"data_batch_{i}.bin").write_bytes(records(imgs, ys))
    test = random_images(4, 99)
    (folder / "test_batch.bin").write_bytes(records(test, np.array([0, 1, 2, 3])))
    data = load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path)), download=False)
    expected = np.concatenate([*train, test])
    assert data.x.shape == (19, 3, 32, 32) and data.x.dtype == np.float32
    np.testing.assert_array_equal(np.rint(data.x * 255).astype(np.uint8), expected)
    assert data.y.tolist() == np.concatenate([*train_y, [0, 1, 2, 3]]).tolist()
    assert data.meta.classes[0] == "airplane" and len(data.meta.classes) == 10
    ev = load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path), split="eval"))
    assert ev.y.tolist() == [2, 3]  # second half of the test batch


def test_cifar100_archive_fine_and_coarse(tmp_path: Path) -> None:
    train, test = random_images(5, 1), random_images(2, 2)
    fine_tr, coarse_tr = np.array([0, 99, 50, 7, 3]), np.array([4, 19, 0, 1, 2])
    fine_te, coarse_te = np.array([12, 13]), np.array([5, 6])
    archive = tmp_path / "cifar-100-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_bytes(tar, "cifar-100-binary/train.bin", records(train, coarse_tr, fine_tr))
        add_bytes(tar, "cifar-100-binary/test.bin", records(test, coarse_te, fine_te))
        add_bytes(tar, "../escape.bin", b"never extracted")
    fine = load_dataset(DataConfig(name="cifar100", data_dir=str(tmp_path)), download=False)
    np.testing.assert_array_equal(
        np.rint(fine.x * 255).astype(np.uint8), np.concatenate([train, test])
    )
    assert fine.y.tolist() == [0, 99, 50, 7, 3, 12, 13]
    assert fine.meta.classes[99] == "worm" and len(fine.meta.classes) == 100
    coarse = load_dataset(DataConfig(name="cifar20", data_dir=str(tmp_path)), download=False)
    assert coarse.y.tolist() == [4, 19, 0, 1, 2, 5, 6]
    assert len(coarse.meta.classes) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-100-binary.tar.gz"]
    assert not (tmp_path.parent / "escape.bin").exists()


def test_cifar_archive_with_only_test_batch(tmp_path: Path) -> None:
    test = random_images(6, 3)
    with tarfile.open(tmp_path / "cifar-10-binary.tar.gz", "w:gz") as tar:
        add_bytes(tar, "cifar-10-batches-bin/test_batch.bin", records(test, np.arange(6)))
    data = load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path), split="aux"))
    np.testing.assert_array_equal(np.rint(data.x * 255).astype(np.uint8), test[:3])


def test_truncated_cifar_batch_is_data_error(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(records(random_images(2, 0), np.zeros(2))[:-5])
    with pytest.raises(DataError, match="3073-byte"):
        load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path)), download=False)


def test_corrupt_archive_is_data_error(tmp_path: Path) -> None:
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(b"not a tar archive at all")
    with pytest.raises(DataError, match="could not read the archive"):
        load_dataset(DataConfig(name="cifar10", data_dir=str(tmp_path)), download=False)


def test_cifar_missing_offline(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset(DataConfig(name="cifar100", data_dir=str(tmp_path)), download=False)
    assert "cifar-100-binary.tar.gz" in str(info.value)
    assert str(tmp_path / "cifar100") in str(info.value)
