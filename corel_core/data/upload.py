"""Datasets a person uploads: .npz, .npy or .csv files, validated with readable errors.

Every problem becomes a `DataError` whose message says what is wrong with the file; nothing is
ever unpickled (`allow_pickle=False`). Point clouds are 2-D arrays (samples x features); images
are (N, H, W), (N, C, H, W) or channel-last (N, H, W, C) with at most 4 channels, in [0, 1] or
[0, 255] (the latter is scaled to [0, 1]).
"""

from __future__ import annotations

import csv
import io
import re
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


def load_user_data(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, name: str | None = None
) -> Dataset:
    """Read and validate an uploaded .npz/.npy/.csv file into a Dataset (DataError if unusable).

    .npz: arrays x/X/data/images (or a single array), optional y/labels and task. .npy: the data
    array only. .csv: numeric columns, optional header with columns label/y and task (see
    `_read_csv` for the dialects it detects). `name` is the file name the person knows, used in
    every error message and in the dataset's metadata (default: the file's own name); the
    dataset's ``meta.source`` says how the file was read (rows × features, header, columns).
    """
    path = Path(path)
    name = name or path.name
    try:
        return _load(path, max_bytes, name)
    except DataError:
        raise
    except MemoryError:
        raise DataError(f"{name} is too large to load into memory.") from None
    except Exception as exc:  # any other failure is still the file's fault: say so plainly
        raise DataError(f"{name} could not be read as a dataset ({exc}).") from exc


def _load(path: Path, max_bytes: int, name: str) -> Dataset:
    if not path.is_file():
        raise DataError(f"there is no file at {path}.")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{name} is empty.")
    if size > max_bytes:
        raise DataError(f"{name} is {_mb(size)}, more than the upload limit of {_mb(max_bytes)}.")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix == ".npz":
        x, y, task = _read_npz(path, max_bytes, name)
    elif suffix == ".npy":
        x, y, task = _read_npy(path, name), None, None
    elif suffix in (".csv", ".txt"):
        x, y, task, notes = _read_csv(path, name)
    else:
        raise DataError(f"{name}: unsupported file type; upload a .npz, .npy or .csv file.")
    return build_dataset(name, x, y, task, read_notes=notes)


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


def _read_npy(path: Path, name: str) -> np.ndarray:
    with path.open("rb") as handle:
        if handle.read(6) != b"\x93NUMPY":
            raise DataError(f"{name} is not a NumPy .npy file (its first bytes are wrong).")
        handle.seek(0)
        return _np_load(handle, name, "the array")


