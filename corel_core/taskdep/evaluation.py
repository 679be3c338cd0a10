"""Held-out scores of a trained (C)VAE: importance-sampled test log-likelihood, ELBO, accuracy.

Test log-likelihood (Burda et al. 2016, as used by Takahashi et al., KDD 2022): with the encoder
as proposal, z_k ~ q(z|x,s),

    ln p(x|s) ≈ ln (1/K) Σ_k p(x|z_k,s) p(z_k) / q(z_k|x,s),

a stochastic lower bound that tightens as K grows (K = 1 is one ELBO sample). The decoder is
Bernoulli (binary cross-entropy with logits summed over pixels; grey values in [0, 1] are used as
they are, as in the VAE literature) or Gaussian with unit variance.

Priors: ``"standard"`` uses p(z) = N(0, I), the prior the VAE and the CVAE were trained with.
``"optimal"`` uses p(z)·exp(T(z)) with the optimal-prior CVAE's density-ratio discriminator T
(T ≈ ln q(z)/p(z), so p·exp(T) ≈ the aggregated posterior q(z)). That prior is unnormalised:
it integrates to 1 only where T is the exact log-ratio, so the "optimal" value is an
approximation of the model's own likelihood, and we always report the N(0, I) value beside it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import Tensor, nn

from corel_core.models import evaluating

LOG_2PI = math.log(2.0 * math.pi)
PRIORS = ("standard", "optimal")


class EvaluationError(ValueError):
    """The model or data handed to an evaluation cannot give a meaningful number."""


def _check_model(model: nn.Module) -> None:
    if not getattr(model, "variational", False) or not hasattr(model, "posterior"):
        raise EvaluationError(
            "importance sampling needs a variational model (VAE/CVAE) with a Gaussian encoder."
        )


def _log_normal(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """Σ_j ln N(z_j; mu_j, exp(logvar_j)) over the last axis."""
    return -0.5 * (((z - mu) ** 2) * torch.exp(-logvar) + logvar + LOG_2PI).sum(-1)


def decoder_log_prob(model: nn.Module, x: Tensor, logits: Tensor) -> Tensor:
    """ln p(x|z,s) per sample: Bernoulli from logits, or Gaussian N(x; mean, I)."""
    if getattr(model, "decoder_kind", "bernoulli") == "bernoulli":
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    diff = (logits - x).flatten(1)
    return -0.5 * (diff**2).sum(1) - 0.5 * diff.shape[1] * LOG_2PI


def _log_prior(model: nn.Module, z: Tensor, prior: str) -> Tensor:
    """ln N(z; 0, I), plus T(z) for the optimal prior (unnormalised)."""
    log_p = -0.5 * (z**2 + LOG_2PI).sum(-1)
    if prior == "optimal":
        ratio = getattr(model, "ratio", None)
        if ratio is None:
            raise EvaluationError("the 'optimal' prior needs a model with a density-ratio T(z).")
        log_p = log_p + ratio(z.reshape(-1, z.shape[-1])).reshape(z.shape[:-1])
    return log_p


def _batches(x: np.ndarray, task: np.ndarray | None, batch_size: int, device: torch.device):
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(np.asarray(x[start : start + batch_size], dtype=np.float32))
        tb = None if task is None else torch.as_tensor(np.asarray(task[start : start + batch_size]))
        yield xb.to(device), None if tb is None else tb.long().to(device)


@torch.no_grad()
def importance_log_likelihoods(
    model: nn.Module,
    x: np.ndarray,
    task: np.ndarray | None,
    k: int = 100,
    batch_size: int = 50,
    priors: tuple[str, ...] = ("standard",),
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per-sample IS estimates of ln p(x|s) in nats for each prior in `priors`, same z samples.

    Returns {prior: (N,) float64}. See the module docstring for what "optimal" means.
    """
    _check_model(model)
    if k < 1 or batch_size < 1:
        raise EvaluationError("k and batch_size must be positive.")
    unknown = [p for p in priors if p not in PRIORS]
    if unknown or not priors:
        raise EvaluationError(f"priors must be chosen from {', '.join(PRIORS)}.")
    if task is not None and len(task) != len(x):
        raise EvaluationError(f"x has {len(x)} samples but task has {len(task)} ids.")
    gen = torch.Generator().manual_seed(int(seed))
    out: dict[str, list[np.ndarray]] = {p: [] for p in priors}
    with evaluating(model) as device:
        for xb, tb in _batches(x, task, batch_size, device):
            b = xb.shape[0]
            mu, logvar = model.posterior(xb, tb)
            eps = torch.randn((k, *mu.shape), generator=gen, dtype=mu.dtype).to(device)
            z = mu + torch.exp(0.5 * logvar) * eps  # (K, B, d)
            log_q = _log_normal(z, mu, logvar)
            t_rep = None if tb is None else tb.repeat(k)
            logits = model.decode_logits(z.reshape(k * b, -1), t_rep)
            log_px = decoder_log_prob(model, xb.repeat(k, *([1] * (xb.dim() - 1))), logits)
            log_px = log_px.reshape(k, b)
            for prior in priors:
                log_w = (log_px + _log_prior(model, z, prior) - log_q).double()
                est = torch.logsumexp(log_w, dim=0) - math.log(k)
                out[prior].append(est.cpu().numpy())
    return {p: np.concatenate(v) if v else np.zeros(0) for p, v in out.items()}


