"""Chunked isotropic Gaussian kernel sums: the numeric core shared by KDE scoring and CV.

log p(y) = logsumexp_i(−‖y − x_i‖² / 2h²) − log N − (d/2)·log(2πh²), evaluated in row chunks so
memory stays near `chunk_bytes` whatever the number of query points.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.special import logsumexp

DEFAULT_CHUNK_BYTES = 32 * 2**20


def sq_distances(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray | None = None) -> np.ndarray:
    """Squared Euclidean distances (len(a), len(b)) via the BLAS expansion ‖a‖² + ‖b‖² − 2a·b.

    Callers centre both sets on the training mean first, which keeps the cancellation error small.
    """
    if b_sq is None:
        b_sq = (b * b).sum(1)
    d2 = (a * a).sum(1)[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
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
