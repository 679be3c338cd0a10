"""Estimators of I(S;Z) between a discrete label S and a continuous code Z, and Theorem 1.

Every estimator returns an `MIEstimate` in nats; see each function for whether it is a lower
bound (classifier, InfoNCE, held-out mixture), a consistent estimate (kNN) or a plug-in (mixture).
"""

from __future__ import annotations

from corel_core.mi.base import MIError, MIEstimate, entropy_of_labels
from corel_core.mi.bounds import classifier_mi, infonce_mi
from corel_core.mi.knn import knn_mi
from corel_core.mi.mixture import decompose_kl, mixture_mi

__all__ = [
    "MIError",
    "MIEstimate",
    "classifier_mi",
    "decompose_kl",
    "entropy_of_labels",
    "infonce_mi",
    "knn_mi",
    "mixture_mi",
]
