"""Analyses that compare trained models with classical baselines (e.g. autoencoders vs PCA)."""

from __future__ import annotations

from corel_core.analysis.pca_compare import (
    ComparisonError,
    DeepComparison,
    LinearComparison,
    PCAFit,
    decoder_basis,
    deep_vs_pca,
    fit_pca,
    linear_ae_vs_pca,
    per_sample_mse,
)

__all__ = [
    "ComparisonError",
    "DeepComparison",
    "LinearComparison",
    "PCAFit",
    "decoder_basis",
    "deep_vs_pca",
    "fit_pca",
    "linear_ae_vs_pca",
    "per_sample_mse",
]
