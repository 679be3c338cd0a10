"""The COREL one-class score: per-branch l1 (or l2) ball counts around the training latents.

s(y) = Σ_branches Σ_i 1[‖y^(k) − x_i^(k)‖ ≤ η] (Hofer et al. 2019, official evaluation code):
inclusive ≤, integer counts, branches are contiguous blocks of width D / branches.
"""

from __future__ import annotations

import numba
import numpy as np

from ._checks import DensityError, as_points, check_branches, check_metric, check_positive


@numba.njit(cache=True, nogil=True)
def _count_l1(test: np.ndarray, train: np.ndarray, eta: float, width: int) -> np.ndarray:
    n_test, dim = test.shape
    n_train = train.shape[0]
    out = np.zeros(n_test, dtype=np.int64)
    for i in range(n_test):
        c = 0
        for j in range(n_train):
            for start in range(0, dim, width):
                s = 0.0
                for k in range(start, start + width):
                    s += abs(test[i, k] - train[j, k])
                if s <= eta:
                    c += 1
        out[i] = c
    return out


@numba.njit(cache=True, nogil=True)
def _count_l2(test: np.ndarray, train: np.ndarray, eta: float, width: int) -> np.ndarray:
    n_test, dim = test.shape
    n_train = train.shape[0]
    out = np.zeros(n_test, dtype=np.int64)
    for i in range(n_test):
        c = 0
        for j in range(n_train):
            for start in range(0, dim, width):
                s = 0.0
                for k in range(start, start + width):
                    t = test[i, k] - train[j, k]
                    s += t * t
                if np.sqrt(s) <= eta:
                    c += 1
        out[i] = c
    return out


def ball_count_score(
    train_latents: object,
    test_latents: object,
    eta: float = 2.0,
    branches: int = 1,
    metric: str = "l1",
) -> np.ndarray:
    """Integer score per test latent: how many (branch, training point) balls of radius η hold it.

    Distances are taken per branch (contiguous blocks of D / branches dims) in float64; the
    comparison is inclusive (‖·‖ ≤ η) as in the official code. Returns int64 (n_test,).
    """
    train = as_points(train_latents, "train_latents")
    test = as_points(test_latents, "test_latents")
    if train.shape[1] != test.shape[1]:
        raise DensityError(
            f"train_latents have {train.shape[1]} dims but test_latents have {test.shape[1]}."
        )
    eta = check_positive(eta, "eta")
    width = check_branches(train.shape[1], branches)
    kernel = _count_l1 if check_metric(metric) == "l1" else _count_l2
    return kernel(np.ascontiguousarray(test), np.ascontiguousarray(train), eta, width)
