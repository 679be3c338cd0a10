"""Density-ratio discriminator T(z) ≈ ln q(z)/p(z) for the optimal-prior CVAE.

Takahashi et al. (AAAI 2019, KDD 2022): a classifier trained with logistic loss to tell encoder
samples (label 1) from prior samples N(0, I) (label 0) has logit T(z) = ln q(z)/p(z) at the optimum.
"""

from __future__ import annotations

from torch import Tensor, nn

from corel_core.models.base import make_activation


class RatioEstimator(nn.Module):
    """MLP on z only; AAAI-paper defaults (3×500 tanh, dropout 0.5); widths adjustable."""

    def __init__(
        self,
        latent_dim: int,
        hidden: tuple[int, ...] = (500, 500, 500),
        activation: str = "tanh",
        dropout: float = 0.5,
    ):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError("the discriminator's dropout must lie in [0, 1).")
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), make_activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        """Logit T(z), shape (B,): positive where encoder samples are denser than the prior."""
        return self.net(z).squeeze(-1)
