"""The connectivity loss L_η of Hofer et al. (ICML 2019, "COREL"), eq. (3).

For a batch S of latent codes, L_η(S) = Σ_t |ε_t − η| over the finite 0-dim Vietoris–Rips death
times ε_t of S: a plain sum, no division by the batch size. It pulls every MST edge of the batch
towards length η, so that balls of radius η/2 around the codes just touch.

The loss runs in every training step, so it costs as little glue as possible: one compiled call
builds each block's tree with Prim's algorithm and returns the loss (summed in float64) together
with its gradient, and the autograd graph gets them as value + Σ (z − z̄)·g with z̄ = z detached:
native torch ops whose value is exactly the loss and whose gradient is exactly g, so no Python
runs in the backward pass. The graph is first order (a second derivative through it reads as
zero; nothing in corel takes one). Value and gradient equal the composition
`vr0_persistence` → |deaths − η|.sum() (tested).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from torch import Tensor

from corel_core.topology._mst import connectivity_value_grad
from corel_core.topology.persistence import (
    NonFiniteInputError,
    TopologyError,
    bad_rows_message,
    check_metric,
)


def branch_blocks(z: Tensor, branches: int) -> list[Tensor]:
    """Cut the latent (b, D) into `branches` equal contiguous column blocks (b, D / branches)."""
    check_branches(z, branches)
    return list(torch.split(z, z.shape[1] // int(branches), dim=1))


def check_branches(z: Tensor, branches: int) -> None:
    """TopologyError unless z is a float (b, D) tensor that `branches` cuts into equal blocks."""
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
    """Detached cpu numpy view (a copy only off the cpu) of z, float32/float64, for the kernel."""
    host = z.detach()
    if host.dtype not in (torch.float32, torch.float64):  # float16 / bfloat16 (numpy has no bf16)
        host = host.to(torch.float64)
    return host.numpy(force=True)


def check_eta(eta: float) -> float:
    """η as a float; a non-finite or negative target distance raises TopologyError."""
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not math.isfinite(eta):
        raise TopologyError(f"eta must be a finite number, not {eta!r}.")
    if eta < 0:
        raise TopologyError(f"eta is a target distance and must be non-negative, not {eta}.")
    return float(eta)


def weighted_connectivity(
    z: Tensor, eta: float, metric_code: int, branches: int, weight: float = 1.0
) -> tuple[Tensor, np.ndarray]:
    """weight · L_η(z) as a differentiable scalar, and the deaths (branches, b-1) ascending.

    The training-step path: arguments already checked (`check_metric`, `check_eta`), the weight
    folded into the kernel so the objective's weighted term costs no extra op.
    """
    x = _host_array(z)
    value, grad, deaths, bad = connectivity_value_grad(x, metric_code, eta, branches, weight)
    if bad >= 0:
        rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
        raise NonFiniteInputError(bad_rows_message(rows).replace("points", "latent codes"))
    g = torch.from_numpy(grad)  # in x's dtype: no conversion for cpu float32/float64 codes
    if g.dtype != z.dtype or not z.is_cpu:
        g = g.to(device=z.device, dtype=z.dtype)
    return torch.sum((z - z.detach()) * g) + value, deaths


def connectivity_loss_and_deaths(
    z: Tensor, eta: float, metric: str = "l1", branches: int = 1
) -> tuple[Tensor, Tensor]:
    """`connectivity_loss` plus the batch's death times, (branches, b-1) ascending, detached cpu.

    The deaths come free with the loss (same kernel call), for training logs such as death_stats.
    """
    code = check_metric(metric)
    target = check_eta(eta)
    check_branches(z, branches)
    value, deaths = weighted_connectivity(z, target, code, int(branches))
    return value, torch.from_numpy(deaths)


def connectivity_loss(z: Tensor, eta: float, metric: str = "l1", branches: int = 1) -> Tensor:
    """COREL loss of a batch of codes z (b, D); with K branches, the MEAN of the K block losses.

    Zero-length bars (duplicate codes) are dropped, as in the official code: the distance has no
    gradient there and they would only add a constant η each. The mean over branches also follows
    the official code (the paper's caption says "summed", a factor K in the effective weight λ).
    """
    return connectivity_loss_and_deaths(z, eta, metric, branches)[0]
