"""Isotropic Gaussian kernel density estimator in the scikit-learn style, plus 2-D density maps."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ._checks import DensityError, as_points, check_metric, check_positive
from ._kernel import DEFAULT_CHUNK_BYTES, log_kde
from .bandwidth import RULES, CVBandwidth, cv_bandwidth, eta_bandwidth, isotropic_bandwidth

BANDWIDTH_RULES = (*RULES, "eta", "cv")
MAX_FIT_POINTS = 200_000  # each score is a sum over every training point: refuse more
MAX_PAIRS = 2 * 10**10  # query × training pairs one score_samples call may evaluate


class GaussianKDE(BaseEstimator):
    """Gaussian KDE with one scalar bandwidth σ (kernel covariance σ²I), chunked logsumexp scoring.

    `bandwidth` is a positive float or a rule: "scott"/"silverman" (isotropic, see
    isotropic_bandwidth), "eta" (eta_bandwidth(eta, n_features, metric)) or "cv" (cv_bandwidth).
    """

    def __init__(
        self,
        *,
        bandwidth: float | str = "scott",
        eta: float = 2.0,
        metric: str = "l1",
        cv_folds: int = 5,
        seed: int = 0,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self.bandwidth = bandwidth
        self.eta = eta
        self.metric = metric
        self.cv_folds = cv_folds
        self.seed = seed
        self.chunk_bytes = chunk_bytes

    def _resolve_bandwidth(self, x: np.ndarray) -> float:
        bw = self.bandwidth
        if isinstance(bw, str):
            if bw in RULES:
                return isotropic_bandwidth(x, bw)
            if bw == "eta":
                check_metric(self.metric)
                return eta_bandwidth(self.eta, x.shape[1], self.metric)
            if bw == "cv":
                self.cv_result_ = cv_bandwidth(x, folds=self.cv_folds, seed=self.seed)
                return self.cv_result_.bandwidth
            raise DensityError(
                f"bandwidth must be a positive number or one of {', '.join(BANDWIDTH_RULES)}, "
                f"not {bw!r}."
            )
        return check_positive(bw, "bandwidth")

    def fit(self, x: object, y: object = None) -> GaussianKDE:
        """Store the training points and resolve the bandwidth; `y` is ignored (sklearn API)."""
        arr = as_points(x, "x", min_rows=1)
        if len(arr) > MAX_FIT_POINTS:
            raise DensityError(
                f"{len(arr):,} training points is more than the KDE cap of {MAX_FIT_POINTS:,}; "
                "subsample them first."
            )
        if isinstance(self.bandwidth, str) and self.bandwidth in ("scott", "silverman", "cv"):
            arr = as_points(arr, "x", min_rows=2)
        self.cv_result_: CVBandwidth | None = None
        self.bandwidth_ = float(self._resolve_bandwidth(arr))
        self.X_ = arr
        self.n_samples_fit_, self.n_features_ = arr.shape
        self.n_features_in_ = self.n_features_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "bandwidth_"):
            raise DensityError("This GaussianKDE is not fitted yet; call fit(x) first.")

    def score_samples(self, y: object) -> np.ndarray:
        """Log-density log p(y) for each row of `y`, shape (len(y),)."""
        self._check_fitted()
        arr = as_points(y, "y")
        if arr.shape[1] != self.n_features_:
            raise DensityError(
                f"y has {arr.shape[1]} features but the KDE was fitted on {self.n_features_}."
            )
        if len(arr) * self.n_samples_fit_ > MAX_PAIRS:
            raise DensityError(
                f"scoring {len(arr):,} points against {self.n_samples_fit_:,} training points "
                f"exceeds the KDE cap of {MAX_PAIRS:,} pairs; score fewer points at a time."
            )
        h = np.array([self.bandwidth_])
        return log_kde(self.X_, arr, h, self.chunk_bytes)[0]

    def score(self, y: object, z: object = None) -> float:
        """Total log-likelihood of `y` (sklearn convention); `z` is ignored."""
        return float(self.score_samples(y).sum())


def kde_score(
    train: object, test: object, bandwidth: float | str = "scott", **kwargs: object
) -> np.ndarray:
    """Log-density of each test point under a GaussianKDE fitted on `train` (kwargs go to it)."""
    return GaussianKDE(bandwidth=bandwidth, **kwargs).fit(train).score_samples(test)


def log_density_grid(
    kde: GaussianKDE,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    n: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate a fitted 2-D KDE on an n×n grid: (xs, ys, logp) with logp[j, i] at (xs[i], ys[j]).

    The row-is-y layout matches plotly's Heatmap/Contour `z` argument.
    """
    kde._check_fitted()
    if kde.n_features_ != 2:
        raise DensityError(f"A density map needs a 2-D KDE; this one has {kde.n_features_} dims.")
    if int(n) != n or n < 2:
        raise DensityError(f"n must be an integer of at least 2, not {n!r}.")
    for name, (lo, hi) in (("xlim", xlim), ("ylim", ylim)):
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise DensityError(f"{name} must be (low, high) with low < high, not {(lo, hi)}.")
    xs = np.linspace(xlim[0], xlim[1], int(n))
    ys = np.linspace(ylim[0], ylim[1], int(n))
    gx, gy = np.meshgrid(xs, ys)
    logp = kde.score_samples(np.column_stack([gx.ravel(), gy.ravel()])).reshape(len(ys), len(xs))
    return xs, ys, logp
