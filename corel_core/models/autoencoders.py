"""Deterministic autoencoders: MLP, linear (PCA span), the lecture conv AE, COREL's branch conv AE.

The branch conv AE follows Hofer et al. (ICML 2019, COREL): Conv C→32→64→128 (k3, s2, p1,
LeakyReLU), a block-diagonal ("branch") linear into K independent latent blocks, and a mirrored
decoder of ConvTranspose layers (k3, s2, p1, output_padding 1, ReLU) without batch norm.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor, nn

from corel_core.models.base import Autoencoder, make_activation, mlp


class BranchLinear(nn.Module):
    """Block-diagonal linear map: input block k (in/K wide) feeds only output block k (out/K wide).

    Equivalent to K independent ``nn.Linear`` layers, stored as one weight of shape (K, in/K, out/K)
    and applied with one einsum.
    """

    def __init__(self, in_features: int, out_features: int, branches: int):
        super().__init__()
        if branches < 1 or in_features % branches or out_features % branches:
            raise ValueError(
                f"a branch-linear layer needs {branches} branches to divide both its input "
                f"({in_features}) and output ({out_features}) widths."
            )
        self.branches = branches
        self.in_k = in_features // branches
        self.out_k = out_features // branches
        bound = 1.0 / math.sqrt(self.in_k)  # same init as nn.Linear for each branch
        self.weight = nn.Parameter(
            torch.empty(branches, self.in_k, self.out_k).uniform_(-bound, bound)
        )
        self.bias = nn.Parameter(torch.empty(branches, self.out_k).uniform_(-bound, bound))

    def forward(self, x: Tensor) -> Tensor:
        """Apply each branch's linear map to its own slice of the features."""
        blocks = x.reshape(x.shape[0], self.branches, self.in_k)
        out = torch.einsum("bki,kio->bko", blocks, self.weight) + self.bias
        return out.reshape(x.shape[0], self.branches * self.out_k)


class MLPAutoencoder(Autoencoder):
    """Fully connected AE on flattened inputs; ``linear=True`` drops every nonlinearity (PCA)."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        hidden: tuple[int, ...] = (256, 128),
        activation: str = "relu",
        decoder: str = "bernoulli",
        linear: bool = False,
    ):
        super().__init__(input_shape, latent_dim, "gaussian" if linear else decoder)
        n_in = math.prod(self.input_shape)
        act = "identity" if linear else activation
        self.encoder = mlp([n_in, *hidden, latent_dim], act)
        self.decoder = mlp([latent_dim, *reversed(hidden), n_in], act)

    def encode(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        """Flatten and map to the code."""
        return self.encoder(x.flatten(1))

    def decode_logits(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Map codes back and restore the input layout."""
        return self.decoder(z).reshape(z.shape[0], *self.input_shape)


def _image_shape(input_shape: tuple[int, ...], kind: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise ValueError(
            f"the {kind!r} model needs image inputs of shape (channels, height, width), "
            f"not {tuple(input_shape)}; use 'mlp' for point clouds."
        )
    c, h, w = (int(s) for s in input_shape)
    return c, h, w


class ConvAutoencoder(Autoencoder):
    """The lecture's conv AE: 16 and 8 filters with 2×2 max-pooling (28×28 → 4×4×8), then a linear.

    Pooling uses ceil mode (Keras 'same'), so any image size works; the decoder upsamples back to
    the exact intermediate sizes of the encoder.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        activation: str = "relu",
        decoder: str = "bernoulli",
    ):
        super().__init__(input_shape, latent_dim, decoder)
        c, h, w = _image_shape(self.input_shape, "conv")
        sizes = [(h, w)]
        for _ in range(3):
            sizes.append((math.ceil(sizes[-1][0] / 2), math.ceil(sizes[-1][1] / 2)))
        self.code_shape = (8, *sizes[3])
        code = math.prod(self.code_shape)

        def act() -> nn.Module:
            return make_activation(activation)

        def pool() -> nn.Module:
            return nn.MaxPool2d(2, ceil_mode=True)

        self.encoder = nn.Sequential(
            nn.Conv2d(c, 16, 3, padding=1), act(), pool(),
            nn.Conv2d(16, 8, 3, padding=1), act(), pool(),
            nn.Conv2d(8, 8, 3, padding=1), act(), pool(),
            nn.Flatten(),
            nn.Linear(code, latent_dim),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, code), act(),
            nn.Unflatten(1, self.code_shape),
            nn.Conv2d(8, 8, 3, padding=1), act(), nn.Upsample(size=sizes[2]),
            nn.Conv2d(8, 8, 3, padding=1), act(), nn.Upsample(size=sizes[1]),
            nn.Conv2d(8, 16, 3, padding=1), act(), nn.Upsample(size=sizes[0]),
            nn.Conv2d(16, c, 3, padding=1),
        )  # fmt: skip

    def encode(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        """Conv/pool stack, then a linear to latent_dim."""
        return self.encoder(x)

    def decode_logits(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Linear back to the 8-channel code map, then conv + nearest upsampling."""
        return self.decoder(z)


class BranchConvAutoencoder(Autoencoder):
    """COREL's CIFAR AE: strided convs, branch-linear into ``branches`` independent latent blocks.

    Works for any image size: the decoder's output (a power-of-two multiple of the code map) is
    cropped to the input height and width (top-left, which matches the stride-2 alignment).
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        latent_dim: int,
        branches: int = 1,
        channels: tuple[int, ...] = (32, 64, 128),
        decoder: str = "gaussian",
    ):
        super().__init__(input_shape, latent_dim, decoder)
        c, h, w = _image_shape(self.input_shape, "branch_conv")
        if not channels:
            raise ValueError(
                "the 'branch_conv' model needs at least one conv layer (conv_channels)."
            )
        self.branches = branches
        widths = [c, *channels]
        enc: list[nn.Module] = []
        for n_in, n_out in itertools.pairwise(widths):
            enc += [nn.Conv2d(n_in, n_out, 3, stride=2, padding=1), nn.LeakyReLU()]
            h, w = (h + 1) // 2, (w + 1) // 2
        self.conv = nn.Sequential(*enc)
        self.code_shape = (widths[-1], h, w)
        flat = math.prod(self.code_shape)
        if flat % branches:
            raise ValueError(
                f"the conv features ({flat} numbers) cannot be split into {branches} branches; "
                "choose a number of branches that divides the last conv channel count."
            )
        self.to_latent = BranchLinear(flat, latent_dim, branches)
        self.from_latent = BranchLinear(latent_dim, flat, branches)
        dec: list[nn.Module] = []  # no activation after the branch-linear (as the official code)
        back = widths[::-1]
        for i, (n_in, n_out) in enumerate(itertools.pairwise(back)):
            dec.append(nn.ConvTranspose2d(n_in, n_out, 3, stride=2, padding=1, output_padding=1))
            if i < len(back) - 2:
                dec.append(nn.ReLU())
        self.deconv = nn.Sequential(*dec)

    def encode(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        """Strided convs, flatten, branch-linear to the K latent blocks (concatenated)."""
        return self.to_latent(self.conv(x).flatten(1))

    def decode_logits(self, z: Tensor, task: Tensor | None = None) -> Tensor:
        """Branch-linear back to the code map, transposed convs, crop to the input size."""
        maps = self.from_latent(z).reshape(z.shape[0], *self.code_shape)
        out = self.deconv(maps)
        return out[..., : self.input_shape[1], : self.input_shape[2]]
