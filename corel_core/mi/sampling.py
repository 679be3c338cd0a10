"""Draw codes z ~ q(z|x) = N(mu(x), diag exp(logvar(x))) for the sample-based I(S;Z) estimators.

I(S;Z) is about the encoder's stochastic code Z, not its mean: estimating it on posterior means
gives I(S;mu), which can be far larger (narrow task-specific means, wide posteriors). Use
`sample_posterior` and hand its ``z``, ``s`` and ``groups`` to `classifier_mi`, `knn_mi` or
`infonce_mi`; ``groups`` keeps the draws of one point together when data are split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corel_core.mi.base import MIError, check_codes

LOGVAR_RANGE = (-60.0, 60.0)  # exp(logvar / 2) stays a normal float64 inside this range


@dataclass(frozen=True)
class PosteriorDraws:
    """Codes drawn from diagonal Gaussian posteriors, draw-major.

    ``z`` (draws * N, d) float64; row ``r * N + n`` is draw r of point n. ``s`` (draws * N,) the
    labels repeated; ``groups`` (draws * N,) int64 the point index n of each row; ``draws``.
    """

    z: np.ndarray
    s: np.ndarray
    groups: np.ndarray
    draws: int


def sample_posterior(
    mu: np.ndarray, logvar: np.ndarray, s: np.ndarray, *, draws: int = 1, seed: int = 0
) -> PosteriorDraws:
    """Draw ``draws`` codes per point, z = mu + exp(logvar / 2) * eps with eps ~ N(0, I).

    Args:
        mu, logvar: (N, d) posterior means and log-variances (natural log of the variance);
            a 1-D array is one column.
        s: (N,) labels (task or class), repeated for every draw.
        draws: draws per point (>= 1); several draws lower the Monte Carlo noise of I(S;Z).
        seed: seed of numpy's default generator; the same seed gives the same draws.

    Returns:
        `PosteriorDraws`. Example: ``d = sample_posterior(mu, logvar, s, draws=2)`` then
        ``classifier_mi(d.z, d.s, groups=d.groups)``.

    Raises:
        MIError: shapes differ, non-finite values, logvar outside [-60, 60], draws < 1.
    """
    if int(draws) != draws or draws < 1:
        raise MIError(f"draws must be a positive integer, not {draws!r}.")
    mu_a = check_codes(mu, "mu")
    lv = np.asarray(logvar)
    if lv.ndim == 1 and mu_a.shape[1] == 1:
        lv = lv[:, None]
    if lv.shape != mu_a.shape:
        raise MIError(f"logvar must have the same shape as mu {mu_a.shape}; got {lv.shape}.")
    lv = check_codes(lv, "logvar")
    if lv.min() < LOGVAR_RANGE[0] or lv.max() > LOGVAR_RANGE[1]:
        raise MIError(
            f"logvar spans [{lv.min():.3g}, {lv.max():.3g}]; it must stay within "
            f"[{LOGVAR_RANGE[0]:g}, {LOGVAR_RANGE[1]:g}] (variances 1e-26 .. 1e26)."
        )
    labels = np.asarray(s).reshape(-1)
    n = mu_a.shape[0]
    if labels.shape[0] != n:
        raise MIError(f"mu has {n} rows but s has {labels.shape[0]} labels; they must match.")
    draws = int(draws)
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((draws, n, mu_a.shape[1]))
    z = (mu_a[None] + np.exp(0.5 * lv)[None] * eps).reshape(draws * n, -1)
    return PosteriorDraws(
        z=z,
        s=np.tile(labels, draws),
        groups=np.tile(np.arange(n, dtype=np.int64), draws),
        draws=draws,
    )
