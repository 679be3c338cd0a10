"""Held-out scores of a trained (C)VAE: importance-sampled test log-likelihood, ELBO, accuracy.

Test log-likelihood (Burda et al. 2016, as used by Takahashi et al., KDD 2022): with the encoder
as proposal, z_k ~ q(z|x,s),

    ln p(x|s) ≈ ln (1/K) Σ_k p(x|z_k,s) p(z_k) / q(z_k|x,s),

a stochastic lower bound that tightens as K grows (K = 1 is one ELBO sample). The decoder is
Bernoulli (binary cross-entropy with logits summed over pixels; grey values in [0, 1] are used as
they are, as in the VAE literature) or Gaussian with unit variance.

Priors (`corel_core.studies.taskdep.priors`): each model is scored under its OWN prior. N(0, I) for
the VAE and the CVAE; for the optimal-prior CVAE the exact aggregated posterior q(z) (the finite
mixture over the training codes, normalised) and the learned p(z)·exp(T(z))/Z_T with ln Z_T
estimated by Monte Carlo. Scoring the optimal-prior model under N(0, I) is not the paper's
comparison; it is kept only as a labelled cross-check. All priors of one call share the same z
samples, so their differences carry no sampling noise from the proposal.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping

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
from corel_core.studies.taskdep.priors import LatentPrior, StandardNormalPrior

LOG_2PI = math.log(2.0 * math.pi)


class EvaluationError(ValueError):
    """The model or data handed to an evaluation cannot give a meaningful number."""


class EvaluationStopped(Exception):
    """A stop was requested while an evaluation ran (see ``should_stop``)."""


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


def _batches(x: np.ndarray, task: np.ndarray | None, batch_size: int, device: torch.device):
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(np.asarray(x[start : start + batch_size], dtype=np.float32))
        tb = None if task is None else torch.as_tensor(np.asarray(task[start : start + batch_size]))
        yield xb.to(device), None if tb is None else tb.long().to(device)


def _resolve_priors(priors: Mapping[str, LatentPrior] | None) -> dict[str, LatentPrior]:
    if priors is None:
        return {"standard": StandardNormalPrior()}
    if not isinstance(priors, Mapping) or not priors:
        raise EvaluationError("priors must be a non-empty mapping name -> prior.")
    bad = [name for name, p in priors.items() if not callable(getattr(p, "log_prob", None))]
    if bad:
        raise EvaluationError(f"prior(s) {', '.join(map(str, bad))} have no log_prob(z).")
    return dict(priors)


@torch.no_grad()
def importance_log_likelihoods(
    model: nn.Module,
    x: np.ndarray,
    task: np.ndarray | None,
    k: int = 100,
    batch_size: int = 50,
    priors: Mapping[str, LatentPrior] | None = None,
    seed: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, np.ndarray]:
    """Per-sample IS estimates of ln p(x|s) in nats under each prior, all from the same z samples.

    x: (N, ...) inputs, task: (N,) task ids or None; priors: {name: prior with log_prob(z)}
    (default {"standard": N(0, I)}). Returns {name: (N,) float64}. Raises `EvaluationError` for a
    non-variational model, k or batch_size < 1, or mismatched lengths, and `EvaluationStopped`
    when ``should_stop()`` (asked before every batch) turns true.
    """
    _check_model(model)
    if k < 1 or batch_size < 1:
        raise EvaluationError("k and batch_size must be positive.")
    chosen = _resolve_priors(priors)
    if task is not None and len(task) != len(x):
        raise EvaluationError(f"x has {len(x)} samples but task has {len(task)} ids.")
    gen = torch.Generator().manual_seed(int(seed))
    out: dict[str, list[np.ndarray]] = {p: [] for p in chosen}
    with evaluating(model) as device:
        for xb, tb in _batches(x, task, batch_size, device):
            if should_stop is not None and should_stop():
                raise EvaluationStopped("stopped while importance sampling.")
            b = xb.shape[0]
            mu, logvar = model.posterior(xb, tb)
            eps = torch.randn((k, *mu.shape), generator=gen, dtype=mu.dtype).to(device)
            z = mu + torch.exp(0.5 * logvar) * eps  # (K, B, d)
            log_q = _log_normal(z, mu, logvar).double()
            t_rep = None if tb is None else tb.repeat(k)
            flat = z.reshape(k * b, -1)
            logits = model.decode_logits(flat, t_rep)
            log_px = decoder_log_prob(model, xb.repeat(k, *([1] * (xb.dim() - 1))), logits)
            log_px = log_px.reshape(k, b).double()
            for name, prior in chosen.items():
                log_prior = prior.log_prob(flat).reshape(k, b).to(log_px)
                est = torch.logsumexp(log_px + log_prior - log_q, dim=0) - math.log(k)
                out[name].append(est.cpu().numpy())
    return {p: np.concatenate(v) if v else np.zeros(0) for p, v in out.items()}


def importance_log_likelihood(
    model: nn.Module,
    x: np.ndarray,
    task: np.ndarray | None,
    k: int = 100,
    batch_size: int = 50,
    prior: LatentPrior | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Per-sample IS estimate of ln p(x|s) (nats) with K encoder samples; (N,) float64.

    ``prior`` defaults to N(0, I).
    """
    priors = None if prior is None else {"prior": prior}
    return next(
        iter(importance_log_likelihoods(model, x, task, k, batch_size, priors, seed).values())
    )


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
