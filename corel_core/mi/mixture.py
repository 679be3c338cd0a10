"""Plug-in Monte Carlo on an encoder's Gaussian mixtures: I(S;Z) and the Theorem-1 decomposition.

q(z) = (1/N) sum_n N(z; mu_n, diag exp(logvar_n)) is the aggregated posterior and q(z|S=k) the
same mixture over the points of task k (Takahashi et al., KDD 2022, Theorem 1). Component
log-densities come from differences z - mu (`corel_core.mi._gauss`), never from the expansion
z^2 - 2 z mu + mu^2, and are combined with logsumexp in float64, in chunks of samples so memory
stays near 32 MB for any N.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import entr, logsumexp

from corel_core.mi._gauss import LOG_2PI, log_components
from corel_core.mi.base import (
    MIError,
    MIEstimate,
    check_codes,
    check_labels,
    entropy_of_labels,
    make_estimate,
)

CHUNK_ELEMENTS = 2**22  # samples x components evaluated at once (float64: 32 MB per matrix)
LOGVAR_MIN = -60.0  # variance 1e-26: below this exp(-logvar) approaches float64 overflow
LOG_PROB_FLOOR = math.log(1e-12)  # q(s|z) is clipped here, as in classifier_mi


class _Mixture:
    """Diagonal Gaussian mixture with components sorted by label, for per-class log densities."""

    def __init__(self, mu: np.ndarray, logvar: np.ndarray, codes: np.ndarray, k: int) -> None:
        order = np.argsort(codes, kind="stable")
        self.mu, self.logvar = mu[order], logvar[order]
        self.counts = np.bincount(codes, minlength=k)
        self.bounds = np.concatenate([[0], np.cumsum(self.counts)])

    def log_densities(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ln q(z) (M,) and ln q(z|S=k) (M, K) for samples z (M, d), chunked over M."""
        n = self.mu.shape[0]
        k = self.counts.size
        chunk = max(1, CHUNK_ELEMENTS // n)
        log_q = np.empty(z.shape[0])
        log_qk = np.empty((z.shape[0], k))
        for start in range(0, z.shape[0], chunk):
            rows = slice(start, start + chunk)
            log_comp = log_components(z[rows], self.mu, self.logvar)
            log_q[rows] = logsumexp(log_comp, axis=1) - math.log(n)
            for j in range(k):
                lo, hi = self.bounds[j], self.bounds[j + 1]
                log_qk[rows, j] = logsumexp(log_comp[:, lo:hi], axis=1) - math.log(hi - lo)
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


def _sample_by_class(
    mu: np.ndarray, logvar: np.ndarray, labels: np.ndarray, n_samples: int, rng
) -> tuple[np.ndarray, np.ndarray]:
    """z ~ q(z|S=k) for each class k present: max(2, round(n_samples N_k / N)) draws per class.

    Each class's draws cycle through a random order of its points, so every class is sampled
    (a 100-point task among 5,000 too) and the class averages are then weighted exactly.
    """
    if n_samples < 2:
        raise MIError("n_samples must be at least 2.")
    zs, labs = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        m = max(2, round(n_samples * members.size / labels.size))
        reps = math.ceil(m / members.size)
        idx = np.concatenate([rng.permutation(members) for _ in range(reps)])[:m]
        eps = rng.standard_normal((m, mu.shape[1]))
        zs.append(mu[idx] + np.exp(0.5 * logvar[idx]) * eps)
        labs.append(np.full(m, label))
    return np.concatenate(zs), np.concatenate(labs)


def _by_class(values: np.ndarray, lab: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """sum_k w_k mean(values | lab = k) and its standard error (stratified sampling)."""
    total, var = 0.0, 0.0
    for label in np.unique(lab):
        v = values[lab == label]
        total += weights[label] * v.mean()
        var += weights[label] ** 2 * v.var(ddof=1) / v.size
    return float(total), math.sqrt(var)


def mixture_mi(
    mu: np.ndarray,
    logvar: np.ndarray,
    s: np.ndarray,
    n_samples: int = 4096,
    seed: int = 0,
    held_out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> MIEstimate:
    """Monte Carlo I(S;Z) of the encoder's mixtures; interval = value -/+ 1.96 MC standard errors.

    Without ``held_out``: z ~ q(z|S=k) for each task and I = H(S) - sum_k pi_k E[H(q(.|z))],
    with q(k|z) = pi_k q(z|k) / q(z) (exact up to MC error; with narrow posteriors it tends to
    H(S) on training data). The value is at most H(S) by construction (an entropy is >= 0); it
    can dip below 0 by MC error and is not clipped.

    With ``held_out = (mu', logvar', s')``: the per-task mixtures q_train(z|k) come from the
    training points, z ~ q(z|x'_m) from held-out points, and the value is the Barber–Agakov
    bound H'(S) + sum_k pi'_k E[ln q'(k|z) | S = k], where pi' are the held-out task
    proportions and q'(k|z) = pi'_k q_train(z|k) / sum_j pi'_j q_train(z|j) the Bayes
    classifier of the held-out task mix (the training proportions would bias it whenever the
    two mixes differ). H'(S) is the plug-in entropy of the held-out labels; q'(k|z) is clipped
    at 1e-12, and the value is at most H'(S) by construction. Posteriors much narrower than the
    gaps between points make that classifier overconfident, and the value then goes strongly
    negative.

    Args:
        mu, logvar: (N, d) posterior means and log-variances (>= -60) of the training points.
        s: (N,) their task labels, at least two tasks.
        n_samples: Monte Carlo samples, split over the tasks in proportion (>= 2 per task).
        seed: seed of numpy's default generator.
        held_out: optional (mu', logvar', s') of held-out points; every held-out task must occur
            in ``s``; at least two tasks.

    Raises:
        MIError: bad shapes or values, one task only, unknown held-out tasks, n_samples < 2.
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
        z, lab = _sample_by_class(mu, logvar, codes, n_samples, rng)
        log_q, log_qk = mix.log_densities(z)
        post = np.clip(np.exp(log_pi[None, :] + log_qk - log_q[:, None]), 0.0, 1.0)
        post_entropy = entr(post).sum(axis=1)  # >= 0, so the value never exceeds H(S)
        h_s = entropy_of_labels(codes)
        mean_h, se = _by_class(post_entropy, lab, counts / n)
        note = (
            "Plug-in I(S;Z) of the encoder's Gaussian mixtures on these points (MC, not a bound); "
            "on training data narrow posteriors push it toward H(S), so check a held-out estimate."
        )
        return make_estimate(h_s - post_entropy, h_s, "mixture", note, value=h_s - mean_h, se=se)

    if not isinstance(held_out, (tuple, list)) or len(held_out) != 3:
        raise MIError("held_out must be a tuple (mu, logvar, s) of the held-out points.")
    mu_h, logvar_h = _check_posteriors(held_out[0], held_out[1], "held-out ")
    if mu_h.shape[1] != mu.shape[1]:
        raise MIError(
            f"Held-out codes have {mu_h.shape[1]} dimensions but training codes have {mu.shape[1]}."
        )
    s_h = np.asarray(held_out[2]).reshape(-1)
    check_labels(s_h, mu_h.shape[0])
    classes = np.unique(raw_s)
    unknown = np.setdiff1d(np.unique(s_h), classes)
    if unknown.size:
        raise MIError(f"Held-out labels {unknown.tolist()} do not occur in the training labels.")
    codes_h = np.searchsorted(classes, s_h)
    pi_h = np.bincount(codes_h, minlength=k) / codes_h.size
    z, lab = _sample_by_class(mu_h, logvar_h, codes_h, n_samples, rng)
    _, log_qk = mix.log_densities(z)
    with np.errstate(divide="ignore"):  # tasks absent from the held-out set get pi' = 0
        log_pi_h = np.log(pi_h)
    joint = log_pi_h[None, :] + log_qk
    log_post = joint[np.arange(lab.size), lab] - logsumexp(joint, axis=1)
    log_post = np.clip(log_post, LOG_PROB_FLOOR, 0.0)
    h_s = entropy_of_labels(codes_h)
    mean_lp, se = _by_class(log_post, lab, pi_h)
    note = (
        "Held-out lower bound H(S) + E ln q(s|z): training mixtures, held-out task proportions, "
        "scored on codes of unseen points; negative values mean the training mixtures do not "
        "generalise."
    )
    return make_estimate(h_s + log_post, h_s, "mixture_held_out", note, value=h_s + mean_lp, se=se)


def decompose_kl(
    mu: np.ndarray, logvar: np.ndarray, s: np.ndarray, n_samples: int = 4096, seed: int = 0
) -> dict[str, float]:
    """Theorem 1: mean KL(q(z|x,s)||N(0,I)) = I(S;Z) + KL(q(z)||N(0,I)) + sum_k pi_k I(X;Z|S=k).

    All three terms use the same samples z ~ q(z|x_n), so they add up per sample to
    ln q(z|x_n) - ln p(z); ``residual`` = closed-form avg_kl - their sum is pure MC error.
    Returns the terms, avg_kl, residual, h_s and a standard error ``se_<term>`` for each.
    ``i_sz`` here is the mean of ln q(s|z)/pi_s on those shared samples: not clipped, and it
    can exceed H(S) by MC error when n_samples is not a multiple of N; report `mixture_mi`'s
    value as I(S;Z). Gaussian log-densities are formed from differences z - mu, so narrow
    posteriors far from the origin (logvar down to -60) stay exact.
    """
    mu, logvar = _check_posteriors(mu, logvar)
    codes, counts = check_labels(s, mu.shape[0])
    if n_samples < 2:
        raise MIError("n_samples must be at least 2.")
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
