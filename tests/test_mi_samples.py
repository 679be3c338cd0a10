"""I(S;Z) on sampled codes, the held-out mixture bound with held-out task proportions, the
non-linear classifier bound, and defined values on degenerate input.

Oracles: closed forms (REFERENCE.md §3) and numerical integration with scipy.integrate.quad.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from scipy.special import logsumexp

from corel_core.mi import (
    MIError,
    classifier_mi,
    entropy_of_labels,
    infonce_mi,
    knn_mi,
    mixture_mi,
    sample_posterior,
)

torch.set_num_threads(1)

GAUSS_TRUTH = {2.0: 0.336831, 4.0: 0.632720}  # S ~ Bernoulli(1/2), Z|S ~ N(+-delta/2, 1)


def ba_quad(pi_eval, pi_clf, means, sds) -> float:
    """H(S) + sum_k pi_k E[ln q(k|z) | S=k] by quadrature, q the Bayes classifier for pi_clf.

    With pi_clf = pi_eval this is the true I(S;Z) of the 1-D Gaussian mixture.
    """
    pi_eval, pi_clf = np.asarray(pi_eval, float), np.asarray(pi_clf, float)
    means, sds = np.asarray(means, float), np.asarray(sds, float)
    present = pi_eval > 0
    total = float(-(pi_eval[present] * np.log(pi_eval[present])).sum())
    with np.errstate(divide="ignore"):
        log_clf = np.log(pi_clf)
    for k in np.flatnonzero(present):

        def f(z: float, k: int = k) -> float:
            joint = log_clf + stats.norm.logpdf(z, means, sds)
            return stats.norm.pdf(z, means[k], sds[k]) * (joint[k] - logsumexp(joint))

        lo, hi = means[k] - 12 * sds[k], means[k] + 12 * sds[k]
        total += pi_eval[k] * integrate.quad(f, lo, hi, limit=200)[0]
    return total


def exact_posteriors(counts: list[int], means: list[float]):
    """Posteriors N(mean_k, 1) for counts[k] points of task k: q(z|S=k) is exactly N(mean_k, 1)."""
    s = np.repeat(np.arange(len(counts)), counts)
    mu = np.asarray(means, float)[s][:, None]
    return mu, np.zeros_like(mu), s


# ---------------------------------------------------------------- held-out mixture proportions


def test_held_out_mixture_uses_held_out_proportions() -> None:
    # Training 300 : 10, held-out 200 : 100 (2/3 : 1/3); tasks N(-1, 1) and N(+1, 1).
    train = exact_posteriors([300, 10], [-1.0, 1.0])
    held = exact_posteriors([200, 100], [-1.0, 1.0])
    truth = ba_quad([2 / 3, 1 / 3], [2 / 3, 1 / 3], [-1, 1], [1, 1])
    with_train_prior = ba_quad([2 / 3, 1 / 3], [300 / 310, 10 / 310], [-1, 1], [1, 1])
    assert truth == pytest.approx(0.3058, abs=1e-3)
    assert with_train_prior < 0.0  # what the training-proportion classifier would report
    est = mixture_mi(*train, n_samples=20000, seed=0, held_out=held)
    assert abs(est.value - truth) < 4 * est.se + 2e-3
    assert est.h_s == pytest.approx(stats.entropy([2, 1]))
    assert est.value <= est.h_s


def test_held_out_mixture_three_tasks_one_absent() -> None:
    # Three training tasks, the held-out set holds only two of them (3 : 1) with unit widths.
    train = exact_posteriors([50, 400, 30], [-2.0, 0.0, 1.5])
    held = exact_posteriors([90, 0, 30], [-2.0, 0.0, 1.5])
    truth = ba_quad([0.75, 0.0, 0.25], [0.75, 0.0, 0.25], [-2, 0, 1.5], [1, 1, 1])
    est = mixture_mi(*train, n_samples=20000, seed=1, held_out=held)
    assert abs(est.value - truth) < 4 * est.se + 2e-3


def test_held_out_mixture_wide_posteriors_against_quadrature() -> None:
    # Posteriors N(+-1, 0.5^2) around means that are themselves spread: q(z|S=k) is the
    # finite mixture; train on 40 : 8 points, score held-out copies in proportions 1 : 1.
    rng = np.random.default_rng(3)
    mu0, mu1 = rng.normal(-1.0, 0.3, 40), rng.normal(1.0, 0.3, 8)
    sd = 0.5
    mu = np.r_[mu0, mu1][:, None]
    s = np.r_[np.zeros(40, int), np.ones(8, int)]
    logvar = np.full_like(mu, 2 * math.log(sd))
    held_idx = np.r_[np.arange(8), np.arange(40, 48)]  # 8 + 8 of the same points

    def log_mix(z: float, centres: np.ndarray) -> float:
        return logsumexp(stats.norm.logpdf(z, centres, sd)) - math.log(centres.size)

    def f(z: float, own: np.ndarray, k: int) -> float:
        dens = np.exp(log_mix(z, own))
        logs = np.array([log_mix(z, mu0), log_mix(z, mu1)]) + math.log(0.5)
        return dens * (logs[k] - logsumexp(logs))

    truth = math.log(2)
    for k, group in enumerate((mu0[:8], mu1)):
        per_point = [
            integrate.quad(f, m - 8 * sd, m + 8 * sd, args=(np.array([m]), k))[0] for m in group
        ]
        truth += 0.5 * np.mean(per_point)
    est = mixture_mi(
        mu,
        logvar,
        s,
        n_samples=16000,
        seed=2,
        held_out=(mu[held_idx], logvar[held_idx], s[held_idx]),
    )
    assert abs(est.value - truth) < 4 * est.se + 2e-3


def test_training_mixture_never_exceeds_entropy() -> None:
    # Separated narrow posteriors: the plug-in equals H(S) and may not exceed it.
    mu, _, s = exact_posteriors([90, 10], [-50.0, 50.0])
    est = mixture_mi(mu, np.full_like(mu, -2.0), s, n_samples=3001, seed=0)
    assert est.value <= est.h_s
    assert est.value == pytest.approx(stats.entropy([9, 1]), abs=1e-12)


# ---------------------------------------------------------------- sampling z ~ q(z|x)


def test_sample_posterior_layout_and_moments() -> None:
    rng = np.random.default_rng(4)
    mu = rng.normal(0, 3, (50, 3))
    logvar = rng.uniform(-2, 1, (50, 3))
    s = rng.integers(0, 2, 50)
    d = sample_posterior(mu, logvar, s, draws=400, seed=7)
    assert d.z.shape == (20000, 3) and d.draws == 400
    assert np.array_equal(d.s[:50], s) and np.array_equal(d.groups[50:100], np.arange(50))
    eps = (d.z.reshape(400, 50, 3) - mu) / np.exp(0.5 * logvar)
    assert abs(eps.mean()) < 4 / math.sqrt(eps.size)
    assert abs(eps.var() - 1.0) < 4 * math.sqrt(2 / eps.size)
    assert stats.kstest(eps.ravel(), "norm").pvalue > 1e-3
    again = sample_posterior(mu, logvar, s, draws=400, seed=7)
    assert np.array_equal(d.z, again.z)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": 0}, "draws"),
        ({"logvar": np.full((10, 2), -80.0)}, "logvar"),
        ({"logvar": np.zeros((10, 3))}, "shape"),
        ({"s": np.zeros(9)}, "must match"),
    ],
)
def test_sample_posterior_errors(kwargs: dict, match: str) -> None:
    args = {"mu": np.zeros((10, 2)), "logvar": np.zeros((10, 2)), "s": np.arange(10) % 2}
    draws = kwargs.pop("draws", 1)
    args.update(kwargs)
    with pytest.raises(MIError, match=match):
        sample_posterior(args["mu"], args["logvar"], args["s"], draws=draws)


def wide_posteriors(n: int, seed: int):
    """Means exactly +-1 (I(S;mu) = ln 2), unit posteriors: Z|S ~ N(+-1, 1), I(S;Z) = 0.3368."""
    s = np.random.default_rng(seed).integers(0, 2, n)
    mu = (2.0 * s - 1.0)[:, None]
    return mu, np.zeros_like(mu), s


def test_estimators_on_samples_measure_i_s_z_not_means() -> None:
    mu, logvar, s = wide_posteriors(1500, seed=5)
    d = sample_posterior(mu, logvar, s, seed=0)
    truth = GAUSS_TRUTH[2.0]
    clf = classifier_mi(d.z, d.s, groups=d.groups)
    assert truth - 0.05 <= clf.value <= truth + 0.03
    assert clf.quantity == "I(S;Z)"
    assert abs(knn_mi(d.z, d.s).value - truth) < 0.06
    assert truth - 0.1 <= infonce_mi(d.z, d.s, steps=150).value <= truth + 0.05
    on_means = classifier_mi(mu, s, "logistic", codes="means")
    assert on_means.quantity == "I(S;mu)" and "I(S;mu)" in on_means.note
    assert on_means.value > 0.6  # the means separate the tasks: I(S;mu) ~ ln 2


def test_several_draws_need_groups_for_knn() -> None:
    # Narrow posteriors, labels independent of the codes: I(S;Z) = 0. Two draws per point are
    # each other's nearest neighbours; pooled naively they fake a strong dependence.
    rng = np.random.default_rng(6)
    mu = rng.standard_normal((600, 2))
    s = rng.integers(0, 2, 600)
    d = sample_posterior(mu, np.full_like(mu, -12.0), s, draws=2, seed=1)
    assert knn_mi(d.z, d.s).value > 0.2
    grouped = knn_mi(d.z, d.s, groups=d.groups)
    assert abs(grouped.value) < 0.05
    assert "2 sets" in grouped.note


def test_classifier_and_infonce_with_groups_are_bounds() -> None:
    # Two draws per point of the wide posteriors; draws of one point stay on one side.
    mu, logvar, s = wide_posteriors(800, seed=8)
    d = sample_posterior(mu, logvar, s, draws=2, seed=2)
    truth = GAUSS_TRUTH[2.0]
    clf = classifier_mi(d.z, d.s, groups=d.groups)
    assert truth - 0.06 <= clf.value <= truth + 0.03
    assert clf.n_used == 800  # one term per point
    nce = infonce_mi(d.z, d.s, groups=d.groups, steps=150)
    assert truth - 0.12 <= nce.value <= truth + 0.05
    with pytest.raises(MIError, match="single label"):
        classifier_mi(d.z, d.s, groups=np.zeros(1600))


# ---------------------------------------------------------------- non-linear classifier bound


def variance_pair(n: int, seed: int, sd1: float = 3.0):
    """S ~ Bernoulli(1/2); Z_0|S=0 ~ N(0, 1), Z_0|S=1 ~ N(0, sd1^2); Z_1 ~ N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    z = rng.standard_normal((n, 2))
    z[s == 1, 0] *= sd1
    return z, s


