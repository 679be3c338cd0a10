"""Density-ratio discriminator T(z) ≈ ln q(z)/p(z) for the optimal-prior CVAE.

Takahashi et al. (AAAI 2019, KDD 2022): a classifier trained with logistic loss to tell encoder
samples (label 1) from prior samples N(0, I) (label 0) has logit T(z) = ln q(z)/p(z) at the optimum.
The AAAI code's discriminator is 3×500 tanh with dropout 0.5 once, before the output layer; the
default here keeps that shape (tanh, dropout once before the output) at a width a CPU trains in
seconds: T is a function of the latent code alone (tens of dimensions), and the task-dependency
experiment trains it for ten passes per model step.
"""

from __future__ import annotations

from torch import Tensor, nn

from corel_core.models.base import make_activation

DEFAULT_HIDDEN = (64, 64)


class RatioEstimator(nn.Module):
    """MLP on z only: Linear+activation per hidden width, dropout once, then a linear logit.

    Args:
        latent_dim: size d of the codes z, shape (B, d).
        hidden: widths of the hidden layers (the AAAI paper uses (500, 500, 500)).
        activation: one of ``config.ACTIVATIONS`` (AAAI: tanh).
        dropout: probability of the dropout layer before the output layer, in [0, 1).

    Raises:
        ValueError: dropout outside [0, 1), an unknown activation or a width below 1.
    """

    def __init__(
        self,
        latent_dim: int,
        hidden: tuple[int, ...] = DEFAULT_HIDDEN,
        activation: str = "tanh",
        dropout: float = 0.5,
    ):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError("the discriminator's dropout must lie in [0, 1).")
        if latent_dim < 1 or any(h < 1 for h in hidden):
            raise ValueError("the discriminator's latent size and widths must be at least 1.")
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), make_activation(activation)]
            width = h
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        """Logit T(z), shape (B,) for z of shape (B, d): ≈ ln q(z)/p(z) once trained."""
        return self.net(z).squeeze(-1)
