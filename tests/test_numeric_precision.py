"""Cancellation and ties: Gaussian log-densities and squared distances from differences, kNN MI
with tied codes (issue #13). Oracles: scipy.stats, scipy.spatial.distance.cdist, scikit-learn's
KernelDensity and mutual_info_score, and closed forms worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from sklearn.metrics import mutual_info_score
from sklearn.neighbors import KernelDensity

from corel_core.density import GaussianKDE
from corel_core.density._kernel import sq_distances
from corel_core.mi import decompose_kl, entropy_of_labels, knn_mi, mixture_mi
from corel_core.mi._gauss import log_components

LN2 = math.log(2.0)

# ---------------------------------------------------------------- KDE


def test_kde_far_from_origin_issue_value() -> None:
    # Two points at +-1e5, bandwidth 1e-3, query 3e-4 from one of them: exact 5.2507.
    got = GaussianKDE(bandwidth=1e-3).fit([[1e5], [-1e5]]).score_samples([[1e5 + 3e-4]])[0]
    exact = logsumexp(stats.norm.logpdf(1e5 + 3e-4, [1e5, -1e5], 1e-3)) - LN2
    assert exact == pytest.approx(5.2507, abs=1e-4)
    assert got == pytest.approx(exact, abs=1e-7)


def test_kde_matches_sklearn_when_spread_dwarfs_bandwidth() -> None:
    # Points spread over +-1e4 in 3-D, tiny bandwidth: the BLAS expansion alone cancels here.
    rng = np.random.default_rng(0)
    train = rng.uniform(-1e4, 1e4, (200, 3))
    query = train[:50] + rng.normal(0.0, 2e-3, (50, 3))
    ours = GaussianKDE(bandwidth=1e-3).fit(train).score_samples(query)
    theirs = KernelDensity(bandwidth=1e-3, algorithm="kd_tree").fit(train).score_samples(query)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("offset", "spread"), [(0.0, 1.0), (1e6, 1e-3), (1e8, 1.0)])
def test_sq_distances_match_cdist(offset: float, spread: float) -> None:
    rng = np.random.default_rng(1)
    a = offset + spread * rng.standard_normal((60, 5))
    b = offset + spread * rng.standard_normal((80, 5))
    b[:10] = a[:10]  # exact duplicates
    b[10:20] = a[10:20] + 1e-9 * spread  # near-duplicates
    ref = cdist(a, b, "sqeuclidean")
    got = sq_distances(a, b)
    assert (got >= 0).all()
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=0)


# ---------------------------------------------------------------- Gaussian mixtures


def test_log_components_match_scipy_for_narrow_far_posteriors() -> None:
    rng = np.random.default_rng(2)
    mu = rng.uniform(-1e3, 1e3, (30, 2))
    logvar = rng.uniform(-40.0, -30.0, (30, 2))
    z = mu[rng.integers(0, 30, 40)] + np.exp(0.5 * logvar[:1]) * rng.standard_normal((40, 2))
    ref = stats.norm.logpdf(z[:, None, :], mu[None], np.exp(0.5 * logvar)[None]).sum(-1)
    got = log_components(z, mu, logvar)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-6)


def test_decompose_kl_narrow_posteriors_issue_values() -> None:
    # mu = 1, 2, 3, 4, tasks 0 0 1 1, logvar -40: every posterior is a spike, so
    # I(S;Z) = ln 2 and I(X;Z|S) = ln 2 per sample exactly; KL(q(z)||p) = avg_kl - 2 ln 2 up
    # to the MC error of E[ln q(z|x) - ln p(z)] (the issue measured -17.2 for it).
    mu = np.array([[1.0], [2.0], [3.0], [4.0]])
    logvar = np.full_like(mu, -40.0)
    s = np.array([0, 0, 1, 1])
    out = decompose_kl(mu, logvar, s, n_samples=40_000, seed=0)
    avg_kl = float(np.mean(0.5 * (np.exp(logvar) + mu**2 - 1.0 - logvar)))
    assert out["avg_kl"] == pytest.approx(avg_kl, rel=1e-12)
    assert out["i_sz"] == pytest.approx(LN2, abs=1e-9)
    assert out["i_xz_s"] == pytest.approx(LN2, abs=1e-9)
    assert abs(out["kl_qz_pz"] - (avg_kl - 2 * LN2)) < 4 * out["se_kl_qz_pz"]
    assert out["se_kl_qz_pz"] < 0.02
    assert abs(out["residual"]) < 4 * out["se_residual"]
    assert mixture_mi(mu, logvar, s, n_samples=400).value == pytest.approx(LN2, abs=1e-12)


def test_mixture_translation_invariant_far_from_origin() -> None:
    # I(S;Z) does not change when every code moves by 1e4; posteriors of width 1e-3.
    rng = np.random.default_rng(3)
    s = rng.integers(0, 2, 60)
    mu = rng.normal(0.0, 2e-3, (60, 2)) + 2e-3 * s[:, None]
    logvar = np.full_like(mu, 2 * math.log(1e-3))
    near = mixture_mi(mu, logvar, s, n_samples=3000, seed=4)
    far = mixture_mi(mu + 1e4, logvar, s, n_samples=3000, seed=4)
    assert far.value == pytest.approx(near.value, abs=1e-6)


# ---------------------------------------------------------------- kNN with ties


@pytest.mark.parametrize("level", [1.0, 0.0, 1e6])
def test_knn_all_tied_codes_issue_case(level: float) -> None:
    # 50,000 identical codes, 50 positives: I(S;Z) = 0 and H(S) = 0.0079.
    s = np.zeros(50_000, dtype=int)
    s[:50] = 1
    est = knn_mi(np.full((50_000, 1), level), s)
    h = entropy_of_labels(s)
    assert h == pytest.approx(0.0079, abs=1e-4)
    assert est.value <= h
    # all tie: k_i = N_s - 1, m_i = N - 1, term = 1/(N-1) - 1/(N_s-1) (digamma recurrence)
    exact = np.mean(np.where(s == 1, 1 / 49_999 - 1 / 49, 1 / 49_999 - 1 / 49_949))
    assert est.value == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize("levels", [2, 4, 8])
def test_knn_on_discrete_codes_equals_plugin_mi(levels: int) -> None:
    # Codes on a grid: the tie-aware estimator reduces to the plug-in discrete MI.
    rng = np.random.default_rng(5)
    s = rng.integers(0, 2, 20_000)
    z = np.floor((rng.uniform(0, 1, 20_000) + 0.5 * s) * levels)
    est = knn_mi(z, s)
    assert est.value == pytest.approx(mutual_info_score(s, z.astype(int)), abs=2e-3)


def test_knn_ties_in_several_dims_with_a_continuous_part() -> None:
    # One discrete dim carrying the signal plus one continuous noise dim: I = plug-in of the
    # discrete dim (the noise dim is independent of everything).
    rng = np.random.default_rng(6)
    s = rng.integers(0, 2, 8000)
    grid = np.floor((rng.uniform(0, 1, 8000) + 0.5 * s) * 3)
    z = np.column_stack([grid, rng.standard_normal(8000)])
    truth = mutual_info_score(s, grid.astype(int))
    assert knn_mi(z, s).value == pytest.approx(truth, abs=0.03)
