"""Latent priors and T's fidelity against scipy densities and closed-form normalisers/KLs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp
from torch import nn

from corel_core.studies.taskdep.priors import (
    LearnedPrior,
    MixturePrior,
    PriorError,
    StandardNormalPrior,
    ratio_fidelity,
    ratio_log_normaliser,
)

torch.set_num_threads(1)


def _scipy_mixture(mu: np.ndarray, logvar: np.ndarray, z: np.ndarray) -> np.ndarray:
    comps = [
        stats.multivariate_normal(m, np.diag(np.exp(lv))).logpdf(z)
        for m, lv in zip(mu, logvar, strict=True)
    ]
    return logsumexp(np.stack(comps), axis=0) - math.log(len(mu))


def test_mixture_prior_matches_scipy_and_integrates_to_one():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(30, 3)), rng.normal(size=(30, 3)) * 0.5 - 1.0
    z = rng.normal(size=(50, 3)) * 2
    prior = MixturePrior(mu, logvar)
    np.testing.assert_allclose(prior.log_prob_numpy(z), _scipy_mixture(mu, logvar, z), atol=1e-10)
    out = prior.log_prob(torch.as_tensor(z, dtype=torch.float32))
    assert out.dtype == torch.float64 and out.shape == (50,)
    # 1-D: the density integrates to 1 on a fine grid
    one = MixturePrior(np.array([[0.0], [3.0]]), np.log(np.array([[0.5], [2.0]])))
    grid = np.linspace(-15, 20, 70001)[:, None]
    assert np.trapezoid(np.exp(one.log_prob_numpy(grid)), grid[:, 0]) == pytest.approx(1.0, 1e-8)


def test_mixture_prior_keeps_precision_far_from_the_origin():
    """Squared distances from differences: no cancellation at |μ| = 1e5 with σ = 1e-3."""
    prior = MixturePrior(np.array([[1e5], [-1e5]]), np.full((2, 1), 2 * math.log(1e-3)))
    got = prior.log_prob_numpy(np.array([[1e5 + 3e-4]]))[0]
    exact = stats.norm(1e5, 1e-3).logpdf(1e5 + 3e-4) - math.log(2)  # the far component is 0
    assert got == pytest.approx(exact, abs=1e-9)


def test_mixture_prior_rejects_bad_codes():
    with pytest.raises(PriorError):
        MixturePrior(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(PriorError):
        MixturePrior(np.full((3, 2), np.nan), np.zeros((3, 2)))
    with pytest.raises(PriorError):
        MixturePrior(np.zeros((3, 2)), np.full((3, 2), -100.0))
    with pytest.raises(PriorError):
        MixturePrior(np.zeros((3, 2)), np.zeros((3, 2))).log_prob_numpy(np.zeros((4, 3)))


def test_standard_normal_prior_is_scipy_normal():
    z = np.random.default_rng(1).normal(size=(10, 4))
    got = StandardNormalPrior().log_prob(torch.as_tensor(z)).numpy()
    np.testing.assert_allclose(got, stats.multivariate_normal(np.zeros(4)).logpdf(z), atol=1e-12)


class _Linear(nn.Module):
    """T(z) = a·z_0 + c: E_{N(0,I)}[e^T] = exp(a²/2 + c) in closed form."""

    def __init__(self, a: float, c: float) -> None:
        super().__init__()
        self.a, self.c = a, c
        self.dummy = nn.Parameter(torch.zeros(1, dtype=torch.float64))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.a * z[:, 0] + self.c + 0 * self.dummy


def test_log_normaliser_matches_the_lognormal_mean():
    ratio = _Linear(0.8, -0.3)
    out = ratio_log_normaliser(ratio, 3, n_samples=200_000, seed=0)
    exact = 0.8**2 / 2 - 0.3
    assert out["value"] == pytest.approx(exact, abs=4 * out["se"])
    assert 0 < out["se"] < 0.01 and out["ess"] < 200_000
    # the learned prior subtracts it: ln p(z) + T(z) − ln Z_T
    prior = LearnedPrior(ratio, 3, log_normaliser=exact)
    z = torch.randn(5, 3, dtype=torch.float64)
    expect = stats.multivariate_normal(np.zeros(3)).logpdf(z.numpy()) + 0.8 * z[:, 0].numpy()
    np.testing.assert_allclose(prior.log_prob(z).numpy(), expect - 0.64 / 2, atol=1e-9)


class _ExactRatio(nn.Module):
    """T(z) = scale · ln q(z)/N(z; 0, I) for a fixed mixture q (scale 1: the exact log-ratio)."""

    def __init__(self, prior: MixturePrior, scale: float = 1.0) -> None:
        super().__init__()
        self.prior, self.scale = prior, scale
        self.dummy = nn.Parameter(torch.zeros(1, dtype=torch.float64))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        zz = z.detach().double()
        log_r = self.prior.log_prob(zz) - StandardNormalPrior().log_prob(zz)
        return self.scale * log_r.to(z.dtype) + 0 * self.dummy


def test_fidelity_of_an_exact_and_of_a_half_ratio():
    """One Gaussian component: KL(N(μ, σ²) ‖ N(0, I)) in closed form; T exact → recovery 1."""
    mu, logvar = np.array([[1.0, -0.5]]), np.log(np.array([[0.5, 0.3]]))
    kl = 0.5 * float((np.exp(logvar) + mu**2 - 1 - logvar).sum())
    mix = MixturePrior(mu, logvar)
    held = (mu + 0.2, logvar)
    exact = ratio_fidelity(_ExactRatio(mix), (mu, logvar), held, n_samples=20000, seed=1)
    assert exact["kl_exact"] == pytest.approx(kl, abs=4 * exact["se_kl_exact"])
    assert exact["e_q_t"] == pytest.approx(exact["kl_exact"], abs=1e-6)
    assert exact["recovery"] == pytest.approx(1.0, abs=1e-6) and exact["recovers_90"]
    assert exact["correlation"] == pytest.approx(1.0, abs=1e-9)
    # Z_T = E_p[q/p] = 1 exactly; the MC estimate must agree within its error
    assert exact["log_normaliser"] == pytest.approx(0.0, abs=4 * exact["log_normaliser_se"])
    assert exact["kl_q_learned"] == pytest.approx(0.0, abs=4 * exact["log_normaliser_se"])
    assert exact["log_normaliser_q"] == pytest.approx(0.0, abs=1e-9)  # every weight is 1
    # T = ½ ln q/p, q = N(μ, σ²): E_p[e^T] = ∫ √(pq) = exp(−Bhattacharyya distance), closed form
    half = ratio_fidelity(_ExactRatio(mix, 0.5), (mu, logvar), held, n_samples=20000, seed=1)
    assert half["recovery"] == pytest.approx(0.5, abs=1e-6) and not half["recovers_90"]
    assert half["correlation"] == pytest.approx(1.0, abs=1e-9)  # scaled, still correlated
    assert half["kl_q_learned"] > 0.1
    var = np.exp(logvar[0])
    bhatt = (mu[0] ** 2 / (4 * (var + 1))).sum() + 0.5 * np.log(
        (var + 1) / (2 * np.sqrt(var))
    ).sum()
    tol = 4 * half["log_normaliser_q_se"]
    assert half["log_normaliser_q"] == pytest.approx(-bhatt, abs=tol)
    assert half["log_normaliser"] == pytest.approx(-bhatt, abs=4 * half["log_normaliser_se"])
