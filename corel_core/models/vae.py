"""Variational autoencoders: VAE, task-conditional CVAE and the optimal-prior CVAE.

Gaussian encoder q(z|x[,s]) = N(mu, diag exp(logvar)) with reparameterised samples; the
conditional models concatenate the one-hot task s to the encoder and decoder inputs
(Takahashi et al., KDD 2022). ``ModelOutput.z`` is the posterior mean.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from corel_core.models.base import Autoencoder, ModelOutput, mlp
from corel_core.models.ratio import RatioEstimator


class VAE(Autoencoder):
    """MLP VAE; with ``n_tasks > 0`` it becomes a CVAE conditioned on a one-hot task id."""

    variational = True

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        hidden: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        decoder: str = "bernoulli",
        n_tasks: int = 0,
    ):
        super().__init__(input_shape, latent_dim, decoder)
        n_in = math.prod(self.input_shape)
        self.n_tasks = int(n_tasks)
        self.register_buffer("task_eye", torch.eye(max(self.n_tasks, 1)), persistent=False)
        body = [n_in + self.n_tasks, *hidden]
        self.encoder = mlp(body, activation, final_activation=True) if hidden else nn.Identity()
        self.mu_head = nn.Linear(body[-1], latent_dim)
        self.logvar_head = nn.Linear(body[-1], latent_dim)
        self.decoder = mlp([latent_dim + self.n_tasks, *reversed(hidden), n_in], activation)

    def _condition(self, h: Tensor, task: Tensor | None) -> Tensor:
        """Append the one-hot task to each row (no-op for an unconditional VAE)."""
        if self.n_tasks == 0:
            return h
        if task is None:
            if self.n_tasks > 1:
                raise ValueError("this conditional model needs a task id for every sample.")
            task = torch.zeros(h.shape[0], dtype=torch.long, device=h.device)
        return torch.cat([h, self.task_eye[task.long()].to(h.dtype)], dim=1)

    def posterior(self, x: Tensor, task: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of q(z|x[,s]), each (B, latent_dim)."""
        h = self.encoder(self._condition(x.flatten(1), task))
        return self.mu_head(h), self.logvar_head(h)

    def encode(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        """Posterior mean: the deterministic code."""
        return self.posterior(x, task)[0]

    def decode_logits(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Decoder p(x|z[,s]) before the output activation, in the input layout."""
        return self.decoder(self._condition(z, task)).reshape(z.shape[0], *self.input_shape)

    def forward(self, x: Tensor, task: Tensor | None = None) -> ModelOutput:
        """Encode, sample z = mu + sigma·eps, decode the sample (the mean in eval mode)."""
        self._check_input(x)
        self._check_task(task)
        mu, logvar = self.posterior(x, task)
        z_sample = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.decode_logits(z_sample if self.training else mu, task)
        return ModelOutput(
            recon=self.output_activation(logits),
            logits=logits,
            z=mu,
            mu=mu,
            logvar=logvar,
            z_sample=z_sample,
        )

    def _check_task(self, task: Tensor | None) -> None:
        if self.n_tasks == 0 or task is None or task.numel() == 0:
            return
        lo, hi = int(task.min()), int(task.max())
        if lo < 0 or hi >= self.n_tasks:
            raise ValueError(
                f"task ids must lie in 0..{self.n_tasks - 1} for this model, got {lo}..{hi}."
            )


class CVAE(VAE):
    """CVAE of the KDD 2022 paper: encoder q(z|x,s), decoder p(x|z,s), prior N(0, I)."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        n_tasks: int,
        hidden: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        decoder: str = "bernoulli",
    ):
        if n_tasks < 1:
            raise ValueError("a conditional VAE needs at least one task.")
        super().__init__(input_shape, latent_dim, hidden, activation, decoder, n_tasks=n_tasks)


class OptimalPriorCVAE(CVAE):
    """CVAE with the aggregated posterior q(z) as prior, via the ratio estimator ``ratio``."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        n_tasks: int,
        hidden: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        decoder: str = "bernoulli",
        ratio: RatioEstimator | None = None,
    ):
        super().__init__(input_shape, latent_dim, n_tasks, hidden, activation, decoder)
        self.ratio = ratio if ratio is not None else RatioEstimator(latent_dim)
