"""The one seeded subsample used everywhere a view, cache or estimator caps its points."""

from __future__ import annotations

import numpy as np


def subsample_indices(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a uniform random subset of size min(n, max_points) of range(n).

    All of range(n) when n ≤ max_points; otherwise numpy's default_rng(seed).choice without
    replacement, sorted, so the same (n, max_points, seed) always keeps the same rows.
    Raises ValueError for a negative n or max_points.
    """
    if n < 0 or max_points < 0:
        raise ValueError(f"n and max_points must be non-negative, not {n} and {max_points}.")
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_points, replace=False))
