"""Datasets a person uploads: .npz, .npy or .csv files, validated with readable errors.

Every problem becomes a `DataError` whose message says what is wrong with the file; nothing is
ever unpickled (`allow_pickle=False`). Point clouds are 2-D arrays (samples x features); images
are (N, H, W), (N, C, H, W) or channel-last (N, H, W, C) with at most 4 channels, in [0, 1] or
[0, 255] (the latter is scaled to [0, 1]).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .base import DataError, Dataset, DatasetMeta

DEFAULT_MAX_BYTES = 200 * 2**20
X_KEYS = ("x", "X", "data", "images")
Y_KEYS = ("y", "Y", "labels", "label")
TASK_KEYS = ("task", "tasks")
_LABEL_COLUMNS = {"label", "labels", "y", "class", "target"}
_TASK_COLUMNS = {"task", "tasks"}
_MAX_CHANNELS = 4


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def load_user_data(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Dataset:
    """Read and validate an uploaded .npz/.npy/.csv file into a Dataset (DataError if unusable).

    .npz: arrays x/X/data/images (or a single array), optional y/labels and task. .npy: the data
    array only. .csv: numeric columns, optional header with columns label/y and task.
    """
    path = Path(path)
    try:
        return _load(path, max_bytes)
    except DataError:
        raise
    except MemoryError:
        raise DataError(f"{path.name} is too large to load into memory.") from None
    except Exception as exc:  # any other failure is still the file's fault: say so plainly
        raise DataError(f"{path.name} could not be read as a dataset ({exc}).") from exc


def _load(path: Path, max_bytes: int) -> Dataset:
    if not path.is_file():
        raise DataError(f"there is no file at {path}.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path.name} is empty.")
    if size > max_bytes:
        raise DataError(
            f"{path.name} is {_mb(size)}, more than the upload limit of {_mb(max_bytes)}."
        )
    suffix = path.suffix.lower()
    if suffix == ".npz":
        x, y, task = _read_npz(path, max_bytes)
    elif suffix == ".npy":
        x, y, task = _read_npy(path), None, None
    elif suffix in (".csv", ".txt"):
        x, y, task = _read_csv(path)
    else:
        raise DataError(f"{path.name}: unsupported file type; upload a .npz, .npy or .csv file.")
    return build_dataset(path.name, x, y, task)


def _check_array(array: Any, name: str, what: str) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise DataError(f"{name}: {what} is not an array.")
    if array.dtype.hasobject:
        raise DataError(
            f"{name}: {what} holds Python objects (pickled data), which corel never loads "
            "for safety; save a plain numeric array instead."
        )
    return array


def _np_load(source: Any, name: str, what: str) -> np.ndarray:
    try:
        return _check_array(np.load(source, allow_pickle=False), name, what)
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise DataError(
                f"{name}: {what} holds Python objects (pickled data), which corel never loads "
                "for safety; save a plain numeric array instead."
            ) from exc
        raise DataError(f"{name} is not a valid NumPy file ({exc}).") from exc


def _read_npy(path: Path) -> np.ndarray:
    with path.open("rb") as handle:
        if handle.read(6) != b"\x93NUMPY":
            raise DataError(f"{path.name} is not a NumPy .npy file (its first bytes are wrong).")
        handle.seek(0)
        return _np_load(handle, path.name, "the array")


def _read_npz(path: Path, max_bytes: int) -> tuple[np.ndarray, Any, Any]:
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path.name} is not a valid .npz file (not a zip archive).")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > 8 * max_bytes:
            raise DataError(f"{path.name} unpacks to far more than the upload limit allows.")
        arrays = {i.filename.removesuffix(".npy"): i for i in infos if i.filename.endswith(".npy")}
        if not arrays:
            raise DataError(f"{path.name} holds no arrays.")

        def get(key: str) -> np.ndarray:
            with archive.open(arrays[key]) as member:
                data = io.BytesIO(member.read())
            return _np_load(data, path.name, f"array {key!r}")

        x_key = next((k for k in X_KEYS if k in arrays), None)
        if x_key is None:
            if len(arrays) != 1:
                raise DataError(
                    f"{path.name} should hold the data in an array named x (or X, data, images); "
                    f"it has {', '.join(sorted(arrays))}."
                )
            x_key = next(iter(arrays))
        y_key = next((k for k in Y_KEYS if k in arrays), None)
        t_key = next((k for k in TASK_KEYS if k in arrays), None)
        return (
            get(x_key),
            None if y_key is None else get(y_key),
            None if t_key is None else get(t_key),
        )


def _read_csv(path: Path) -> tuple[np.ndarray, Any, Any]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not a text CSV file (it is not UTF-8 text).") from None
    if "\x00" in text:
        raise DataError(f"{path.name} is not a text CSV file (it contains binary data).")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    rows = [
        (i + 1, [c.strip() for c in row])
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter))
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise DataError(f"{path.name} has no rows.")
    header = None
    if any(not _is_number(c) for c in rows[0][1]):
        header = [c.lower() for c in rows[0][1]]
        rows = rows[1:]
    width = len(header) if header is not None else len(rows[0][1]) if rows else 0
    if not rows:
        raise DataError(f"{path.name} has a header but no data rows.")
    values = np.empty((len(rows), width), dtype=np.float64)
    for r, (line, cells) in enumerate(rows):
        if len(cells) != width:
            raise DataError(
                f"{path.name}, line {line}: {len(cells)} values, but the file has {width} columns."
            )
        for c, cell in enumerate(cells):
            try:
                values[r, c] = float(cell)
            except ValueError:
                column = header[c] if header else str(c + 1)
                raise DataError(
                    f"{path.name}, line {line}, column {column!r}: {cell!r} is not a number."
                ) from None
    names = header or [""] * width
    y_cols = [i for i, n in enumerate(names) if n in _LABEL_COLUMNS]
    t_cols = [i for i, n in enumerate(names) if n in _TASK_COLUMNS]
    x_cols = [i for i in range(width) if i not in y_cols and i not in t_cols]
    if len(y_cols) > 1 or len(t_cols) > 1:
        raise DataError(f"{path.name} has more than one label or task column.")
    if not x_cols:
        raise DataError(f"{path.name} has no feature columns besides labels/task.")
    y = values[:, y_cols[0]] if y_cols else None
    task = values[:, t_cols[0]] if t_cols else None
    return values[:, x_cols], y, task


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _as_images(x: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    """(N,H,W) / (N,C,H,W) / (N,H,W,C) -> (N,C,H,W) and a note on what was done."""
    if x.ndim == 3:
        return x[:, None], ""
    if x.shape[1] <= _MAX_CHANNELS:
        return x, ""
    if x.shape[3] <= _MAX_CHANNELS:
        return np.moveaxis(x, 3, 1), "channel-last images moved to channel-first"
    raise DataError(
        f"{name}: a 4-D array must be images (N, C, H, W) or (N, H, W, C) with at most "
        f"{_MAX_CHANNELS} channels; got shape {x.shape}."
    )


def _codes(values: Any, n: int, name: str, what: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer-like ids -> codes 0..K-1 and the original values as names."""
    arr = _check_array(np.asarray(values), name, what)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name}: {what} must be one value per sample, not shape {arr.shape}.")
    if len(arr) != n:
        raise DataError(f"{name}: the data has {n} samples but {what} has {len(arr)} values.")
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{name}: {what} must be whole numbers, not {arr.dtype} values.")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr != np.round(arr))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(f"{name}: {what} must be whole numbers; sample {first} has {arr[first]!r}.")
    uniq, codes = np.unique(arr.astype(np.int64), return_inverse=True)
    return codes.astype(np.int64).ravel(), tuple(str(int(v)) for v in uniq)


