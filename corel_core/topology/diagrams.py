"""Persistence diagrams H0..Hk of a point cloud via ripser, for analysis pages (not for training).

Higher-dimensional Rips persistence grows fast with the number of points, so clouds above
`max_points` are subsampled uniformly at random (seeded); the result records how many were used.
"""

from __future__ import annotations

import numpy as np

from corel_core.data.subsample import subsample_indices
from corel_core.topology.persistence import (
    NonFiniteInputError,
    TopologyError,
    bad_rows_message,
    check_metric,
)

RIPSER_METRICS = {"l1": "manhattan", "l2": "euclidean"}
MAX_DIM = 3
# ripser holds the n × n distance matrix and H1+ grows much faster: the most points each top
# dimension may use (max_points above it is refused; H0 of bigger clouds: vr0_persistence).
MAX_POINTS_BY_DIM = {0: 5000, 1: 3000, 2: 400, 3: 100}  # H1 at 3,000 10-D points: 12 s here


class Diagrams(dict):
    """dim -> (k, 2) birth/death array (np.inf for essential bars); a dict with extra fields.

    `n_used` points entered the computation out of `n_total`; `indices` are their row numbers.
    """

    def __init__(
        self, by_dim: dict[int, np.ndarray], n_used: int, n_total: int, indices: np.ndarray
    ) -> None:
        super().__init__(by_dim)
        self.n_used = n_used
        self.n_total = n_total
        self.indices = indices

    @property
    def subsampled(self) -> bool:
        """True when fewer points than given were used."""
        return self.n_used < self.n_total


def _as_float64(points: object) -> tuple[np.ndarray, np.dtype]:
    """A float64 numpy copy of array-like or tensor `points` and the float dtype to return."""
    if hasattr(points, "detach"):  # a torch tensor; bfloat16 has no numpy equivalent
        import torch

        tensor = points.detach().cpu()
        out = np.dtype(np.float32) if tensor.dtype == torch.bfloat16 else None
        points = tensor.to(torch.float64).numpy() if out is not None else tensor.numpy()
    else:
        out = None
    raw = np.asarray(points)
    if out is None:
        out = raw.dtype if np.issubdtype(raw.dtype, np.floating) else np.dtype(np.float64)
    try:
        return raw.astype(np.float64), out
    except (TypeError, ValueError) as exc:
        raise TopologyError(f"points must be numeric, not {raw.dtype}.") from exc


def diagrams(
    points: np.ndarray,
    max_dim: int = 1,
    metric: str = "l2",
    max_points: int | None = None,
    seed: int = 0,
) -> Diagrams:
    """Vietoris–Rips diagrams H0..H_max_dim of an (n, d) array as a `Diagrams` dict.

    Deaths are full distances (the Rips convention of ripser, gudhi and vr0_persistence).
    ``points`` may be a numpy array or a torch tensor of any float dtype (float16 and bfloat16
    included); births and deaths are computed in float64 and returned in the input's float dtype
    (bfloat16, which numpy lacks, comes back as float32).
    """
    check_metric(metric)
    arr, out_dtype = _as_float64(points)
    if arr.ndim != 2:
        raise TopologyError(f"points must be a 2-D array (n × d), got shape {arr.shape}.")
    if isinstance(max_dim, bool) or not isinstance(max_dim, (int, np.integer)):
        raise TopologyError(f"max_dim must be an integer, not {max_dim!r}.")
    if not 0 <= max_dim <= MAX_DIM:
        raise TopologyError(f"max_dim must be between 0 and {MAX_DIM}, not {max_dim}.")
    if max_points is None:  # the default: 1,000 points, fewer where the dimension's cap is lower
        max_points = min(1000, MAX_POINTS_BY_DIM[max_dim])
    if max_points < 1:
        raise TopologyError(f"max_points must be at least 1, not {max_points}.")
    if max_points > MAX_POINTS_BY_DIM[max_dim]:
        raise TopologyError(
            f"max_points {max_points:,} is above the cap of {MAX_POINTS_BY_DIM[max_dim]:,} points "
            f"for diagrams up to H{max_dim}; ask for fewer points."
        )
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        raise NonFiniteInputError(bad_rows_message(np.flatnonzero(~finite)))
    n_total = arr.shape[0]
    indices = subsample_indices(n_total, int(max_points), seed)
    sample = arr[indices]
    if len(sample) == 0:
        by_dim = {k: np.empty((0, 2), dtype=out_dtype) for k in range(max_dim + 1)}
        return Diagrams(by_dim, 0, n_total, indices)
    from ripser import ripser  # heavy import, only when diagrams are asked for

    dgms = ripser(sample, maxdim=int(max_dim), metric=RIPSER_METRICS[metric])["dgms"]
    by_dim = {k: np.asarray(dgms[k], dtype=out_dtype).reshape(-1, 2) for k in range(max_dim + 1)}
    return Diagrams(by_dim, len(indices), n_total, indices)
