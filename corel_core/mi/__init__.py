"""Estimators of I(S;Z) between a discrete label S and a continuous code Z, and Theorem 1.

Every estimator returns an `MIEstimate` in nats. Lower bounds: the cross-fitted classifier bound
(gradient boosting, with a logistic cross-check), InfoNCE and the held-out mixture bound. kNN is
an estimate, not a bound: consistent only as N grows, biased low in several dimensions with few
points. The training mixture is a plug-in. Sample codes z ~ q(z|x) with `sample_posterior`;
estimates on posterior means are I(S;mu) and are labelled so (``codes="means"``).
"""

from __future__ import annotations

from corel_core.mi.base import MIError, MIEstimate, entropy_of_labels
from corel_core.mi.bounds import classifier_mi, infonce_mi
from corel_core.mi.knn import knn_mi
from corel_core.mi.mixture import decompose_kl, mixture_mi
from corel_core.mi.sampling import PosteriorDraws, sample_posterior

__all__ = [
    "MIError",
    "MIEstimate",
    "PosteriorDraws",
    "classifier_mi",
    "decompose_kl",
    "entropy_of_labels",
    "infonce_mi",
    "knn_mi",
    "mixture_mi",
    "sample_posterior",
]
