"""Ross (2014) k-nearest-neighbour estimator of I(S;Z) for discrete S and continuous Z.

Ross, "Mutual information between discrete and continuous data sets", PLoS ONE 9(2), 2014. Unlike
scikit-learn's mutual_info_classif (one feature at a time, clipped at 0) this uses the joint code
with the max-norm. Tied codes are handled as in Gao, Kannan, Oh & Viswanath, "Estimating mutual
information for discrete-continuous mixtures" (NeurIPS 2017): k is replaced by the number of
same-class points within the k-th neighbour distance, so no random jitter is needed.

What it is, honestly: an estimate, not a bound. It converges to I(S;Z) as N grows with the
dimension fixed, but at finite N it is biased, and in several dimensions with few points the bias
is downward and large (the neighbourhoods are not small enough for the densities to be constant):
measured with S ~ Bernoulli(1/2), Z|S ~ N(+-1, 1) in the first of 16 dims, 1,500 points, k = 3,
it gives about 0.22 where the truth is 0.337 (see tests/test_mi_samples.py).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import KDTree

from corel_core.mi.base import (
    MIError,
    MIEstimate,
    check_codes,
    check_groups,
    check_labels,
    entropy_of_labels,
    make_estimate,
    means_prefix,
    quantity_of,
)


def _unique_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows, the row each input maps to, and how often each occurs."""
    uniq, inv, counts = np.unique(x, axis=0, return_inverse=True, return_counts=True)
    return uniq, inv.reshape(-1), counts


def _count_within(
    tree: KDTree, weights: np.ndarray, queries: np.ndarray, radii: np.ndarray
) -> np.ndarray:
    """Total weight of tree points at max-norm distance <= radius (inclusive) of each query."""
    if (weights == 1).all():
        return tree.query_radius(queries, radii, count_only=True).astype(np.float64)
    found = tree.query_radius(queries, radii)
    return np.array([weights[i].sum() for i in found], dtype=np.float64)


def _class_radius(uniq: np.ndarray, counts: np.ndarray, k: int) -> tuple[KDTree, np.ndarray]:
    """Distance from each distinct row to its k-th same-class neighbour (duplicates included)."""
    tree = KDTree(uniq, metric="chebyshev")
    kk = min(k + 1, uniq.shape[0])
    dist, idx = tree.query(uniq, k=kk)  # the row itself comes first, at distance 0
    cum = np.cumsum(counts[idx], axis=1) - 1  # points within each distance, self excluded
    first = np.argmax(cum >= k, axis=1)  # exists: kk distinct rows hold >= k + 1 points
    return tree, dist[np.arange(uniq.shape[0]), first]