def test_boosting_bound_sees_a_change_of_variance() -> None:
    truth = ba_quad([0.5, 0.5], [0.5, 0.5], [0.0, 0.0], [1.0, 3.0])
    z, s = variance_pair(1500, seed=9)
    est = classifier_mi(z, s)
    assert truth - 0.04 <= est.value <= truth + 0.02
    assert est.details["logistic"] < 0.02  # a linear classifier misses it entirely
    assert est.method == "classifier_boosting"


@pytest.mark.parametrize(("delta", "extra"), [(2.0, 15), (4.0, 15), (2.0, 1)])
def test_boosting_bound_on_gaussian_ground_truth(delta: float, extra: int) -> None:
    # 1,500 points: the sample's own information scatters by ~0.015 nats (sd), hence 0.07 below.
    rng = np.random.default_rng(10)
    s = rng.integers(0, 2, 1500)
    z = rng.standard_normal((1500, 1 + extra))
    z[:, 0] += delta * (s - 0.5)
    est = classifier_mi(z, s)
    assert GAUSS_TRUTH[delta] - 0.07 <= est.value <= GAUSS_TRUTH[delta] + 0.03
    assert GAUSS_TRUTH[delta] - 0.07 <= est.details["logistic"] <= GAUSS_TRUTH[delta] + 0.03