def importance_log_likelihood(
    model: nn.Module,
    x: np.ndarray,
    task: np.ndarray | None,
    k: int = 100,
    batch_size: int = 50,
    prior: str = "standard",
    seed: int = 0,
) -> np.ndarray:
    """Per-sample IS estimate of ln p(x|s) (nats) with K encoder samples; (N,) float64."""
    return importance_log_likelihoods(model, x, task, k, batch_size, (prior,), seed)[prior]


@torch.no_grad()
def elbo(
    model: nn.Module,
    x: np.ndarray,
    task: np.ndarray | None,
    samples: int = 1,
    batch_size: int = 100,
    seed: int = 0,
) -> np.ndarray:
    """Per-sample ELBO E_q ln p(x|z,s) − KL(q(z|x,s) ‖ N(0,I)): MC reconstruction, exact KL."""
    _check_model(model)
    gen = torch.Generator().manual_seed(int(seed))
    parts: list[np.ndarray] = []
    with evaluating(model) as device:
        for xb, tb in _batches(x, task, batch_size, device):
            mu, logvar = model.posterior(xb, tb)
            kl = 0.5 * (mu**2 + logvar.exp() - logvar - 1.0).sum(1)
            rec = torch.zeros_like(kl)
            for _ in range(samples):
                eps = torch.randn(mu.shape, generator=gen, dtype=mu.dtype).to(device)
                logits = model.decode_logits(mu + torch.exp(0.5 * logvar) * eps, tb)
                rec += decoder_log_prob(model, xb, logits)
            parts.append((rec / samples - kl).double().cpu().numpy())
    return np.concatenate(parts) if parts else np.zeros(0)


def target_accuracy(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray
) -> dict[str, float]:
    """Test accuracy of k-NN (k = 5) and logistic regression fit on a few labelled codes.

    Both see standardised codes; k shrinks to the training size when fewer than 5 are given.
    """
    z_train, z_test = np.asarray(z_train, float), np.asarray(z_test, float)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if len(z_train) != len(y_train) or len(z_test) != len(y_test):
        raise EvaluationError("codes and labels must have the same number of rows.")
    if len(z_train) < 2 or len(z_test) < 1:
        raise EvaluationError("target accuracy needs at least 2 training and 1 test code.")
    if np.unique(y_train).size < 2:
        raise EvaluationError("the labelled target codes contain a single class.")
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(5, len(z_train))))
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    out = {}
    for name, clf in (("knn", knn), ("logistic", logistic)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(z_train, y_train)
        out[name] = float((clf.predict(z_test) == y_test).mean())
    return out
