"""Input validation shared by the plot modules: one error type and small shape/NaN helpers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class PlotInputError(ValueError):
    """Raised when a plot function gets data of the wrong shape or kind."""


def as_array(values: object, name: str) -> np.ndarray:
    """Convert `values` to a float64 array, with a readable error if it is not numeric."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PlotInputError(f"{name} must be numeric, got {type(values).__name__}.") from exc


def as_vector(values: object, name: str) -> np.ndarray:
    """A 1-D float array (scalars and (n, 1) columns are not accepted silently)."""
    arr = as_array(values, name)
    if arr.ndim != 1:
        raise PlotInputError(f"{name} must be a 1-D array of numbers, got shape {arr.shape}.")
    return arr


def as_points(values: object, name: str, dims: Sequence[int] = (2, 3)) -> np.ndarray:
    """An (n, d) float array with d in `dims`."""
    arr = as_array(values, name)
    if arr.ndim != 2 or arr.shape[1] not in dims:
        allowed = " or ".join(str(d) for d in dims)
        raise PlotInputError(
            f"{name} must have shape (n, {allowed}) — one row per point — got {arr.shape}."
        )
    return arr


def as_diagram(values: object, name: str = "diagram") -> np.ndarray:
    """A (k, 2) birth/death array; deaths may be +inf (essential classes), never below births."""
    arr = as_array(values, name)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise PlotInputError(
            f"{name} must have shape (k, 2) with columns birth and death, got {arr.shape}."
        )
    finite = np.isfinite(arr).all(axis=1)
    if np.any(arr[finite, 1] < arr[finite, 0]):
        raise PlotInputError(f"{name} has a bar whose death comes before its birth.")
    return arr


def finite_rows(arr: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows (or entries, for 1-D input) that hold no NaN/inf."""
    if arr.ndim == 1:
        return np.isfinite(arr)
    return np.isfinite(arr).all(axis=tuple(range(1, arr.ndim)))


def dropped_note(n_dropped: int, what: str = "points") -> str:
    """A short sentence for a figure note saying how many non-finite values were left out."""
    return f"{n_dropped} {what} with NaN/inf left out"
