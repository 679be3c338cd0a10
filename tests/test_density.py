"""Bandwidth rules, the Gaussian KDE, ball-count scores and NN distances against scipy/sklearn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import gaussian_kde
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity

from corel_core.density import (
    DensityError,
    GaussianKDE,
    ball_count_score,
    bandwidth_table,
    cv_bandwidth,
    eta_bandwidth,
    isotropic_bandwidth,
    kde_covariance,
    kde_score,
    log_density_grid,
    nearest_neighbor_distances,
    scott_bandwidth,
    silverman_bandwidth,
)


def _sample(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


# ---------------------------------------------------------------- bandwidth rules


@pytest.mark.parametrize("rule", ["scott", "silverman"])
@pytest.mark.parametrize("d", [1, 2, 5])
def test_kde_covariance_matches_scipy(rule: str, d: int) -> None:
    x = _sample(137, d, seed=d)
    expected = np.atleast_2d(gaussian_kde(x.T, bw_method=rule).covariance)
    np.testing.assert_allclose(kde_covariance(x, rule), expected, rtol=1e-10, atol=0)


@pytest.mark.parametrize("rule", ["scott", "silverman"])
def test_isotropic_bandwidth_is_root_mean_scipy_variance(rule: str) -> None:
    x = _sample(200, 4, seed=3)
    cov = gaussian_kde(x.T, bw_method=rule).covariance
    assert isotropic_bandwidth(x, rule) == pytest.approx(math.sqrt(np.trace(cov) / 4), rel=1e-10)
    x1 = x[:, :1]
    cov1 = float(np.squeeze(gaussian_kde(x1.T, bw_method=rule).covariance))
    assert isotropic_bandwidth(x1, rule) == pytest.approx(math.sqrt(cov1), rel=1e-10)
    fn = scott_bandwidth if rule == "scott" else silverman_bandwidth
    assert fn(x) == isotropic_bandwidth(x, rule)


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("d", [1, 2, 10, 160])
def test_eta_bandwidth_monte_carlo(metric: str, d: int) -> None:
    eta = 2.0
    sigma = eta_bandwidth(eta, d, metric)
    e = sigma * np.random.default_rng(d).normal(size=(20000, d))
    norms = np.abs(e).sum(1) if metric == "l1" else np.linalg.norm(e, axis=1)
    assert norms.mean() == pytest.approx(eta / 2, rel=0.01)


def test_eta_bandwidth_closed_forms() -> None:
    # in 1-D both norms are |e|, E|e| = σ·sqrt(2/π); in 2-D the Rayleigh mean is σ·sqrt(π/2)
    assert eta_bandwidth(2.0, 1, "l2") == pytest.approx(eta_bandwidth(2.0, 1, "l1"), rel=1e-12)
    assert eta_bandwidth(2.0, 2, "l2") == pytest.approx(1.0 / math.sqrt(math.pi / 2), rel=1e-12)
    with pytest.raises(DensityError):
        eta_bandwidth(2.0, 3, "cosine")
    with pytest.raises(DensityError):
        eta_bandwidth(-1.0, 3)


def test_cv_bandwidth_matches_gridsearch_and_peaks() -> None:
    x = np.random.default_rng(1).normal(size=(400, 2))
    # sklearn's tree-based KernelDensity loses accuracy for far points at tiny bandwidths
    # (tens of nats at h = 0.05 here), so the grid starts where it is exact
    grid = np.geomspace(0.15, 2.0, 15)
    res = cv_bandwidth(x, grid=grid, folds=5, seed=0)
    search = GridSearchCV(
        KernelDensity(kernel="gaussian"),
        {"bandwidth": grid},
        cv=KFold(n_splits=5, shuffle=True, random_state=0),
    ).fit(x)
    assert res.bandwidth == pytest.approx(search.best_params_["bandwidth"], rel=1e-12)
    # sklearn's fold score is the fold's total log-likelihood; folds hold 80 points each
    np.testing.assert_allclose(
        res.mean_loglik, search.cv_results_["mean_test_score"] / 80, rtol=1e-6
    )
    k = int(np.argmax(res.mean_loglik))
    assert 0 < k < len(grid) - 1
    assert res.mean_loglik[k] > res.mean_loglik[0] + 0.1
    assert res.mean_loglik[k] > res.mean_loglik[-1] + 0.1
    # the Gaussian-reference (Silverman) optimum is the right order of magnitude
    assert 0.5 < res.bandwidth / silverman_bandwidth(x) < 2.0


def test_cv_bandwidth_default_grid_and_subsample() -> None:
    x = np.random.default_rng(2).normal(size=(300, 3))
    res = cv_bandwidth(x, max_points=200)
    assert res.n_used == 200
    assert res.grid[0] < res.bandwidth < res.grid[-1]
    assert np.all(np.diff(res.grid) > 0)


def test_bandwidth_table_rows_and_per_class_scales() -> None:
    rng = np.random.default_rng(0)
    sds = (1.0, 3.0, 0.5)
    means = ((-4, -4), (-3, -3), (0, -0.5))
    x = np.concatenate([rng.normal(m, s, size=(500, 2)) for m, s in zip(means, sds, strict=True)])
    labels = np.repeat([0, 1, 2], 500)
    rows = bandwidth_table(x, labels, eta=2.0)
    by = {(r["rule"], r["scope"]): r["bandwidth"] for r in rows}
    skl = KernelDensity(bandwidth="scott").fit(x).bandwidth_
    assert by[("sklearn 'scott'", "all")] == pytest.approx(skl, rel=1e-12)
    assert by[("eta", "all")] == pytest.approx(eta_bandwidth(2.0, 2, "l1"))
    assert ("cv", "all") in by
    for c, s in enumerate(sds):
        cov = gaussian_kde(x[labels == c].T, bw_method="scott").covariance
        assert by[("scott", f"class {c}")] == pytest.approx(math.sqrt(np.trace(cov) / 2), rel=1e-10)
        # the per-class bandwidth tracks each cluster's spread: scott factor × sd
        assert by[("scott", f"class {c}")] == pytest.approx(500 ** (-1 / 6) * s, rel=0.15)


# ---------------------------------------------------------------- Gaussian KDE


def test_kde_matches_sklearn_kerneldensity() -> None:
    x = _sample(300, 3, seed=4)
    y = _sample(50, 3, seed=5)
    sigma = 0.7
    ours = GaussianKDE(bandwidth=sigma).fit(x).score_samples(y)
    ref = KernelDensity(bandwidth=sigma, kernel="gaussian").fit(x).score_samples(y)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)
    tiny = GaussianKDE(bandwidth=sigma, chunk_bytes=1).fit(x).score_samples(y)
    np.testing.assert_allclose(tiny, ours, rtol=1e-12)


def test_kde_matches_scipy_on_whitened_data() -> None:
    x = _sample(250, 3, seed=6)
    chol = np.linalg.cholesky(np.cov(x, rowvar=False))
    w = np.linalg.solve(chol, (x - x.mean(0)).T).T  # sample covariance exactly I
    sigma = 0.4
    scipy_kde = gaussian_kde(w.T, bw_method=sigma)  # covariance = σ² · cov(w) = σ² I
    np.testing.assert_allclose(scipy_kde.covariance, sigma**2 * np.eye(3), atol=1e-12)
    q = np.random.default_rng(7).normal(size=(40, 3)) * 2
    ours = GaussianKDE(bandwidth=sigma).fit(w).score_samples(q)
    np.testing.assert_allclose(ours, scipy_kde.logpdf(q.T), rtol=1e-8)


def test_kde_rules_and_fitted_attributes() -> None:
    x = _sample(120, 4, seed=8)
    kde = GaussianKDE(bandwidth="silverman").fit(x)
    assert kde.bandwidth_ == pytest.approx(silverman_bandwidth(x))
    assert (kde.n_samples_fit_, kde.n_features_) == (120, 4)
    eta = GaussianKDE(bandwidth="eta", eta=3.0, metric="l2").fit(x)
    assert eta.bandwidth_ == pytest.approx(eta_bandwidth(3.0, 4, "l2"))
    cv = GaussianKDE(bandwidth="cv").fit(x)
    assert cv.bandwidth_ == cv.cv_result_.bandwidth
    ks = kde_score(x, x[:5], "scott")
    np.testing.assert_allclose(ks, GaussianKDE().fit(x).score_samples(x[:5]))
    assert "silverman" in repr(kde)
    with pytest.raises(DensityError, match="not fitted"):
        GaussianKDE().score_samples(x)
    with pytest.raises(DensityError, match="features"):
        kde.score_samples(x[:, :2])
    with pytest.raises(DensityError, match="bandwidth"):
        GaussianKDE(bandwidth="magic").fit(x)
    with pytest.raises(DensityError, match="NaN"):
        GaussianKDE().fit(np.where(np.eye(4, dtype=bool)[:1], np.nan, x[:1]).repeat(3, 0))


def test_log_density_grid_orientation_and_mass() -> None:
    x = np.random.default_rng(9).normal(size=(200, 2)) * (1.0, 0.5)
    kde = GaussianKDE(bandwidth=0.3).fit(x)
    xs, ys, logp = log_density_grid(kde, (-7, 7), (-5, 5), n=181)
    assert logp.shape == (181, 181)
    i, j = 30, 120
    assert logp[j, i] == pytest.approx(kde.score_samples([[xs[i], ys[j]]])[0], rel=1e-12)
    mass = np.trapezoid(np.trapezoid(np.exp(logp), xs, axis=1), ys)
    assert mass == pytest.approx(1.0, abs=2e-3)
    with pytest.raises(DensityError, match="2-D"):
        log_density_grid(GaussianKDE(bandwidth=1.0).fit(x[:, :1]), (0, 1), (0, 1))


# ---------------------------------------------------------------- ball counts


def _brute_count(train, test, eta, branches, metric="l1"):
    w = train.shape[1] // branches
    out = np.zeros(len(test), dtype=np.int64)
    for i in range(len(test)):
        for j in range(len(train)):
            for k in range(branches):
                diff = test[i, k * w : (k + 1) * w] - train[j, k * w : (k + 1) * w]
                dist = np.abs(diff).sum() if metric == "l1" else np.sqrt((diff**2).sum())
                out[i] += dist <= eta
    return out


@pytest.mark.parametrize("branches", [1, 2, 3])
def test_ball_count_matches_brute_force_with_exact_boundaries(branches: int) -> None:
    rng = np.random.default_rng(branches)
    train = rng.integers(-1, 2, size=(40, 6)).astype(np.float32)
    test = rng.integers(-1, 2, size=(30, 6)).astype(np.float32)
    w = 6 // branches
    on_boundary = 0
    for k in range(branches):
        blk = np.abs(test[:, None, k * w : (k + 1) * w] - train[None, :, k * w : (k + 1) * w])
        on_boundary += int((blk.sum(-1) == 2.0).sum())
    assert on_boundary > 0  # the test really exercises ‖·‖₁ = η
    got = ball_count_score(train, test, eta=2.0, branches=branches)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, _brute_count(train, test, 2.0, branches))


def test_ball_count_inclusive_boundary_and_l2() -> None:
    train = np.zeros((1, 4))
    test = np.array([[1.0, 1.0, 0, 0], [2.0, 0, 0, 0], [1.0, 1.0, 1e-9, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(ball_count_score(train, test, eta=2.0), [1, 1, 0, 1])
    rng = np.random.default_rng(0)
    tr, te = rng.normal(size=(25, 8)), rng.normal(size=(20, 8))
    for b in (1, 2, 4):
        np.testing.assert_array_equal(
            ball_count_score(tr, te, eta=2.5, branches=b, metric="l2"),
            _brute_count(tr, te, 2.5, b, "l2"),
        )
    np.testing.assert_array_equal(
        ball_count_score(np.zeros((1, 2)), np.array([[0.0, 2.0]]), metric="l2"), [1]
    )


def test_ball_count_branches_sum_and_errors() -> None:
    rng = np.random.default_rng(1)
    tr, te = rng.normal(size=(50, 12)) * 0.5, rng.normal(size=(40, 12)) * 0.5
    total = ball_count_score(tr, te, eta=2.0, branches=4)
    parts = sum(ball_count_score(tr[:, s : s + 3], te[:, s : s + 3], 2.0) for s in range(0, 12, 3))
    np.testing.assert_array_equal(total, parts)
    assert total.max() > 0
    with pytest.raises(DensityError, match="divide"):
        ball_count_score(tr, te, branches=5)
    with pytest.raises(DensityError, match="dims"):
        ball_count_score(tr, te[:, :6])
    bad = te.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DensityError, match="1 NaN"):
        ball_count_score(tr, bad)


# ---------------------------------------------------------------- densification


def test_nearest_neighbor_distances_shrink_and_match_cdist() -> None:
    x = np.random.default_rng(0).uniform(size=(800, 5))
    out = nearest_neighbor_distances(x, metric="l1", sizes=(50, 200, 800, 5000))
    assert sorted(out) == [50, 200, 800]
    medians = [np.median(out[s]) for s in (50, 200, 800)]
    assert medians[0] > medians[1] > medians[2]
    d = cdist(x, x, "cityblock")
    np.fill_diagonal(d, np.inf)
    np.testing.assert_allclose(np.sort(out[800]), np.sort(d.min(1)), rtol=1e-12)
    l2 = nearest_neighbor_distances(x, metric="l2", sizes=(800,))
    d2 = cdist(x, x)
    np.fill_diagonal(d2, np.inf)
    np.testing.assert_allclose(np.sort(l2[800]), np.sort(d2.min(1)), rtol=1e-12)
    with pytest.raises(DensityError, match="exceed"):
        nearest_neighbor_distances(x, sizes=(10000,))


def test_eta_rule_uses_one_branch_width() -> None:
    from corel_core.density import bandwidth_table, eta_bandwidth

    x = np.random.default_rng(0).normal(size=(50, 160))
    rows = bandwidth_table(x, eta=2.0, cv=False, branches=16)
    eta_row = next(r for r in rows if r["rule"] == "eta")
    assert eta_row["bandwidth"] == pytest.approx(eta_bandwidth(2.0, 10, "l1"))
    assert eta_row["bandwidth"] == pytest.approx(2.0 / (2 * 10 * np.sqrt(2 / np.pi)))
