"""Latent priors a (C)VAE's likelihood is scored under, and how good the learned log-ratio T is.

Every prior has ``log_prob(z)``: z (M, d) float tensor → ln p(z) (M,) float64 tensor, in nats.

* `StandardNormalPrior`: N(0, I), the prior of the VAE and the CVAE.
* `MixturePrior`: the exact aggregated posterior q(z) = (1/N) Σ_n N(z; μ_n, diag σ_n²) over the
  TRAINING codes (Takahashi et al., KDD 2022, Theorem 2: the optimal prior). A finite mixture,
  normalised by construction; squared distances are taken from differences (z_j − μ_nj) in
  float64 by a compiled kernel, one point at a time, so memory stays O(M + N) for any N.
* `LearnedPrior`: p(z)·exp(T(z)) / Z_T with T the optimal-prior CVAE's density-ratio
  discriminator (T ≈ ln q(z)/p(z)) and ln Z_T = ln E_{z~N(0,I)}[e^{T(z)}] estimated by Monte
  Carlo (`ratio_log_normaliser`); an estimate, so its standard error is reported with it.

`ratio_fidelity` compares T with the exact log-ratio ln q(z)/p(z) of the mixture: E_q[T] against
KL(q‖p) on z ~ q(z) of the training points, and their correlation on z ~ q(z|x') of held-out
points. Where E_q[T] recovers only part of KL(q‖p), the learned prior is a poor stand-in for q(z).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numba
import numpy as np
import torch
from torch import Tensor, nn

LOG_2PI = math.log(2.0 * math.pi)
LOGVAR_MIN = -60.0  # variances below ~1e-26 cannot be evaluated reliably in float64
NORMALISER_SAMPLES = 65536  # Monte Carlo samples of ln E_p[e^T]
PRUNE = 50.0  # nats: mixture components this far below the best one are left out of the sum
RECOVERY_WARNING = 0.9  # below this share of KL(q‖p) the learned prior is flagged on screen


class PriorError(ValueError):
    """The codes or the model handed to a prior cannot define a density."""


class LatentPrior(Protocol):
    """A normalised density on the latent space (see the module docstring)."""

    name: str

    def log_prob(self, z: Tensor) -> Tensor:
        """ln p(z) in nats: z (M, d) → (M,) float64."""
        ...


def standard_normal_log_prob(z: Tensor) -> Tensor:
    """ln N(z; 0, I) summed over the last axis, in the dtype of z."""
    return -0.5 * (z**2 + LOG_2PI).sum(-1)


class StandardNormalPrior:
    """p(z) = N(0, I)."""

    name = "standard"

    def log_prob(self, z: Tensor) -> Tensor:
        """ln N(z; 0, I): (M, d) → (M,) float64."""
        return standard_normal_log_prob(z.double())


# reassociation lets the compiler vectorise the sums; no "ninf"/"nnan", so -inf stays exact
_FASTMATH = {"reassoc", "contract", "arcp", "nsz"}


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _mixture_log_pdf(
    z: np.ndarray, mu: np.ndarray, prec: np.ndarray, const: np.ndarray
) -> np.ndarray:
    """ln Σ_n exp(const_n − ½ Σ_j (z_ij − μ_nj)² prec_nj) per row of z (two-pass logsumexp).

    A component whose partial sum over the first half of the dimensions already puts it more
    than PRUNE nats below the best one so far is skipped: the sum only grows, so it contributes
    less than N·e^−PRUNE relative to the total (≈ 1e-18 for N = 10⁴).
    """
    m, d = z.shape
    n = mu.shape[0]
    half = d // 2
    out = np.empty(m)
    buf = np.empty(n)
    for i in range(m):
        best = -np.inf
        for c in range(n):
            s = 0.0
            for j in range(half):
                diff = z[i, j] - mu[c, j]
                s += diff * diff * prec[c, j]
            if const[c] - 0.5 * s < best - PRUNE:
                buf[c] = -np.inf
                continue
            for j in range(half, d):
                diff = z[i, j] - mu[c, j]
                s += diff * diff * prec[c, j]
            v = const[c] - 0.5 * s
            buf[c] = v
            best = max(best, v)
        acc = 0.0
        for c in range(n):
            if buf[c] > best - PRUNE:
                acc += math.exp(buf[c] - best)
        out[i] = best + math.log(acc)
    return out


def _check_posteriors(mu: np.ndarray, logvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = np.ascontiguousarray(np.asarray(mu, dtype=np.float64))
    logvar = np.ascontiguousarray(np.asarray(logvar, dtype=np.float64))
    if mu.ndim != 2 or mu.shape[0] < 1 or mu.shape[1] < 1:
        raise PriorError(f"the training codes mu must have shape (N, d); got {mu.shape}.")
    if logvar.shape != mu.shape:
        raise PriorError(f"logvar must have the shape of mu {mu.shape}; got {logvar.shape}.")
    if not (np.isfinite(mu).all() and np.isfinite(logvar).all()):
        raise PriorError("the training codes contain NaN or infinity.")
    if logvar.min() < LOGVAR_MIN:
        raise PriorError(
            f"logvar goes down to {logvar.min():.3g}; below {LOGVAR_MIN:g} (variance < 1e-26) "
            "the mixture density cannot be evaluated reliably."
        )
    return mu, logvar


class MixturePrior:
    """The exact aggregated posterior q(z) = (1/N) Σ_n N(z; μ_n, diag exp(logvar_n)).

    ``mu``, ``logvar``: (N, d) posterior parameters of the training points. `log_prob` costs
    O(M·N·d) and runs in float64 whatever the input dtype.
    """

    name = "mixture"

    def __init__(self, mu: np.ndarray, logvar: np.ndarray) -> None:
        self.mu, self.logvar = _check_posteriors(mu, logvar)
        self.prec = np.ascontiguousarray(np.exp(-self.logvar))
        n, d = self.mu.shape
        self.const = np.ascontiguousarray(
            -0.5 * (self.logvar.sum(axis=1) + d * LOG_2PI) - math.log(n)
        )

    @property
    def dim(self) -> int:
        """Latent dimension d."""
        return int(self.mu.shape[1])

    def log_prob_numpy(self, z: np.ndarray) -> np.ndarray:
        """ln q(z) for z (M, d) as a float64 numpy array (M,)."""
        z = np.ascontiguousarray(np.asarray(z, dtype=np.float64))
        if z.ndim != 2 or z.shape[1] != self.dim:
            raise PriorError(f"z must have shape (M, {self.dim}); got {z.shape}.")
        return _mixture_log_pdf(z, self.mu, self.prec, self.const)

    def log_prob(self, z: Tensor) -> Tensor:
        """ln q(z): (M, d) → (M,) float64 on the device of z."""
        out = self.log_prob_numpy(z.detach().double().cpu().numpy())
        return torch.from_numpy(out).to(z.device)


def _ratio_values(ratio: nn.Module, z: Tensor, batch: int = 8192) -> Tensor:
    """T(z) in eval mode (no dropout), float64, batched; z (M, d) → (M,)."""
    param = next(ratio.parameters(), None)
    device = param.device if param is not None else z.device
    dtype = param.dtype if param is not None else torch.float32
    was_training = ratio.training
    ratio.eval()
    try:
        with torch.no_grad():
            parts = [
                ratio(z[i : i + batch].to(device=device, dtype=dtype)).double().cpu()
                for i in range(0, z.shape[0], batch)
            ]
    finally:
        ratio.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64)


def ratio_log_normaliser(
    ratio: nn.Module, dim: int, n_samples: int = NORMALISER_SAMPLES, seed: int = 0
) -> dict[str, float]:
    """ln Z_T = ln E_{z~N(0,I)}[e^{T(z)}] by Monte Carlo, with its delta-method standard error.

    Returns {"value", "se", "ess", "n_samples"}: se = sd(w)/(√n·mean(w)) with w = e^T (computed
    after subtracting max T), ess = (Σw)²/Σw² the effective sample size. Where T is the exact
    log-ratio ln q/p, Z_T = 1; a small ess means a few prior samples dominate and the value is
    likely an underestimate.
    """
    if n_samples < 2 or dim < 1:
        raise PriorError("the normaliser needs at least 2 samples and a positive dimension.")
    gen = torch.Generator().manual_seed(int(seed))
    z = torch.randn((int(n_samples), int(dim)), generator=gen)
    t = _ratio_values(ratio, z).numpy()
    top = float(t.max())
    w = np.exp(t - top)
    mean = float(w.mean())
    se = float(w.std(ddof=1) / (math.sqrt(w.size) * mean))
    ess = float(w.sum() ** 2 / (w**2).sum())
    return {"value": top + math.log(mean), "se": se, "ess": ess, "n_samples": float(w.size)}


class LearnedPrior:
    """p(z)·exp(T(z)) / Z_T: N(0, I) reweighted by the discriminator's log-ratio, normalised.

    ``log_normaliser`` is ln Z_T (from `ratio_log_normaliser` unless given).
    """

    name = "learned"

    def __init__(
        self,
        ratio: nn.Module,
        dim: int,
        log_normaliser: float | None = None,
        n_samples: int = NORMALISER_SAMPLES,
        seed: int = 0,
    ) -> None:
        self.ratio = ratio
        if log_normaliser is None:
            self.normaliser = ratio_log_normaliser(ratio, dim, n_samples, seed)
        else:
            self.normaliser = {"value": float(log_normaliser), "se": 0.0, "ess": float("nan")}
        self.log_normaliser = float(self.normaliser["value"])

    def log_prob(self, z: Tensor) -> Tensor:
        """ln N(z; 0, I) + T(z) − ln Z_T: (M, d) → (M,) float64."""
        t = _ratio_values(self.ratio, z).to(z.device)
        return standard_normal_log_prob(z.double()) + t - self.log_normaliser


def sample_codes(
    mu: np.ndarray, logvar: np.ndarray, n_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n_samples draws z ~ q(z|x_n), cycling through random orders of the points (stratified).

    Returns (index of the point each draw came from (M,), z (M, d) float64).
    """
    n = mu.shape[0]
    reps = math.ceil(n_samples / n)
    idx = np.concatenate([rng.permutation(n) for _ in range(reps)])[:n_samples]
    eps = rng.standard_normal((idx.size, mu.shape[1]))
    return idx, mu[idx] + np.exp(0.5 * logvar[idx]) * eps


