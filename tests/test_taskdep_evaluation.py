"""IS log-likelihood, ELBO and target accuracy against closed forms and quadrature."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from corel_core.models import CVAE, VAE, OptimalPriorCVAE, RatioEstimator
from corel_core.studies.taskdep.evaluation import (
    EvaluationError,
    elbo,
    importance_log_likelihood,
    importance_log_likelihoods,
    target_accuracy,
)
from corel_core.studies.taskdep.priors import LearnedPrior, MixturePrior, StandardNormalPrior

torch.set_num_threads(1)


def _linear_gaussian(d: int = 2, dim: int = 4, seed: int = 0):
    """W with orthogonal columns (so the exact posterior is diagonal), bias b."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(dim, d)))
    w = q * np.array([1.5, 0.7][:d])
    b = rng.normal(size=dim)
    sigma = np.linalg.inv(np.eye(d) + w.T @ w)  # diagonal by construction
    return w, b, sigma


def _set(layer: torch.nn.Linear, weight: np.ndarray, bias: np.ndarray) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        layer.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))


def test_linear_gaussian_exact_posterior_gives_exact_log_likelihood():
    """z ~ N(0,I), x|z ~ N(Wz+b, I): with q = the exact posterior every weight equals p(x)."""
    w, b, sigma = _linear_gaussian()
    d, dim = w.shape[1], w.shape[0]
    model = VAE((dim,), d, hidden=(), decoder="gaussian")
    a = sigma @ w.T
    _set(model.mu_head, a, -a @ b)
    _set(model.logvar_head, np.zeros((d, dim)), np.log(np.diag(sigma)))
    _set(model.decoder[0], w, b)
    x = np.random.default_rng(1).normal(size=(20, dim)).astype(np.float32) * 2
    oracle = stats.multivariate_normal(b, w @ w.T + np.eye(dim)).logpdf(x)
    for k in (1, 7):
        est = importance_log_likelihood(model, x, None, k=k, batch_size=6, seed=k)
        np.testing.assert_allclose(est, oracle, atol=2e-4)
    # with an exact posterior the ELBO is tight too
    np.testing.assert_allclose(elbo(model, x, None, samples=1), oracle, atol=3.0)


def test_conditional_linear_gaussian_uses_the_task():
    """CVAE with task-specific decoder bias b_s: ln p(x|s) = ln N(x; b_s, WWᵀ + I)."""
    w, b, sigma = _linear_gaussian(seed=3)
    d, dim = w.shape[1], w.shape[0]
    shift = np.stack([np.zeros(dim), np.full(dim, 2.0)])  # b_s = b + shift[s]
    model = CVAE((dim,), d, n_tasks=2, hidden=(), decoder="gaussian")
    a = sigma @ w.T
    # encoder input [x, onehot(s)]: mu = A x - A b_s
    _set(model.mu_head, np.hstack([a, -(a @ shift.T)]), -a @ b)
    _set(model.logvar_head, np.zeros((d, dim + 2)), np.log(np.diag(sigma)))
    _set(model.decoder[0], np.hstack([w, shift.T]), b)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, dim)).astype(np.float32)
    task = np.array([0, 1] * 6)
    cov = w @ w.T + np.eye(dim)
    oracle = np.array(
        [
            stats.multivariate_normal(b + shift[s], cov).logpdf(xi)
            for xi, s in zip(x, task, strict=True)
        ]
    )
    est = importance_log_likelihood(model, x, task, k=3)
    np.testing.assert_allclose(est, oracle, atol=2e-4)


def _quadrature(model, x: np.ndarray, task: int | None, ratio=None) -> float:
    """ln ∫ p(x|z,s) N(z;0,1) [exp T(z)] dz for a 1-D latent, by adaptive quadrature."""
    model = None if model is None else copy.deepcopy(model).double()  # float64 for quad
    ratio = None if ratio is None else copy.deepcopy(ratio).double().eval()
    xt = torch.as_tensor(x[None], dtype=torch.float64)
    tt = None if task is None else torch.tensor([task])

    def log_integrand(z: float) -> float:
        zt = torch.tensor([[z]], dtype=torch.float64)
        with torch.no_grad():
            val = 0.0
            if model is not None:
                logits = model.decode_logits(zt, tt)
                val = -torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, xt, reduction="sum"
                ).item()
            if ratio is not None:
                val += ratio(zt).item()
        return val + stats.norm.logpdf(z)

    shift = log_integrand(0.0)  # keep exp() in range
    value, _ = integrate.quad(
        lambda z: math.exp(log_integrand(z) - shift), -12, 12, limit=200, epsabs=0.0, epsrel=1e-6
    )
    return math.log(value) + shift


def test_bernoulli_importance_sampling_matches_quadrature():
    torch.manual_seed(0)
    model = VAE((6,), 1, hidden=(8,)).eval()
    x = (np.random.default_rng(0).random((3, 6)) > 0.5).astype(np.float32)
    est = importance_log_likelihood(model, x, None, k=20000, batch_size=1)
    oracle = [_quadrature(model, xi, None) for xi in x]
    np.testing.assert_allclose(est, oracle, atol=0.02)