def test_boosting_bound_on_a_small_imbalanced_task() -> None:
    # 3,000 : 100 (the target-task setting), Z|S ~ N(-+2, 1) in the first of 16 dims.
    pi = np.array([3000, 100]) / 3100
    truth = ba_quad(pi, pi, [-2.0, 2.0], [1.0, 1.0])
    rng = np.random.default_rng(14)
    s = np.repeat([0, 1], [3000, 100])
    z = rng.standard_normal((3100, 16))
    z[:, 0] += 4.0 * s - 2.0
    est = classifier_mi(z, s)
    assert truth - 0.03 <= est.value <= truth + 0.01
    assert est.normalized == pytest.approx(est.value / entropy_of_labels(s))


def test_knn_is_biased_low_in_sixteen_dims_as_documented() -> None:
    rng = np.random.default_rng(11)
    s = rng.integers(0, 2, 1500)
    z = rng.standard_normal((1500, 16))
    z[:, 0] += 2.0 * (s - 0.5)
    value = knn_mi(z, s).value
    assert 0.15 < value < GAUSS_TRUTH[2.0] - 0.05


# ---------------------------------------------------------------- degenerate input, <= H(S)


def test_identical_codes_give_defined_values_near_zero() -> None:
    s = np.repeat([0, 1], [70, 30])
    z = np.full((100, 3), 2.5)
    h = entropy_of_labels(s)
    # all points tie: k_i = N_k - 1, m_i = N - 1, so each term is 1/(N-1) - 1/(N_k-1)
    assert knn_mi(z, s).value == pytest.approx(0.7 * (1 / 99 - 1 / 69) + 0.3 * (1 / 99 - 1 / 29))
    for model in ("boosting", "logistic"):
        assert -0.05 < classifier_mi(z, s, model).value <= 1e-12
    nce = infonce_mi(z, s, steps=20)
    assert math.isfinite(nce.value) and nce.value <= 1e-6
    mix = mixture_mi(z, np.zeros_like(z), s, n_samples=500)
    assert mix.value == pytest.approx(0.0, abs=1e-12) and mix.h_s == pytest.approx(h)


