"""Common base of every autoencoder: the output record and the encode/decode/forward contract.

Subclasses implement ``encode`` (data → deterministic code) and ``decode_logits`` (code → data-space
values before the output activation); the base adds the output activation chosen by
``ModelConfig.decoder``: a sigmoid for Bernoulli decoders, the identity for Gaussian ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "identity": nn.Identity,
}


@contextmanager
def evaluating(model: nn.Module) -> Iterator[torch.device]:
    """Eval mode inside the block, the previous mode restored after; yields the model's device."""
    was_training = model.training
    model.eval()
    try:
        yield next(model.parameters()).device
    finally:
        model.train(was_training)


@dataclass
class ModelOutput:
    """Everything one forward pass produces; VAEs also fill mu, logvar and z_sample."""

    recon: Tensor  # data-space reconstruction, same shape as x (after the output activation)
    logits: Tensor  # decoder output before the output activation (== recon for Gaussian decoders)
    z: Tensor  # deterministic code (the posterior mean for VAEs), (B, latent_dim)
    mu: Tensor | None = None
    logvar: Tensor | None = None
    z_sample: Tensor | None = None


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for one of ``config.ACTIVATIONS``."""
    try:
        return _ACTIVATIONS[name]()
    except KeyError as exc:
        raise ValueError(
            f"unknown activation {name!r}; use one of {', '.join(_ACTIVATIONS)}."
        ) from exc


def mlp(widths: list[int], activation: str, final_activation: bool = False) -> nn.Sequential:
    """Linear layers through ``widths`` with an activation between them (and optionally after)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2 or final_activation:
            layers.append(make_activation(activation))
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Base of every model: ``encode`` → code, ``decode`` → data space, ``forward`` → both."""

    variational: bool = False

    def __init__(self, input_shape: tuple[int, ...], latent_dim: int, decoder: str = "bernoulli"):
        super().__init__()
        if decoder not in ("bernoulli", "gaussian"):
            raise ValueError("decoder must be 'bernoulli' or 'gaussian'.")
        self.input_shape = tuple(int(s) for s in input_shape)
        self.latent_dim = int(latent_dim)
        self.decoder_kind = decoder

    def encode(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        """Deterministic code of x, shape (B, latent_dim)."""
        raise NotImplementedError

    def decode_logits(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Decoder output before the output activation, shape (B, *input_shape)."""
        raise NotImplementedError

    def output_activation(self, logits: Tensor) -> Tensor:
        """Sigmoid for Bernoulli decoders (outputs are pixel probabilities), identity otherwise."""
        return torch.sigmoid(logits) if self.decoder_kind == "bernoulli" else logits

    def decode(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Data-space output for codes z, same layout as the inputs."""
        return self.output_activation(self.decode_logits(z, task))

    def forward(self, x: Tensor, task: Tensor | None = None) -> ModelOutput:
        """Encode, decode and return every intermediate the losses need."""
        self._check_input(x)
        z = self.encode(x, task)
        logits = self.decode_logits(z, task)
        return ModelOutput(recon=self.output_activation(logits), logits=logits, z=z)

    def _check_input(self, x: Tensor) -> None:
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"this model was built for inputs of shape {self.input_shape}, "
                f"got a batch of shape {tuple(x.shape[1:])}."
            )
