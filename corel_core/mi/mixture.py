"""Plug-in Monte Carlo on an encoder's Gaussian mixtures: I(S;Z) and the Theorem-1 decomposition.

q(z) = (1/N) sum_n N(z; mu_n, diag exp(logvar_n)) is the aggregated posterior and q(z|S=k) the
same mixture over the points of task k (Takahashi et al., KDD 2022, Theorem 1). Densities are
evaluated with logsumexp in float64, in chunks of samples so memory stays near 32 MB for any N.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

from corel_core.mi.base import (
    MIError,
    MIEstimate,
    check_codes,
    check_labels,
    entropy_of_labels,
    make_estimate,
)

CHUNK_ELEMENTS = 2**22  # samples x components evaluated at once (float64: 32 MB per matrix)
LOG_2PI = math.log(2.0 * math.pi)
LOGVAR_MIN = -60.0
LOG_PROB_FLOOR = math.log(1e-12)  # below this exp(-logvar) breaks float64 arithmetic


class _Mixture:
    """Diagonal Gaussian mixture with components sorted by label, for per-class log densities."""

    def __init__(self, mu: np.ndarray, logvar: np.ndarray, codes: np.ndarray, k: int) -> None:
        order = np.argsort(codes, kind="stable")
        self.mu, self.logvar = mu[order], logvar[order]
        self.prec = np.exp(-self.logvar)
        self.counts = np.bincount(codes, minlength=k)
        self.bounds = np.concatenate([[0], np.cumsum(self.counts)])
        self.const = -0.5 * (
            (self.mu**2 * self.prec).sum(axis=1) + self.logvar.sum(axis=1) + mu.shape[1] * LOG_2PI
        )

    def log_densities(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ln q(z) (M,) and ln q(z|S=k) (M, K) for samples z (M, d), chunked over M."""
        n = self.mu.shape[0]
        k = self.counts.size
        chunk = max(1, CHUNK_ELEMENTS // n)
        log_q = np.empty(z.shape[0])
        log_qk = np.empty((z.shape[0], k))
        for start in range(0, z.shape[0], chunk):
            zc = z[start : start + chunk]
            # ln N(z; mu_n, s_n^2) = -1/2 [z^2.w - 2 z.(mu w) + mu^2.w + sum logvar + d ln 2pi]
            log_comp = (
                -0.5 * ((zc**2) @ self.prec.T) + zc @ (self.mu * self.prec).T + self.const[None, :]
            )
            log_q[start : start + chunk] = logsumexp(log_comp, axis=1) - math.log(n)
            for j in range(k):
                lo, hi = self.bounds[j], self.bounds[j + 1]
                log_qk[start : start + chunk, j] = logsumexp(log_comp[:, lo:hi], axis=1) - math.log(
                    hi - lo
                )
        return log_q, log_qk


def _check_posteriors(
    mu: np.ndarray, logvar: np.ndarray, what: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    mu = check_codes(mu, f"{what}mu")
    logvar = np.asarray(logvar)
    if logvar.ndim == 1 and mu.shape[1] == 1:
        logvar = logvar[:, None]
    if logvar.shape != mu.shape:
        raise MIError(
            f"{what}logvar must have the same shape as {what}mu {mu.shape}; got {logvar.shape}."
        )
    logvar = check_codes(logvar, f"{what}logvar")
    if logvar.min() < LOGVAR_MIN:
        raise MIError(
            f"{what}logvar goes down to {logvar.min():.3g}; values below {LOGVAR_MIN:g} "
            "(variance < 1e-26) cannot be evaluated reliably."
        )
    return mu, logvar


def _sample(mu: np.ndarray, logvar: np.ndarray, n_samples: int, rng: np.random.Generator):
    """Draw n_samples codes, cycling through a random order of the points (stratified)."""
    if n_samples < 2:
        raise MIError("n_samples must be at least 2.")
    n = mu.shape[0]
    reps = math.ceil(n_samples / n)
    idx = np.concatenate([rng.permutation(n) for _ in range(reps)])[:n_samples]
    eps = rng.standard_normal((n_samples, mu.shape[1]))
    return idx, eps, mu[idx] + np.exp(0.5 * logvar[idx]) * eps


def mixture_mi(
    mu: np.ndarray,
    logvar: np.ndarray,
    s: np.ndarray,
    n_samples: int = 4096,
    seed: int = 0,
    held_out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> MIEstimate:
    """Monte Carlo I(S;Z) of the encoder's mixtures; interval = value -/+ 1.96 MC standard errors.

    Without ``held_out``: z ~ q(z) and I = E_z[sum_k q(k|z) ln(q(k|z)/pi_k)] (exact up to MC
    error; with narrow posteriors it tends to H(S) on training data). With
    ``held_out = (mu', logvar', s')``: mixtures from the training points, z ~ q(z|x'_m) of
    held-out points, and the value is H'(S) + mean ln q_train(s'_m|z), a Barber–Agakov lower
    bound on I(S;Z) for codes of unseen data, using the training mixtures' Bayes classifier
    q_train(s|z) as the classifier (H'(S) the plug-in entropy of the held-out labels; q(s|z)
    clipped at 1e-12). Posteriors much narrower than the gaps between points make that
    classifier overconfident, and the held-out value then goes strongly negative.
    """
    mu, logvar = _check_posteriors(mu, logvar)
    raw_s = np.asarray(s)
    if raw_s.ndim == 2 and raw_s.shape[1] == 1:
        raw_s = raw_s[:, 0]
    codes, counts = check_labels(raw_s, mu.shape[0])
    k, n = counts.size, mu.shape[0]
    mix = _Mixture(mu, logvar, codes, k)
    log_pi = np.log(counts / n)
    rng = np.random.default_rng(seed)
    if held_out is None:
        _, _, z = _sample(mu, logvar, n_samples, rng)
        log_q, log_qk = mix.log_densities(z)
        log_post = log_pi[None, :] + log_qk - log_q[:, None]  # ln q(k|z)
        terms = (np.exp(log_post) * (log_qk - log_q[:, None])).sum(axis=1)
        note = (
            "Plug-in I(S;Z) of the encoder's Gaussian mixtures on these points (MC, not a bound); "
            "on training data narrow posteriors push it toward H(S), so check a held-out estimate."
        )
        return make_estimate(terms, entropy_of_labels(codes), "mixture", note)

    if not isinstance(held_out, (tuple, list)) or len(held_out) != 3:
        raise MIError("held_out must be a tuple (mu, logvar, s) of the held-out points.")
    mu_h, logvar_h = _check_posteriors(held_out[0], held_out[1], "held-out ")
    if mu_h.shape[1] != mu.shape[1]:
        raise MIError(
            f"Held-out codes have {mu_h.shape[1]} dimensions but training codes have {mu.shape[1]}."
        )
    s_h = np.asarray(held_out[2]).reshape(-1)
    codes_h, _ = check_labels(s_h, mu_h.shape[0])
    classes = np.unique(raw_s)
    unknown = np.setdiff1d(np.unique(s_h), classes)
    if unknown.size:
        raise MIError(f"Held-out labels {unknown.tolist()} do not occur in the training labels.")
    codes_h = np.searchsorted(classes, s_h)
    idx, _, z = _sample(mu_h, logvar_h, n_samples, rng)
    log_q, log_qk = mix.log_densities(z)
    lab = codes_h[idx]
    log_post = log_pi[lab] + log_qk[np.arange(lab.size), lab] - log_q
    log_post = np.maximum(log_post, LOG_PROB_FLOOR)  # as in classifier_mi: ln p >= ln 1e-12
    pi_h = np.bincount(codes_h, minlength=k) / codes_h.size
    terms = -np.log(pi_h[lab]) + log_post
    note = (
        "Held-out lower bound H(S) + E ln q_train(s|z): training mixtures scored on codes of "
        "unseen points; negative values mean the training mixtures do not generalise."
    )
    return make_estimate(terms, entropy_of_labels(codes_h), "mixture_held_out", note)


def decompose_kl(
    mu: np.ndarray, logvar: np.ndarray, s: np.ndarray, n_samples: int = 4096, seed: int = 0
) -> dict[str, float]:
    """Theorem 1: mean KL(q(z|x,s)||N(0,I)) = I(S;Z) + KL(q(z)||N(0,I)) + sum_k pi_k I(X;Z|S=k).

    All three terms use the same samples z ~ q(z|x_n), so they add up per sample to
    ln q(z|x_n) - ln p(z); ``residual`` = closed-form avg_kl - their sum is pure MC error.
    Returns the terms, avg_kl, residual, h_s and a standard error ``se_<term>`` for each.
    """
    mu, logvar = _check_posteriors(mu, logvar)
    codes, counts = check_labels(s, mu.shape[0])
    d = mu.shape[1]
    mix = _Mixture(mu, logvar, codes, counts.size)
    rng = np.random.default_rng(seed)
    idx, eps, z = _sample(mu, logvar, n_samples, rng)
    log_q, log_qk = mix.log_densities(z)
    log_q_s = log_qk[np.arange(idx.size), codes[idx]]
    log_own = -0.5 * ((eps**2).sum(axis=1) + logvar[idx].sum(axis=1) + d * LOG_2PI)
    log_p = -0.5 * ((z**2).sum(axis=1) + d * LOG_2PI)
    parts = {
        "i_sz": log_q_s - log_q,
        "kl_qz_pz": log_q - log_p,
        "i_xz_s": log_own - log_q_s,
    }
    avg_kl = float((0.5 * (np.exp(logvar) + mu**2 - 1.0 - logvar).sum(axis=1)).mean())
    out: dict[str, float] = {}
    m = idx.size
    for name, t in parts.items():
        out[name] = float(t.mean())
        out[f"se_{name}"] = float(t.std(ddof=1) / math.sqrt(m))
    total = log_own - log_p
    out["avg_kl"] = avg_kl
    out["residual"] = avg_kl - (out["i_sz"] + out["kl_qz_pz"] + out["i_xz_s"])
    out["se_residual"] = float(total.std(ddof=1) / math.sqrt(m))
    out["h_s"] = entropy_of_labels(codes)
    out["n_samples"] = float(m)
    return out
