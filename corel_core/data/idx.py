"""MNIST, Fashion-MNIST and KMNIST from their IDX files (gzipped or not).

IDX format (LeCun et al.): a 4-byte magic number `0x00 0x00 <type> <ndim>`, then `ndim` big-endian
uint32 dimensions, then the values in C order. Whatever of the train/test pairs is present is
loaded (train first, then test); missing pairs are downloaded only when none is present.
"""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .base import DIGIT_CLASSES, DataError, DatasetMeta, Loaded
from .download import Locator

# IDX type byte -> big-endian numpy dtype
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MAX_VALUES = 2**31  # refuse headers that promise absurd sizes

TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

_INFO = {
    "mnist": (
        "MNIST handwritten digits (LeCun, Cortes, Burges)",
        "CC BY-SA 3.0",
        DIGIT_CLASSES,
    ),
    "fashion_mnist": (
        "Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, Zalando Research)",
        "MIT",
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
    "kmnist": (
        "Kuzushiji-MNIST (Clanuwat et al. 2018, ROIS-DS CODH)",
        "CC BY-SA 4.0",
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    ),
}


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else path.open("rb")  # type: ignore[return-value]


def _read_exact(stream: BinaryIO, n: int, path: Path, what: str) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise DataError(f"{path.name} is truncated: its header promises {what} but it ends early.")
    return data


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (plain or gzipped) into a native-endian array, validating the header."""
    path = Path(path)
    try:
        with _open(path) as stream:
            magic = _read_exact(stream, 4, path, "a 4-byte magic number")
            if magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES or magic[3] == 0:
                raise DataError(
                    f"{path.name} is not an IDX file (magic number {magic.hex()} should be "
                    "0000 followed by a type byte 08-0e and a dimension count)."
                )
            dtype, ndim = _IDX_TYPES[magic[2]], magic[3]
            dims = struct.unpack(f">{ndim}I", _read_exact(stream, 4 * ndim, path, "dimensions"))
            count = int(np.prod(dims, dtype=np.int64))
            if count > _MAX_VALUES:
                raise DataError(f"{path.name} claims {dims} values, far more than any IDX dataset.")
            body = _read_exact(stream, count * dtype.itemsize, path, f"{count} values")
            if stream.read(1):
                raise DataError(f"{path.name} has bytes after the {count} values its header lists.")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"could not read {path.name}: {exc}") from exc
    array = np.frombuffer(body, dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx_pair(images: str | Path, labels: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, H, W) uint8 and labels (N,) int64 from matching IDX files, validated."""
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise DataError(f"{Path(images).name} should hold uint8 images (N, H, W), not {x.shape}.")
    if y.ndim != 1 or y.dtype != np.uint8:
        raise DataError(f"{Path(labels).name} should hold uint8 labels (N,), not {y.shape}.")
    if len(x) != len(y):
        raise DataError(
            f"{Path(images).name} has {len(x)} images but {Path(labels).name} {len(y)} labels."
        )
    return x[:, None, :, :], y.astype(np.int64)


def _find(locator: Locator, name: str, filename: str) -> Path | None:
    """The gzipped file, or its decompressed twin (name without .gz)."""
    return locator.find(name, filename) or locator.find(name, filename.removesuffix(".gz"))


def load_idx_dataset(name: str, locator: Locator) -> Loaded:
    """Load an MNIST-family dataset: train then test, whichever pairs are present."""
    source, licence, classes = _INFO[name]
    paths = {}
    for split, files in (("train", TRAIN), ("test", TEST)):
        found = [_find(locator, name, f) for f in files]
        if all(p is not None for p in found):
            paths[split] = found
    if not paths:
        hint = "the training pair, the test (t10k) pair, or both"
        got = locator.obtain(name, TRAIN + TEST, hint=hint)
        paths = {"train": [got[f] for f in TRAIN], "test": [got[f] for f in TEST]}
    parts = {split: read_idx_pair(*files) for split, files in paths.items()}
    xs = [parts[s][0] for s in ("train", "test") if s in parts]
    ys = [parts[s][1] for s in ("train", "test") if s in parts]
    x, y = np.concatenate(xs), np.concatenate(ys)
    if y.size and (y.min() < 0 or y.max() >= len(classes)):
        raise DataError(f"{name} labels should lie in 0..{len(classes) - 1}.")
    n_train = len(parts["train"][0]) if "train" in parts and "test" in parts else 0
    which = " + ".join(f"{s} ({len(parts[s][0])})" for s in ("train", "test") if s in parts)
    meta = DatasetMeta(
        name=name,
        kind="image",
        shape=tuple(int(d) for d in x.shape[1:]),
        classes=classes,
        source=f"{source}; IDX files, {which} split(s)",
        licence=licence,
    )
    return Loaded(x=x, y=y, task=None, meta=meta, divide_by=255.0, eval_start=n_train)


def write_idx(array: np.ndarray, gz: bool = True) -> bytes:
    """Encode an array as IDX bytes (gzipped by default); used to build test fixtures."""
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    dtype = np.dtype(array.dtype).newbyteorder("=")
    if dtype not in codes:
        raise DataError(f"IDX cannot store dtype {array.dtype}.")
    header = bytes([0, 0, codes[dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = header + np.ascontiguousarray(array).astype(_IDX_TYPES[codes[dtype]]).tobytes()
    if not gz:
        return body
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        out.write(body)
    return buffer.getvalue()
