"""Input validation shared by the density modules: one readable error class, one set of checks."""

from __future__ import annotations

import numpy as np

METRICS = ("l1", "l2")


class DensityError(ValueError):
    """A density, score or one-class request that cannot be carried out as asked."""


def as_points(x: object, name: str = "x", *, min_rows: int = 1) -> np.ndarray:
    """Return `x` as a finite float64 (N, d) array, or raise DensityError saying what is wrong."""
    arr = np.asarray(x)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise DensityError(f"{name} must be a numeric array, not {arr.dtype}.")
    if arr.ndim != 2:
        raise DensityError(
            f"{name} must be a 2-D array (points × features), got shape {arr.shape}; "
            "use x.reshape(-1, 1) for one feature."
        )
    if arr.shape[0] < min_rows:
        raise DensityError(f"{name} needs at least {min_rows} point(s), got {arr.shape[0]}.")
    if arr.shape[1] < 1:
        raise DensityError(f"{name} has no features (shape {arr.shape}).")
    arr = np.asarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(bad.sum()) - n_nan
        rows = int(bad.any(axis=1).sum())
        raise DensityError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite value(s) in {rows} of "
            f"{arr.shape[0]} rows; drop or fix those points first."
        )
    return arr


def as_labels(y: object, n_rows: int, name: str, points_name: str) -> np.ndarray:
    """Return `y` as a 1-D int64 array with one label per point, or raise DensityError."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise DensityError(f"{name} must be 1-D (one label per point), got shape {arr.shape}.")
    if arr.shape[0] != n_rows:
        raise DensityError(
            f"{name} has {arr.shape[0]} labels but {points_name} has {n_rows} points; "
            "they must match one to one."
        )
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)):
            if np.any(arr != np.round(arr)):
                raise DensityError(f"{name} must hold integer class labels.")
        else:
            raise DensityError(f"{name} must hold integer class labels, not {arr.dtype}.")
    return arr.astype(np.int64)


def check_metric(metric: str) -> str:
    """Return `metric` if it is one of the supported distances, else raise DensityError."""
    if metric not in METRICS:
        raise DensityError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}.")
    return metric


def check_branches(n_features: int, branches: int) -> int:
    """Return the per-branch width, or raise DensityError if `branches` does not divide the dims."""
    if int(branches) != branches or branches < 1:
        raise DensityError(f"branches must be a positive integer, not {branches!r}.")
    if n_features % branches:
        raise DensityError(
            f"branches={branches} does not divide the latent dimension {n_features}; "
            "each branch must have the same number of dims."
        )
    return n_features // int(branches)


def check_positive(value: float, name: str) -> float:
    """Return `value` as float if it is finite and > 0, else raise DensityError."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DensityError(f"{name} must be a positive number, not {value!r}.") from exc
    if not np.isfinite(v) or v <= 0:
        raise DensityError(f"{name} must be a positive number, not {value!r}.")
    return v