def _read_npz(path: Path, max_bytes: int, name: str) -> tuple[np.ndarray, Any, Any]:
    if not zipfile.is_zipfile(path):
        raise DataError(f"{name} is not a valid .npz file (not a zip archive).")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > 8 * max_bytes:
            raise DataError(f"{name} unpacks to far more than the upload limit allows.")
        arrays = {i.filename.removesuffix(".npy"): i for i in infos if i.filename.endswith(".npy")}
        if not arrays:
            raise DataError(f"{name} holds no arrays.")

        def get(key: str) -> np.ndarray:
            with archive.open(arrays[key]) as member:
                data = io.BytesIO(member.read())
            return _np_load(data, name, f"array {key!r}")

        x_key = next((k for k in X_KEYS if k in arrays), None)
        if x_key is None:
            if len(arrays) != 1:
                raise DataError(
                    f"{name} should hold the data in an array named x (or X, data, images); "
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


_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_INDEX_NAMES = {"", "unnamed: 0", "index"}


def _read_csv(path: Path, name: str) -> tuple[np.ndarray, Any, Any, list[str]]:
    """Numbers of a CSV file, its label and task columns, and notes on how it was read.

    The separator (comma, semicolon, tab or bar) and a decimal comma are detected from the
    first 50 non-empty lines: the reading under which every cell after an optional header row is
    a number and all rows have the same width wins. An unnamed first column holding exactly
    0..n−1 (pandas' `to_csv` index) is dropped and reported.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{name} is not a text CSV file (it is not UTF-8 text).") from None
    if "\x00" in text:
        raise DataError(f"{name} is not a text CSV file (it contains binary data).")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(f"{name} has no rows.")
    delimiter, decimal_comma = _sniff(lines[:50])
    rows = [
        (i + 1, [c.strip() for c in row])
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter))
        if any(c.strip() for c in row)
    ]
    header = None
    if any(not _is_number(c, decimal_comma) for c in rows[0][1]):
        header = [c.lower() for c in rows[0][1]]
        rows = rows[1:]
    width = len(header) if header is not None else len(rows[0][1]) if rows else 0
    if not rows:
        raise DataError(f"{name} has a header but no data rows.")
    values = np.empty((len(rows), width), dtype=np.float64)
    for r, (line, cells) in enumerate(rows):
        if len(cells) != width:
            raise DataError(
                f"{name}, line {line}: {len(cells)} values, but the file has {width} columns."
            )
        for c, cell in enumerate(cells):
            try:
                values[r, c] = _number(cell, decimal_comma)
            except ValueError:
                column = header[c] if header else str(c + 1)
                raise DataError(
                    f"{name}, line {line}, column {column!r}: {cell!r} is not a number."
                ) from None
    shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}[delimiter]
    notes = [f"{shown}-separated", "header row" if header else "no header row"]
    if decimal_comma:
        notes.append("decimal comma")
    names = header or [""] * width
    keep = list(range(width))
    index = header is not None and names[0] in _INDEX_NAMES and width > 1
    if index and np.array_equal(values[:, 0], np.arange(len(values))):
        keep = keep[1:]
        notes.append("dropped an unnamed index column (0..n−1)")
    y_cols = [i for i in keep if names[i] in _LABEL_COLUMNS]
    t_cols = [i for i in keep if names[i] in _TASK_COLUMNS]
    x_cols = [i for i in keep if i not in y_cols and i not in t_cols]
    if len(y_cols) > 1 or len(t_cols) > 1:
        raise DataError(f"{name} has more than one label or task column.")
    if not x_cols:
        raise DataError(f"{name} has no feature columns besides labels/task.")
    notes.append(f"label column {names[y_cols[0]]!r}" if y_cols else "no label column")
    if t_cols:
        notes.append(f"task column {names[t_cols[0]]!r}")
    y = values[:, y_cols[0]] if y_cols else None
    task = values[:, t_cols[0]] if t_cols else None
    return values[:, x_cols], y, task, notes


def _sniff(lines: list[str]) -> tuple[str, bool]:
    """(separator, decimal comma?) under which the sample lines read as a numeric table."""
    best: tuple[int, str, bool] | None = None
    for delimiter in _DELIMITERS:
        for decimal_comma in (False, True) if delimiter != "," else (False,):
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
            body = rows[1:] if any(not _is_number(c, decimal_comma) for c in rows[0]) else rows
            widths = {len(r) for r in rows}
            numeric = bool(body) and all(_is_number(c, decimal_comma) for r in body for c in r)
            # a separator other than the comma must really split the lines
            if len(widths) != 1 or not numeric or (delimiter != "," and widths == {1}):
                continue
            # prefer more columns (a separator that splits), then a plain decimal point
            score = (widths.pop(), delimiter == ",", not decimal_comma)
            if best is None or score > best[0]:
                best = (score, delimiter, decimal_comma)  # type: ignore[assignment]
    if best is None:  # nothing reads cleanly: keep the old rule, the cell errors will say where
        first = lines[0]
        return next((d for d in _DELIMITERS if d in first), ","), False
    return best[1], best[2]


def _number(cell: str, decimal_comma: bool = False) -> float:
    if decimal_comma and _DECIMAL_COMMA.match(cell):
        cell = cell.replace(",", ".")
    return float(cell)


def _is_number(cell: str, decimal_comma: bool = False) -> bool:
    try:
        _number(cell, decimal_comma)
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


def build_dataset(
    name: str, x: Any, y: Any = None, task: Any = None, *, read_notes: list[str] | None = None
) -> Dataset:
    """Validate user arrays and wrap them as a Dataset (points or channel-first images).

    ``meta.source`` ends with what was read: "N rows × F features" plus ``read_notes`` (how a
    CSV file was parsed) and any rescaling, so a person can catch a misread file.
    """
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
    n_features = int(np.prod(data.shape[1:]))
    size = f"{len(data)} rows × {n_features} feature{'' if n_features == 1 else 's'}"
    if kind == "image":
        size = f"{len(data)} images of {'×'.join(str(d) for d in data.shape[1:])}"
    notes = [size, *(read_notes or []), *notes]
    source = f"uploaded file {name} (" + "; ".join(n for n in notes if n) + ")"
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
