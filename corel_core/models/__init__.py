"""Autoencoder family: MLP, linear, conv, branch conv (COREL), VAE, CVAE, optimal-prior CVAE."""

from __future__ import annotations

import dataclasses

from corel_core.config import ModelConfig
from corel_core.data.ranges import auto_decoder
from corel_core.models.autoencoders import (
    BranchConvAutoencoder,
    BranchLinear,
    ConvAutoencoder,
    MLPAutoencoder,
)
from corel_core.models.base import Autoencoder, ModelOutput, evaluating
from corel_core.models.ratio import RatioEstimator
from corel_core.models.vae import CVAE, VAE, OptimalPriorCVAE

__all__ = [
    "CVAE",
    "VAE",
    "Autoencoder",
    "BranchConvAutoencoder",
    "BranchLinear",
    "ConvAutoencoder",
    "MLPAutoencoder",
    "ModelOutput",
    "OptimalPriorCVAE",
    "RatioEstimator",
    "build_model",
    "evaluating",
    "resolved_decoder",
]


def resolved_decoder(
    cfg: ModelConfig,
    input_shape: tuple[int, ...],
    value_range: tuple[float, float] | None = None,
) -> str:
    """The decoder an "auto" config gets: Bernoulli for (C, H, W) images in [0, 1], else Gaussian.

    `value_range` is the data's (min, max): outside [0, 1] a sigmoid output could never
    reconstruct it (rule and wording in corel_core.data.ranges).
    """
    if cfg.decoder != "auto":
        return cfg.decoder
    return auto_decoder(cfg.kind, input_shape, value_range)


def build_model(cfg: ModelConfig, input_shape: tuple[int, ...], n_tasks: int = 1) -> Autoencoder:
    """Build the model ``cfg.kind`` for samples of ``input_shape`` (``n_tasks`` tasks for CVAEs)."""
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"input_shape must be a tuple of positive sizes, not {input_shape!r}.")
    if cfg.decoder == "auto":
        cfg = dataclasses.replace(cfg, decoder=resolved_decoder(cfg, shape))
    kind = cfg.kind
    if kind == "mlp":
        return MLPAutoencoder(shape, cfg.latent_dim, cfg.hidden, cfg.activation, cfg.decoder)
    if kind == "linear":
        return MLPAutoencoder(shape, cfg.latent_dim, cfg.hidden, linear=True)
    if kind == "conv":
        return ConvAutoencoder(shape, cfg.latent_dim, cfg.activation, cfg.decoder)
    if kind == "branch_conv":
        return BranchConvAutoencoder(
            shape, cfg.latent_dim, cfg.branches, cfg.conv_channels, cfg.decoder
        )
    if kind == "vae":
        return VAE(shape, cfg.latent_dim, cfg.hidden, cfg.activation, cfg.decoder)
    if kind == "cvae":
        return CVAE(shape, cfg.latent_dim, n_tasks, cfg.hidden, cfg.activation, cfg.decoder)
    if kind == "cvae_optimal":
        return OptimalPriorCVAE(
            shape, cfg.latent_dim, n_tasks, cfg.hidden, cfg.activation, cfg.decoder
        )
    raise ValueError(f"unknown model kind {kind!r}.")