def test_learned_prior_is_normalised_and_scores_like_quadrature():
    """p(z)·e^T/Z_T: ln Z_T and ln p(x|s) both against 1-D quadrature (Z_T ≠ 1 on purpose)."""
    torch.manual_seed(1)
    ratio = RatioEstimator(1, hidden=(16,), dropout=0.0)
    with torch.no_grad():
        ratio.net[-1].bias.add_(0.7)  # shifts ln Z_T by 0.7: an unnormalised T would be off
    model = OptimalPriorCVAE((5,), 1, n_tasks=2, hidden=(8,), ratio=ratio).eval()
    log_z = _quadrature(None, np.zeros(0), None, ratio=ratio)  # ln ∫ N(z) e^T(z) dz
    prior = LearnedPrior(ratio, 1, n_samples=200_000, seed=3)
    assert prior.log_normaliser == pytest.approx(log_z, abs=4 * prior.normaliser["se"] + 1e-3)
    x = (np.random.default_rng(4).random((2, 5)) > 0.5).astype(np.float32)
    task = np.array([0, 1])
    both = importance_log_likelihoods(
        model,
        x,
        task,
        k=20000,
        batch_size=1,
        priors={"standard": StandardNormalPrior(), "learned": prior},
    )
    for i in range(2):
        s = int(task[i])
        assert both["standard"][i] == pytest.approx(_quadrature(model, x[i], s), abs=0.02)
        oracle = _quadrature(model, x[i], s, ratio=ratio) - log_z
        assert both["learned"][i] == pytest.approx(oracle, abs=0.02)


def test_mixture_prior_likelihood_matches_the_closed_form_gaussian_mixture():
    """x|z ~ N(Wz + b, I), z ~ Σ_m π_m N(μ_m, Σ_m) ⇒ p(x) = Σ_m π_m N(x; Wμ_m + b, WΣ_mWᵀ + I).

    The prior is a MixturePrior over 3 "training codes"; the encoder is a fixed Gaussian proposal
    (not the posterior, which is a mixture), so only K (large) makes the IS estimate converge.
    """
    w, b, _ = _linear_gaussian(seed=5)
    d, dim = w.shape[1], w.shape[0]
    centres = np.array([[-2.0, 0.5], [1.5, 1.0], [0.0, -2.5]])
    logvar = np.log(np.array([[0.3, 0.5], [0.2, 0.2], [0.6, 0.1]]))
    prior = MixturePrior(centres, logvar)
    model = VAE((dim,), d, hidden=(), decoder="gaussian")
    pinv = np.linalg.pinv(w)
    _set(model.mu_head, pinv, -pinv @ b)  # proposal N(W⁺(x − b), I): wider than the posterior
    _set(model.logvar_head, np.zeros((d, dim)), np.zeros(d))
    _set(model.decoder[0], w, b)
    rng = np.random.default_rng(6)
    x = (centres[rng.integers(0, 3, 6)] @ w.T + b + rng.normal(size=(6, dim))).astype(np.float32)
    comps = [
        stats.multivariate_normal(w @ m + b, w @ np.diag(np.exp(lv)) @ w.T + np.eye(dim))
        for m, lv in zip(centres, logvar, strict=True)
    ]
    oracle = np.log(np.mean([c.pdf(x) for c in comps], axis=0))
    est = importance_log_likelihoods(model, x, None, k=300_000, batch_size=1, priors={"q": prior})
    np.testing.assert_allclose(est["q"], oracle, atol=0.02)
    # the same samples under N(0, I) give the plain linear-Gaussian marginal instead
    std = importance_log_likelihood(model, x, None, k=300_000, batch_size=1, seed=1)
    np.testing.assert_allclose(
        std, stats.multivariate_normal(b, w @ w.T + np.eye(dim)).logpdf(x), atol=0.02
    )


def test_k1_is_an_elbo_sample_and_large_k_is_above_the_elbo():
    torch.manual_seed(2)
    model = VAE((10,), 2, hidden=(16,)).eval()
    x = np.random.default_rng(5).random((40, 10)).astype(np.float32)
    reps = np.repeat(x, 100, axis=0)
    k1 = importance_log_likelihood(model, reps, None, k=1, batch_size=1000).reshape(40, 100)
    exact = elbo(model, x, None, samples=2000, batch_size=40)
    se = k1.std(axis=1, ddof=1) / math.sqrt(100)
    assert np.all(np.abs(k1.mean(axis=1) - exact) < 5 * se + 0.05)
    k100 = importance_log_likelihood(model, x, None, k=100)
    assert k100.mean() >= exact.mean() - 0.05
    assert np.all(k100 >= exact - 0.5)


def test_evaluation_rejects_bad_input():
    model = VAE((4,), 2, hidden=(8,))
    x = np.zeros((3, 4), dtype=np.float32)
    with pytest.raises(EvaluationError):
        importance_log_likelihoods(model, x, None, priors={})
    with pytest.raises(EvaluationError):
        importance_log_likelihoods(model, x, None, priors={"bad": object()})
    with pytest.raises(EvaluationError):
        importance_log_likelihood(model, x, np.zeros(2, dtype=np.int64))
    with pytest.raises(EvaluationError):
        importance_log_likelihood(model, x, None, k=0)


def test_target_accuracy_on_separable_and_on_shuffled_labels():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y_tr, y_te = rng.integers(0, 3, 60), rng.integers(0, 3, 300)
    z_tr = centres[y_tr] + rng.normal(size=(60, 2))
    z_te = centres[y_te] + rng.normal(size=(300, 2))
    acc = target_accuracy(z_tr, y_tr, z_te, y_te)
    assert acc == {"knn": 1.0, "logistic": 1.0}
    shuffled = target_accuracy(z_tr, rng.permutation(y_tr), z_te, y_te)
    assert shuffled["knn"] < 0.6 and shuffled["logistic"] < 0.6
    with pytest.raises(EvaluationError):
        target_accuracy(z_tr, np.zeros(60), z_te, y_te)
