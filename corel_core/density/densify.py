"""Densification: nearest-neighbour distances fall as more points are embedded.

The connectivity loss shapes batches of b points to MST edge lengths ≈ η; embedding N ≫ b points
fills the space in, so NN distances drop below η (Hofer et al. 2019, "densification").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._checks import DensityError, as_points, check_metric

_SKLEARN_METRIC = {"l1": "manhattan", "l2": "euclidean"}


def nearest_neighbor_distances(
    x: object,
    metric: str = "l1",
    sizes: Sequence[int] = (100, 500, 2000, 10000),
    seed: int = 0,
) -> dict[int, np.ndarray]:
    """Map size s -> NN distance (s,) of each point within a random subset of s points.

    Subsets are nested prefixes of one seeded permutation, so every point's NN distance can only
    shrink as s grows; sizes above len(x) are skipped.
    """
    arr = as_points(x, "x", min_rows=2)
    check_metric(metric)
    wanted = sorted({int(s) for s in sizes})
    if any(s < 2 for s in wanted):
        raise DensityError("Every subset size must be at least 2 (a point needs a neighbour).")
    usable = [s for s in wanted if s <= len(arr)]
    if not usable:
        raise DensityError(
            f"All sizes {wanted} exceed the {len(arr)} points available; pass smaller sizes."
        )
    perm = np.random.default_rng(seed).permutation(len(arr))
    out: dict[int, np.ndarray] = {}
    for s in usable:
        subset = arr[perm[:s]]
        nn = NearestNeighbors(n_neighbors=1, metric=_SKLEARN_METRIC[metric], algorithm="brute")
        dist, _ = nn.fit(subset).kneighbors()  # no query: each point's own row is excluded
        out[s] = dist[:, 0]
    return out
