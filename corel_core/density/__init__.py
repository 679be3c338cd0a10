"""Density tools for latent spaces: KDE bandwidth rules, KDE and ball-count scores, AUROC, the
one-class protocol of Hofer et al. (2019) and a densification diagnostic."""

from __future__ import annotations

from ._checks import DensityError
from .auroc import auroc, roc_curve_points
from .bandwidth import (
    CVBandwidth,
    bandwidth_factor,
    bandwidth_table,
    cv_bandwidth,
    eta_bandwidth,
    isotropic_bandwidth,
    kde_covariance,
    scott_bandwidth,
    silverman_bandwidth,
)
from .densify import nearest_neighbor_distances
from .kde import GaussianKDE, kde_score, log_density_grid
from .oneclass import SCORERS, OneClassResult, one_class_protocol
from .scores import ball_count_score

__all__ = [
    "SCORERS",
    "CVBandwidth",
    "DensityError",
    "GaussianKDE",
    "OneClassResult",
    "auroc",
    "ball_count_score",
    "bandwidth_factor",
    "bandwidth_table",
    "cv_bandwidth",
    "eta_bandwidth",
    "isotropic_bandwidth",
    "kde_covariance",
    "kde_score",
    "log_density_grid",
    "nearest_neighbor_distances",
    "one_class_protocol",
    "roc_curve_points",
    "scott_bandwidth",
    "silverman_bandwidth",
]
