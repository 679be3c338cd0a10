"""The connectivity loss L_η of Hofer et al. (ICML 2019, "COREL"), eq. (3).

For a batch S of latent codes, L_η(S) = Σ_t |ε_t − η| over the finite 0-dim Vietoris–Rips death
times ε_t of S: a plain sum, no division by the batch size. It pulls every MST edge of the batch
towards length η, so that balls of radius η/2 around the codes just touch.

The loss runs in every training step, so it is one fused autograd node: one compiled call builds
each block's tree with Prim's algorithm and sums the loss in float64, and the backward pass
scatters sign(ε_t − η) · ∂ε_t/∂z onto the two endpoints of each edge in a second compiled call.
Its value and gradient equal the composition `vr0_persistence` → |deaths − η|.sum() (tested).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from corel_core.topology._mst import connectivity_backward, connectivity_forward
from corel_core.topology.persistence import (
    NonFiniteInputError,
    TopologyError,
    bad_rows_message,
    check_metric,
)


def branch_blocks(z: Tensor, branches: int) -> list[Tensor]:
    """Cut the latent (b, D) into `branches` equal contiguous column blocks (b, D / branches)."""
    _check_branches(z, branches)
    return list(torch.split(z, z.shape[1] // int(branches), dim=1))


def _check_branches(z: Tensor, branches: int) -> None:
    if not isinstance(z, Tensor) or not z.is_floating_point():
        raise TopologyError("latent codes must be a floating-point torch tensor.")
    if z.ndim != 2:
        raise TopologyError(f"latent codes must be 2-D (batch × dim), got shape {tuple(z.shape)}.")
    if isinstance(branches, bool) or not isinstance(branches, numbers.Integral) or branches < 1:
        raise TopologyError(f"branches must be a positive integer, not {branches!r}.")
    dim = z.shape[1]
    if dim % branches:
        raise TopologyError(
            f"branches ({branches}) must divide the latent dimension ({dim}) into equal blocks."
        )


def _host_array(z: Tensor) -> np.ndarray:
    """Detached, C-contiguous float32/float64 numpy view (or copy) of z for the kernels."""
    host = z.detach()
    if host.device.type != "cpu":
        host = host.cpu()
    if host.dtype not in (torch.float32, torch.float64):
        host = host.to(torch.float64)
    return np.ascontiguousarray(host.numpy())


class _ConnectivityLoss(torch.autograd.Function):
    """Autograd node for a loss value already computed by `connectivity_forward`."""

    @staticmethod
    def forward(ctx, z: Tensor, loss: float, kernel_args: tuple) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(z)
        ctx.kernel_args = kernel_args  # (edges, lengths, eta, metric)
        return torch.tensor(loss, dtype=z.dtype, device=z.device)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> tuple[Tensor, None, None]:  # type: ignore[override]
        (z,) = ctx.saved_tensors
        scale = float(grad_out)  # a scalar: fold it into the kernel instead of a torch multiply
        grad = connectivity_backward(_host_array(z), *ctx.kernel_args, scale)
        return torch.from_numpy(grad).to(device=z.device, dtype=z.dtype), None, None


def connectivity_loss_and_deaths(
    z: Tensor, eta: float, metric: str = "l1", branches: int = 1
) -> tuple[Tensor, Tensor]:
    """`connectivity_loss` plus the batch's death times, (branches, b-1) ascending, detached cpu.

    The deaths come free with the loss (same kernel call), for training logs such as death_stats.
    """
    code = check_metric(metric)
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not math.isfinite(eta):
        raise TopologyError(f"eta must be a finite number, not {eta!r}.")
    if eta < 0:
        raise TopologyError(f"eta is a target distance and must be non-negative, not {eta}.")
    _check_branches(z, branches)
    x = _host_array(z)
    loss, edges, lengths, bad = connectivity_forward(x, code, float(eta), int(branches))
    if bad >= 0:
        rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
        raise NonFiniteInputError(bad_rows_message(rows).replace("points", "latent codes"))
    value = _ConnectivityLoss.apply(z, loss, (edges, lengths, float(eta), code))
    return value, torch.from_numpy(np.sort(lengths, axis=1, kind="stable"))


def connectivity_loss(z: Tensor, eta: float, metric: str = "l1", branches: int = 1) -> Tensor:
    """COREL loss of a batch of codes z (b, D); with K branches, the MEAN of the K block losses.

    Zero-length bars (duplicate codes) are dropped, as in the official code: the distance has no
    gradient there and they would only add a constant η each. The mean over branches also follows
    the official code (the paper's caption says "summed", a factor K in the effective weight λ).
    """
    return connectivity_loss_and_deaths(z, eta, metric, branches)[0]
