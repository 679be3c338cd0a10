"""I(S;Z) estimators against closed forms (REFERENCE §3), quadrature and scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from scipy.special import logsumexp
from sklearn.feature_selection import mutual_info_classif

from corel_core.mi import (
    MIError,
    classifier_mi,
    decompose_kl,
    entropy_of_labels,
    infonce_mi,
    knn_mi,
    mixture_mi,
)

torch.set_num_threads(1)

# I(S;Z) for S ~ Bernoulli(1/2), Z|S ~ N(+-delta/2, 1): REFERENCE.md §3.
GAUSS_TRUTH = {0.5: 0.030311, 1.0: 0.111421, 2.0: 0.336831, 4.0: 0.632720, 6.0: 0.689298}


def gaussian_pair(delta: float, n: int, seed: int, extra: int = 1):
    """S ~ Bernoulli(1/2); first coordinate N(+-delta/2, 1), then `extra` independent N(0,1)."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    z = rng.standard_normal((n, 1 + extra))
    z[:, 0] += delta * (s - 0.5)
    return z, s


def uniform_pair(a: float, n: int, seed: int):
    """S ~ Bernoulli(1/2); Z|S=0 ~ U[0,1], Z|S=1 ~ U[a,1+a]: I = a ln 2."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    return rng.uniform(0.0, 1.0, n) + a * s, s


# ---------------------------------------------------------------------------- kNN (Ross 2014)


@pytest.mark.parametrize("a", [0.2, 0.5, 0.8])
def test_knn_uniform_ground_truth(a: float) -> None:
    z, s = uniform_pair(a, 4000, seed=1)
    est = knn_mi(z, s)
    assert abs(est.value - a * math.log(2)) < 0.03
    assert est.low <= est.value <= est.high


@pytest.mark.parametrize("delta", [1.0, 2.0, 4.0])
def test_knn_gaussian_ground_truth_joint_code(delta: float) -> None:
    z, s = gaussian_pair(delta, 4000, seed=2, extra=1)
    assert abs(knn_mi(z, s).value - GAUSS_TRUTH[delta]) < 0.04


def test_knn_matches_sklearn_on_one_feature() -> None:
    # For a single feature scikit-learn implements the same Ross estimator independently.
    z, s = uniform_pair(0.5, 3000, seed=3)
    ours = knn_mi(z, s, k=3).value
    theirs = mutual_info_classif(z[:, None], s, n_neighbors=3, random_state=0)[0]
    assert abs(ours - theirs) < 0.005


def test_knn_drops_small_classes_and_says_so() -> None:
    z, s = gaussian_pair(2.0, 1000, seed=4)
    s = s.copy()
    s[:2] = 7  # a class with 2 <= k points
    est = knn_mi(z, s, k=3)
    assert "2 point(s)" in est.note and "dropped" in est.note
    assert abs(est.value - GAUSS_TRUTH[2.0]) < 0.06


# ---------------------------------------------------------------------------- classifier bound


@pytest.mark.parametrize("delta", [1.0, 2.0, 4.0])
def test_classifier_logistic_is_a_tight_lower_bound(delta: float) -> None:
    z, s = gaussian_pair(delta, 4000, seed=5, extra=1)
    est = classifier_mi(z, s, model="logistic")
    truth = GAUSS_TRUTH[delta]
    assert truth - 0.05 <= est.value <= truth + 0.03
    assert est.h_s == pytest.approx(stats.entropy(np.bincount(s)))
    assert est.normalized == pytest.approx(est.value / est.h_s)


def test_classifier_mlp_is_a_lower_bound() -> None:
    z, s = gaussian_pair(2.0, 1000, seed=6, extra=1)
    est = classifier_mi(z, s, model="mlp", folds=3)
    assert GAUSS_TRUTH[2.0] - 0.12 <= est.value <= GAUSS_TRUTH[2.0] + 0.05


def test_classifier_value_is_h_minus_heldout_log_loss() -> None:
    # Independent check: H(S) - CE with CE from sklearn's own cross_val_predict and log_loss.
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    z, s = gaussian_pair(1.0, 600, seed=7)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    proba = cross_val_predict(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        z,
        s,
        cv=cv,
        method="predict_proba",
    )
    expected = stats.entropy(np.bincount(s)) - log_loss(s, proba)
    assert classifier_mi(z, s, "logistic", seed=0).value == pytest.approx(expected, abs=1e-6)
    # the default (boosting) run reports the same logistic bound as its cross-check
    assert classifier_mi(z, s, seed=0).details["logistic"] == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------------------- InfoNCE


def test_infonce_lower_bound_on_gaussians() -> None:
    z, s = gaussian_pair(2.0, 3000, seed=8)
    est = infonce_mi(z, s, seed=0)
    assert GAUSS_TRUTH[2.0] - 0.1 <= est.value <= GAUSS_TRUTH[2.0] + 0.05
    assert "ln(batch)" in est.note


def test_infonce_is_capped_at_log_batch() -> None:
    # 8 far-apart classes: I = ln 8 > ln 4, but batches of 4 cap the bound at ln 4.
    rng = np.random.default_rng(9)
    s = np.repeat(np.arange(8), 100)
    z = 20.0 * s[:, None] + rng.standard_normal((800, 2))
    est = infonce_mi(z, s, batch_size=4, steps=200, seed=0)
    assert est.value <= math.log(4) + 1e-6
    assert est.value > 0.5 * math.log(4)


# ---------------------------------------------------------------------------- shuffled labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffled_labels_give_about_zero(seed: int) -> None:
    z, s = gaussian_pair(2.0, 2000, seed=10 + seed)
    s = np.random.default_rng(seed).permutation(s)
    assert abs(knn_mi(z, s, seed=seed).value) < 0.045  # sd over 30 seeds: 0.013
    clf = classifier_mi(z, s, seed=seed).value
    assert -0.03 < clf < 0.01
    assert infonce_mi(z, s, seed=seed, steps=150).value < 0.03
    half = 1000
    logvar = np.full_like(z, -2.0)
    held = mixture_mi(
        z[:half],
        logvar[:half],
        s[:half],
        n_samples=2000,
        seed=seed,
        held_out=(z[half:], logvar[half:], s[half:]),
    )
    assert held.value < 0.03


# ---------------------------------------------------------------------------- mixture plug-in


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0, 4.0, 6.0])
def test_mixture_exact_posteriors_match_closed_form(delta: float) -> None:
    # Every posterior is N(+-delta/2, 1) (x an independent N(0,1) dim): q(z|s) is exact.
    s = np.repeat([0, 1], 50)
    mu = np.zeros((100, 2))
    mu[:, 0] = delta * (s - 0.5)
    est = mixture_mi(mu, np.zeros_like(mu), s, n_samples=8000, seed=1)
    assert abs(est.value - GAUSS_TRUTH[delta]) < 4 * est.se + 2e-3
    assert est.h_s == pytest.approx(math.log(2))


def _quad_terms(mu: np.ndarray, sd: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """Theorem-1 terms of a 1-D mixture by numerical integration (scipy.integrate.quad)."""

    def log_mix(z: float, members: np.ndarray) -> float:
        return logsumexp(stats.norm.logpdf(z, mu[members], sd[members])) - np.log(members.size)

    every = np.arange(mu.size)
    groups = [np.flatnonzero(s == k) for k in range(2)]
    lo, hi = mu.min() - 12 * sd.max(), mu.max() + 12 * sd.max()

    def integral(f) -> float:
        return integrate.quad(f, lo, hi, points=list(mu), limit=400)[0]

    def kl(members: np.ndarray, log_other) -> float:
        """KL(mixture over members || exp(log_other)) by quadrature."""
        return integral(
            lambda z: np.exp(log_mix(z, members)) * (log_mix(z, members) - log_other(z))
        )

    pi = np.bincount(s) / s.size
    i_sz = sum(pi[k] * kl(groups[k], lambda z: log_mix(z, every)) for k in range(2))
    kl_qz = kl(every, stats.norm.logpdf)
    i_xz = np.mean([kl(np.array([i]), lambda z, i=i: log_mix(z, groups[s[i]])) for i in every])
    return {"i_sz": i_sz, "kl_qz_pz": kl_qz, "i_xz_s": i_xz}


def test_mixture_and_decomposition_match_quadrature() -> None:
    rng = np.random.default_rng(11)
    n = 12
    mu = rng.normal(0, 1.5, n)
    sd = np.exp(rng.uniform(-1.0, 0.0, n))
    s = np.array([0] * 8 + [1] * 4)
    truth = _quad_terms(mu, sd, s)
    logvar = 2 * np.log(sd)
    closed_kl = np.mean(0.5 * (sd**2 + mu**2 - 1 - logvar))
    assert sum(truth.values()) == pytest.approx(closed_kl, abs=1e-5)  # Theorem 1 by quadrature
    est = mixture_mi(mu[:, None], logvar[:, None], s, n_samples=20000, seed=0)
    assert abs(est.value - truth["i_sz"]) < 4 * est.se + 2e-3
    dec = decompose_kl(mu[:, None], logvar[:, None], s, n_samples=20000, seed=0)
    for name, value in truth.items():
        assert abs(dec[name] - value) < 4 * dec[f"se_{name}"] + 2e-3, name


def test_mixture_training_estimate_saturates_but_held_out_does_not() -> None:
    # Narrow posteriors with random labels: the training plug-in goes to H(S), held-out to ~0.
    rng = np.random.default_rng(12)
    mu = rng.standard_normal((600, 2))
    logvar = np.full_like(mu, -14.0)
    s = rng.integers(0, 2, 600)
    train = mixture_mi(mu[:300], logvar[:300], s[:300], n_samples=2000)
    assert train.value > 0.9 * train.h_s
    held = mixture_mi(
        mu[:300], logvar[:300], s[:300], n_samples=2000, held_out=(mu[300:], logvar[300:], s[300:])
    )
    assert held.value < 0.02
    assert held.method == "mixture_held_out"


def test_mixture_held_out_recovers_signal() -> None:
    # Posterior means are draws from N(+-1, 1), variance 0.01: Z|S ~ N(+-1, 1.01).
    z, s = gaussian_pair(2.0, 4000, seed=13, extra=0)
    logvar = np.full_like(z, math.log(0.01))
    held = mixture_mi(
        z[:2000],
        logvar[:2000],
        s[:2000],
        n_samples=4000,
        held_out=(z[2000:], logvar[2000:], s[2000:]),
    )
    assert GAUSS_TRUTH[2.0] - 0.06 <= held.value <= GAUSS_TRUTH[2.0] + 0.03


def test_mixture_handles_ten_thousand_points() -> None:
    rng = np.random.default_rng(14)
    mu = rng.standard_normal((10_000, 4))
    est = mixture_mi(mu, np.full_like(mu, -1.0), rng.integers(0, 3, 10_000), n_samples=300)
    assert np.isfinite(est.value) and 0.0 <= est.value < 0.05


# ---------------------------------------------------------------------------- Theorem 1


def test_decompose_identity_on_random_posteriors() -> None:
    rng = np.random.default_rng(15)
    n, d = 300, 3
    s = (rng.uniform(size=n) < 0.2).astype(int)
    mu = rng.normal(0, 1.5, (n, d)) + 2.0 * s[:, None]
    logvar = rng.uniform(-3, 0.5, (n, d))
    out = decompose_kl(mu, logvar, s, n_samples=6000, seed=3)
    expected_avg = np.mean(0.5 * (np.exp(logvar) + mu**2 - 1 - logvar).sum(axis=1))
    assert out["avg_kl"] == pytest.approx(expected_avg)
    assert abs(out["residual"]) < 4 * out["se_residual"]
    assert out["i_sz"] <= out["h_s"] + 4 * out["se_i_sz"]
    mi = mixture_mi(mu, logvar, s, n_samples=6000, seed=4)
    assert abs(out["i_sz"] - mi.value) < 4 * math.hypot(out["se_i_sz"], mi.se)


def test_decompose_identical_posteriors_known_terms() -> None:
    m = np.array([1.0, -2.0, 0.5])
    mu = np.tile(m, (40, 1))
    s = np.repeat([0, 1], 20)
    out = decompose_kl(mu, np.zeros_like(mu), s, n_samples=4000, seed=0)
    assert abs(out["i_sz"]) < 1e-9
    assert abs(out["i_xz_s"]) < 1e-9
    assert out["avg_kl"] == pytest.approx(m @ m / 2)
    assert abs(out["kl_qz_pz"] - m @ m / 2) < 4 * out["se_kl_qz_pz"]


# ---------------------------------------------------------------------------- validation


def test_entropy_of_labels_matches_scipy() -> None:
    s = np.array([0, 0, 1, 2, 2, 2, 5])
    assert entropy_of_labels(s) == pytest.approx(stats.entropy(np.bincount(s)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: knn_mi(np.zeros((10, 2)), np.zeros(9)), "must match"),
        (lambda: knn_mi(np.random.rand(10, 2), np.zeros(10)), "only one class"),
        (lambda: knn_mi(np.full((10, 2), np.nan), np.arange(10) % 2), "NaN"),
        (lambda: classifier_mi(np.full((10, 2), np.inf), np.arange(10) % 2), "infinity"),
        (lambda: classifier_mi(np.random.rand(12, 2), [0] * 10 + [1] * 2), "at least 5"),
        (lambda: classifier_mi(np.random.rand(12, 2), np.arange(12) % 2, model="svm"), "logistic"),
        (lambda: knn_mi(np.random.rand(12, 2), [0] * 10 + [1] * 2, k=3), "Fewer than two"),
        (lambda: infonce_mi(np.random.rand(12, 2), [0] * 11 + [1]), "at least 2"),
        (lambda: mixture_mi(np.zeros((10, 2)), np.zeros((10, 3)), np.arange(10) % 2), "shape"),
        (
            lambda: mixture_mi(
                np.zeros((10, 2)),
                np.zeros((10, 2)),
                np.arange(10) % 2,
                held_out=(np.zeros((4, 2)), np.zeros((4, 2)), np.array([0, 1, 2, 2])),
            ),
            "do not occur",
        ),
        (lambda: decompose_kl(np.zeros((10, 2)), np.zeros((10, 2)), np.zeros((10, 2))), "1-D"),
    ],
)
def test_validation_errors(call, match: str) -> None:
    with pytest.raises(MIError, match=match):
        call()


def test_mi_error_is_a_value_error() -> None:
    assert issubclass(MIError, ValueError)