def _ross_terms(x: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Per-point terms psi(N) - psi(N_s) + psi(k_i) - psi(m_i) (max-norm, ties allowed)."""
    n = x.shape[0]
    terms = np.empty(n)
    g_uniq, _, g_counts = _unique_rows(x)
    g_tree = KDTree(g_uniq, metric="chebyshev")
    for label in np.unique(codes):
        where = np.flatnonzero(codes == label)
        uniq, inv, counts = _unique_rows(x[where])
        tree, radius = _class_radius(uniq, counts, k)
        k_i = _count_within(tree, counts, uniq, radius) - 1
        m_i = _count_within(g_tree, g_counts, uniq, radius) - 1
        row_terms = digamma(n) - digamma(where.size) + digamma(k_i) - digamma(m_i)
        terms[where] = row_terms[inv]
    return terms


def _prepare(x: np.ndarray, standardize: bool) -> np.ndarray:
    x = x - x.mean(axis=0)
    if standardize:
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        x = x / scale
    return x + 0.0  # -0.0 -> 0.0 so equal codes are equal rows


def knn_mi(
    z: np.ndarray,
    s: np.ndarray,
    k: int = 3,
    *,
    standardize: bool = True,
    seed: int = 0,
    groups: np.ndarray | None = None,
    codes: str = "samples",
) -> MIEstimate:
    """I = psi(N) - <psi(N_s)> + <psi(k_i)> - <psi(m_i)> with max-norm distances on the whole code.

    For each point, d is the distance to its k-th neighbour within its own class, k_i the number
    of same-class points within d and m_i the number of points of any class within d (inclusive,
    itself excluded); without ties k_i = k and this is Ross (2014), eq. 2. Classes with <= k points
    are dropped, as scikit-learn does. Columns are centred and (``standardize``) scaled to unit
    variance; constant columns are left at 0.

    Args:
        z: (N, d) codes; sample them with `sample_posterior` to estimate I(S;Z).
        s: (N,) labels.
        k: neighbours (>= 1).
        standardize: scale columns to unit variance first.
        seed: unused (the estimate is deterministic); kept so every estimator takes a seed.
        groups: (N,) the point each code was drawn from, for several draws per point
            (`PosteriorDraws.groups`); every point needs the same number of draws. The estimate
            is then the mean of the estimates on each set of one draw per point (draws of the
            same point must not be each other's neighbours) and ``se`` the mean of their ``se``.
        codes: "samples" (default) or "means"; with "means" the result is labelled I(S;mu).

    Returns:
        `MIEstimate` in nats. Clipped at H(S) (the unclipped value is in ``details``); not
        clipped at 0, so it can dip slightly below 0 when S and Z are independent. The interval
        is value -/+ 1.96 standard errors of the per-point terms (they are not independent, so
        it is a rough guide). Not a bound: see the module docstring for its finite-N bias.

    Raises:
        MIError: bad shapes or values, k < 1, fewer than two classes with more than k points.
    """
    if int(k) != k or k < 1:
        raise MIError("k must be a positive number of neighbours.")
    k = int(k)
    quantity = quantity_of(codes)
    x = check_codes(z)
    labels, counts = check_labels(s, x.shape[0])
    gid = check_groups(groups, labels)
    keep = counts[labels] > k
    dropped = int((~keep).sum())
    if np.unique(labels[keep]).size < 2:
        raise MIError(
            f"Fewer than two classes have more than k={k} points, so the kNN estimator "
            "cannot compare classes; lower k or add data."
        )
    x, labels = _prepare(x[keep], standardize), labels[keep]
    h_s = entropy_of_labels(labels)
    if gid is None:
        terms = _ross_terms(x, labels, k)
        raw, se, n_sets = float(terms.mean()), None, 1
    else:
        gid = gid[keep]
        sizes = np.bincount(gid)
        sizes = sizes[sizes > 0]
        if sizes.min() != sizes.max():
            raise MIError("knn_mi with groups needs the same number of draws for every point.")
        rank = np.empty(gid.size, dtype=np.int64)  # which draw of its point each row is
        order = np.argsort(gid, kind="stable")
        rank[order] = np.arange(gid.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        n_sets = int(sizes[0])
        per_set = [_ross_terms(x[rank == r], labels[rank == r], k) for r in range(n_sets)]
        terms = per_set[0]
        raw = float(np.mean([t.mean() for t in per_set]))
        se = float(np.mean([t.std(ddof=1) / np.sqrt(t.size) for t in per_set]))
    value = min(raw, h_s)
    note = (
        means_prefix(codes)
        + f"Ross kNN estimate (k={k}, max-norm on the joint code"
        + (f", mean over {n_sets} sets of one draw per point" if n_sets > 1 else "")
        + "): an estimate, not a bound; consistent only as N grows, biased low in several "
        "dimensions with few points, and may dip slightly below 0 when S and Z are independent"
        + (f"; clipped from {raw:.4f} to H(S) = {h_s:.4f}" if raw > h_s else "")
        + (f"; {dropped} point(s) of classes with <= k samples were dropped." if dropped else ".")
    )
    return make_estimate(
        terms,
        h_s,
        "knn" if codes == "samples" else "knn_means",
        note,
        value=value,
        se=se,
        quantity=quantity,
        details={"unclipped": raw},
    )
