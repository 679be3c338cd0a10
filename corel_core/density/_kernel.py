"""Chunked isotropic Gaussian kernel sums: the numeric core shared by KDE scoring and CV.

log p(y) = logsumexp_i(−‖y − x_i‖² / 2h²) − log N − (d/2)·log(2πh²), evaluated in row chunks so
memory stays near `chunk_bytes` whatever the number of query points. Squared distances are
exact where precision matters (see `sq_distances`): the BLAS expansion alone loses every digit
for points far from the origin relative to their spacing and the bandwidth.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

DEFAULT_CHUNK_BYTES = 32 * 2**20
EPS = float(np.finfo(np.float64).eps)
REL_TOL = 1e-10  # relative accuracy asked of every squared distance
SUSPECT_SHARE = 0.25  # above this share of suspect entries, a block is computed by differences


def sq_distances(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray | None = None) -> np.ndarray:
    """Squared Euclidean distances (len(a), len(b)), accurate to a relative 1e-10 or better.

    Fast path: the BLAS expansion ‖a‖² + ‖b‖² − 2a·b, whose absolute error is at most about
    (2d + 4)·eps·(‖a‖² + ‖b‖²). Entries where twice that bound exceeds 1e-10 of the computed
    value (near-duplicates, or points far from the origin relative to their spacing: the
    expansion cancels there) are recomputed from differences ‖a − b‖², as
    scipy.spatial.distance.cdist(..., "sqeuclidean") computes them; the whole block is when more
    than a quarter of it is suspect. `b_sq` (optional) is ‖b‖² per row, precomputed by the caller.
    """
    a_sq = (a * a).sum(1)
    if b_sq is None:
        b_sq = (b * b).sum(1)
    d2 = a @ b.T
    d2 *= -2.0
    d2 += a_sq[:, None]
    d2 += b_sq[None, :]
    scale = 2.0 * (2 * a.shape[1] + 4) * EPS / REL_TOL
    # rows whose smallest entry is safely above the largest possible error need no closer look
    rows = np.flatnonzero(d2.min(axis=1) <= scale * (a_sq + b_sq.max()))
    if rows.size:
        local, cols = np.nonzero(d2[rows] <= scale * np.add.outer(a_sq[rows], b_sq))
        if local.size > SUSPECT_SHARE * d2.size:
            return cdist(a, b, "sqeuclidean")
        step = max(1, (1 << 20) // max(1, a.shape[1]))
        for lo in range(0, local.size, step):
            r, c = rows[local[lo : lo + step]], cols[lo : lo + step]
            diff = a[r] - b[c]
            d2[r, c] = (diff * diff).sum(1)
    np.maximum(d2, 0.0, out=d2)
    return d2


def row_chunks(n_rows: int, n_cols: int, chunk_bytes: int, per_cell: int = 8) -> Iterator[slice]:
    """Slices of at most as many rows as fit `chunk_bytes` for an (rows, n_cols) float64 block."""
    step = max(1, int(chunk_bytes // max(1, n_cols * per_cell)))
    for start in range(0, n_rows, step):
        yield slice(start, min(n_rows, start + step))


def log_kde_from_sq(d2: np.ndarray, bandwidths: np.ndarray, n_features: int) -> np.ndarray:
    """Log-density (len(bandwidths), rows) of an isotropic Gaussian KDE from squared distances."""
    n_train = d2.shape[1]
    out = np.empty((len(bandwidths), d2.shape[0]))
    for k, h in enumerate(bandwidths):
        log_norm = np.log(n_train) + 0.5 * n_features * np.log(2.0 * np.pi * h * h)
        out[k] = logsumexp(d2 * (-0.5 / (h * h)), axis=1) - log_norm
    return out


def log_kde(
    train: np.ndarray,
    query: np.ndarray,
    bandwidths: np.ndarray,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> np.ndarray:
    """Log-density (len(bandwidths), len(query)) of the KDE on `train`, computed in row chunks."""
    center = train.mean(axis=0)
    train_c = train - center
    train_sq = (train_c * train_c).sum(1)
    out = np.empty((len(bandwidths), len(query)))
    for sl in row_chunks(len(query), len(train), chunk_bytes):
        d2 = sq_distances(query[sl] - center, train_c, train_sq)
        out[:, sl] = log_kde_from_sq(d2, bandwidths, train.shape[1])
    return out