def ratio_fidelity(
    ratio: nn.Module,
    train: tuple[np.ndarray, np.ndarray],
    held_out: tuple[np.ndarray, np.ndarray],
    n_samples: int = 4096,
    seed: int = 0,
    log_normaliser: dict[str, float] | None = None,
) -> dict[str, Any]:
    """How well T(z) matches the exact ln q(z)/p(z) of the training mixture (nats).

    ``train`` / ``held_out``: (mu, logvar) of the training / held-out points. Returns
    e_q_t = E_q[T] and kl_exact = E_q[ln q/p] = KL(q‖p) on the same z ~ q(z) (training points),
    recovery = e_q_t / kl_exact, se of both, correlation (Pearson) of T and ln q/p on
    z ~ q(z|x') of held-out points, the normaliser ln Z_T (from N(0, I) samples, as the learned
    prior uses it) with a cross-check log_normaliser_q = ln E_q[e^T·p/q] (importance sampling
    from the exact mixture: low variance when p·e^T is close to q), and kl_q_learned =
    KL(q ‖ p·e^T/Z_T) = kl_exact − e_q_t + ln Z_T (0 when T is exact; the learned prior's gap).
    """
    mix = MixturePrior(*train)
    mu_h, logvar_h = _check_posteriors(*held_out)
    rng = np.random.default_rng(seed)
    _, z_tr = sample_codes(mix.mu, mix.logvar, n_samples, rng)
    _, z_ho = sample_codes(mu_h, logvar_h, n_samples, rng)
    out: dict[str, Any] = {}
    for name, z in (("train", z_tr), ("held_out", z_ho)):
        exact = mix.log_prob_numpy(z) - standard_normal_log_prob(torch.from_numpy(z)).numpy()
        t = _ratio_values(ratio, torch.from_numpy(z)).numpy()
        if name == "train":
            out["e_q_t"], out["kl_exact"] = float(t.mean()), float(exact.mean())
            out["se_e_q_t"] = float(t.std(ddof=1) / math.sqrt(t.size))
            out["se_kl_exact"] = float(exact.std(ddof=1) / math.sqrt(exact.size))
            out["recovery"] = (
                out["e_q_t"] / out["kl_exact"] if out["kl_exact"] > 0 else float("nan")
            )
            out["rmse_train"] = float(np.sqrt(((t - exact) ** 2).mean()))
            # cross-check of ln Z_T by importance sampling from q: Z_T = E_q[e^(T − ln q/p)]
            log_w = t - exact
            top = float(log_w.max())
            w = np.exp(log_w - top)
            out["log_normaliser_q"] = top + math.log(float(w.mean()))
            out["log_normaliser_q_se"] = float(w.std(ddof=1) / (math.sqrt(w.size) * w.mean()))
        else:
            sd = t.std() * exact.std()
            out["correlation"] = (
                float(((t - t.mean()) * (exact - exact.mean())).mean() / sd)
                if sd > 0
                else float("nan")
            )
            out["rmse_held_out"] = float(np.sqrt(((t - exact) ** 2).mean()))
    norm = log_normaliser or ratio_log_normaliser(ratio, mix.dim, seed=seed)
    out["log_normaliser"] = float(norm["value"])
    out["log_normaliser_se"] = float(norm["se"])
    out["log_normaliser_ess"] = float(norm["ess"])
    out["kl_q_learned"] = out["kl_exact"] - out["e_q_t"] + out["log_normaliser"]
    out["n_samples"] = float(n_samples)
    out["recovers_90"] = bool(out["recovery"] >= RECOVERY_WARNING)
    return out