def build_dataset(name: str, x: Any, y: Any = None, task: Any = None) -> Dataset:
    """Validate user arrays and wrap them as a Dataset (points or channel-first images)."""
    x = _check_array(np.asarray(x), name, "the data")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{name}: the data must be numbers, not {x.dtype} values.")
    if x.ndim not in (2, 3, 4):
        raise DataError(
            f"{name}: the data must be a 2-D array (samples x features) or images "
            f"(N, H, W) / (N, C, H, W); got shape {x.shape}."
        )
    if x.shape[0] < 2:
        raise DataError(f"{name}: at least 2 samples are needed, found {x.shape[0]}.")
    if 0 in x.shape[1:]:
        raise DataError(f"{name}: each sample is empty (shape {x.shape}).")
    notes = []
    kind = "points"
    if x.ndim > 2:
        kind = "image"
        x, note = _as_images(x, name)
        notes.append(note)
    data = x.astype(np.float64)
    bad = ~np.isfinite(data.reshape(len(data), -1))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        shown = ", ".join(str(int(r)) for r in rows[:5])
        raise DataError(
            f"{name}: {int(bad.sum())} NaN or infinite values in {len(rows)} samples "
            f"(first samples, counting from 0: {shown})."
        )
    if kind == "image":
        low, high = float(data.min()), float(data.max())
        if low < 0 or high > 255:
            raise DataError(
                f"{name}: image values must lie in [0, 1] or [0, 255]; found {low:g} to {high:g}."
            )
        if high > 1:
            data = data / 255.0
            notes.append("pixel values 0-255 scaled to [0, 1]")
    labels, classes = (None, ()) if y is None else _codes(y, len(data), name, "the labels")
    tasks, task_names = (None, ()) if task is None else _codes(task, len(data), name, "the task")
    source = f"uploaded file {name}"
    if any(notes):
        source += " (" + "; ".join(n for n in notes if n) + ")"
    meta = DatasetMeta(
        name=name,
        kind=kind,
        shape=tuple(int(d) for d in data.shape[1:]),
        classes=classes,
        source=source,
        licence="provided by the user",
        task_names=task_names,
    )
    return Dataset(x=data.astype(np.float32), y=labels, task=tasks, meta=meta)
