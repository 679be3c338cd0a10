"""AUROC as the Mann–Whitney statistic (ties count ½) and the exact ROC staircase."""

from __future__ import annotations

import numpy as np

from ._checks import DensityError


def _check_scores(scores: object, is_inlier: object) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(is_inlier)
    if s.ndim != 1 or y.ndim != 1 or len(s) != len(y):
        raise DensityError(
            f"scores and is_inlier must be 1-D of equal length, got {s.shape} and {y.shape}."
        )
    if np.isnan(s).any():
        raise DensityError(f"scores contain {int(np.isnan(s).sum())} NaN value(s).")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise DensityError("is_inlier must hold booleans or 0/1 values.")
        y = y.astype(bool)
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == len(y):
        raise DensityError("AUROC needs at least one inlier and one outlier among the scores.")
    return s, y


def auroc(scores: object, is_inlier: object) -> float:
    """P(score of a random inlier > that of a random outlier) + ½·P(tie): Mann–Whitney U / (n⁺n⁻).

    Higher score = more inlier-like; ties matter because ball counts are integers.
    """
    s, y = _check_scores(scores, is_inlier)
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    # average 1-based ranks over tie groups
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    ends = np.r_[starts[1:], len(s)]
    avg_rank = (starts + 1 + ends) / 2.0
    ranks = np.empty(len(s))
    ranks[order] = np.repeat(avg_rank, ends - starts)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_curve_points(
    scores: object, is_inlier: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC staircase (fpr, tpr, thresholds), one point per distinct score, starting at (0, 0).

    thresholds are descending with +inf first; equals sklearn.metrics.roc_curve(...,
    drop_intermediate=False), and the trapezoid area under it equals auroc().
    """
    s, y = _check_scores(scores, is_inlier)
    order = np.argsort(-s, kind="mergesort")
    s_desc, y_desc = s[order], y[order]
    last_of_group = np.r_[s_desc[1:] != s_desc[:-1], True]
    tps = np.cumsum(y_desc)[last_of_group]
    fps = np.cumsum(~y_desc)[last_of_group]
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    thresholds = np.r_[np.inf, s_desc[last_of_group]]
    return fpr, tpr, thresholds