def test_constant_dimensions_change_nothing_for_knn_and_boosting() -> None:
    rng = np.random.default_rng(12)
    s = rng.integers(0, 2, 600)
    z = rng.standard_normal((600, 2))
    z[:, 0] += s
    padded = np.column_stack([z, np.full(600, 7.0), np.zeros(600)])
    assert knn_mi(padded, s).value == knn_mi(z, s).value
    assert classifier_mi(padded, s).value == pytest.approx(classifier_mi(z, s).value, abs=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda z, s: knn_mi(z, s),
        lambda z, s: classifier_mi(z, s),
        lambda z, s: infonce_mi(z, s, steps=5),
        lambda z, s: mixture_mi(z, np.zeros_like(z), s, n_samples=100),
    ],
)
def test_one_task_is_a_clear_error(call) -> None:
    with pytest.raises(MIError, match="only one class"):
        call(np.random.default_rng(0).standard_normal((40, 2)), np.zeros(40, int))


def test_no_estimator_exceeds_entropy_on_separated_imbalanced_tasks() -> None:
    # 1,000 : 30 far apart: I(S;Z) = H(S) = 0.134; raw kNN sits a little above it.
    rng = np.random.default_rng(13)
    s = np.repeat([0, 1], [1000, 30])
    z = rng.standard_normal((1030, 2)) + 40.0 * s[:, None]
    h = entropy_of_labels(s)
    knn = knn_mi(z, s)
    assert knn.details["unclipped"] > h and knn.value == h and "clipped" in knn.note
    assert h - 0.01 < classifier_mi(z, s).value <= h
    assert infonce_mi(z, s, steps=100).value <= h
    assert mixture_mi(z, np.zeros_like(z), s, n_samples=2000).value <= h
