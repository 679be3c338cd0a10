"""Ross (2014) k-nearest-neighbour estimator of I(S;Z) for discrete S and continuous Z.

Ross, "Mutual information between discrete and continuous data sets", PLoS ONE 9(2), 2014. Unlike
scikit-learn's mutual_info_classif (one feature at a time, clipped at 0) this uses the joint code
with the max-norm and reports the raw, possibly slightly negative, value.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import KDTree

from corel_core.mi.base import (
    MIError,
    MIEstimate,
    check_codes,
    check_labels,
    entropy_of_labels,
    make_estimate,
)


def knn_mi(
    z: np.ndarray, s: np.ndarray, k: int = 3, *, standardize: bool = True, seed: int = 0
) -> MIEstimate:
    """I = psi(N) - <psi(N_s)> + psi(k) - <psi(m)> with Chebyshev distances on the whole code.

    For each point, d is the distance to its k-th neighbour within its own class and m counts the
    points of all classes closer than d (itself included). Classes with <= k points are dropped,
    as scikit-learn does. Columns are scaled to unit variance and jittered by 1e-10 to break ties.
    The interval is value -/+ 1.96 standard errors of the per-sample terms (they are not
    independent, so it is a rough guide).
    """
    if k < 1:
        raise MIError("k must be a positive number of neighbours.")
    x = check_codes(z)
    codes, counts = check_labels(s, x.shape[0])
    keep = counts[codes] > k
    dropped = int((~keep).sum())
    if np.unique(codes[keep]).size < 2:
        raise MIError(
            f"Fewer than two classes have more than k={k} points, so the kNN estimator "
            "cannot compare classes; lower k or add data."
        )
    x, codes = x[keep], codes[keep]
    if standardize:
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        x = x / scale
    rng = np.random.default_rng(seed)
    x = x + 1e-10 * np.maximum(1.0, np.abs(x).mean(axis=0)) * rng.standard_normal(x.shape)

    n = x.shape[0]
    radius = np.empty(n)
    n_class = np.empty(n)
    for label in np.unique(codes):
        mask = codes == label
        dist, _ = KDTree(x[mask], metric="chebyshev").query(x[mask], k=k + 1)
        radius[mask] = np.nextafter(dist[:, -1], 0)  # strictly closer than the k-th neighbour
        n_class[mask] = mask.sum()
    m = KDTree(x, metric="chebyshev").query_radius(x, radius, count_only=True)
    terms = digamma(n) - digamma(n_class) + digamma(k) - digamma(m.astype(np.float64))
    h_s = entropy_of_labels(codes)
    note = (
        f"Ross kNN estimate (k={k}, max-norm on the joint code): consistent but not a bound, "
        "and may dip slightly below 0 when S and Z are independent"
        + (f"; {dropped} point(s) of classes with <= k samples were dropped." if dropped else ".")
    )
    return make_estimate(terms, h_s, "knn", note)
