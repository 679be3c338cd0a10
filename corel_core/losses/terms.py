"""Loss terms of the autoencoder family; each function names the formula it computes.

Per-sample quantities are summed over their dimensions and averaged over the batch, so values are
comparable across batch sizes (COREL's L1 reconstruction: per-image sum over pixels, batch mean).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

RECONSTRUCTION_KINDS = ("mse", "l1", "bce")
CORRUPTION_KINDS = ("gaussian", "mask")


def _per_sample_mean(values: Tensor) -> Tensor:
    """Sum over all non-batch dimensions, then mean over the batch."""
    return values.reshape(values.shape[0], -1).sum(dim=1).mean()


def reconstruction(recon: Tensor, logits: Tensor, x: Tensor, kind: str = "mse") -> Tensor:
    """Reconstruction loss, per-sample sum over pixels/coordinates, mean over the batch.

    mse: mean_b Σ_i (x̂_bi − x_bi)²;  l1: mean_b Σ_i |x̂_bi − x_bi|;
    bce: mean_b Σ_i −[x_bi ln σ(ℓ_bi) + (1 − x_bi) ln(1 − σ(ℓ_bi))] from the logits ℓ (stable).
    """
    if kind == "mse":
        return _per_sample_mean((recon - x) ** 2)
    if kind == "l1":
        return _per_sample_mean((recon - x).abs())
    if kind == "bce":
        return _per_sample_mean(F.binary_cross_entropy_with_logits(logits, x, reduction="none"))
    raise ValueError(f"reconstruction must be one of {', '.join(RECONSTRUCTION_KINDS)}.")


def sparse_l1(z: Tensor) -> Tensor:
    """L1 sparsity of the code: mean_b Σ_j |z_bj|."""
    return _per_sample_mean(z.abs())


def kl_sparsity(z: Tensor, rho: float = 0.05, eps: float = 1e-6) -> Tensor:
    """KL sparsity: Σ_j KL(Bern(ρ) ‖ Bern(ρ̂_j)), ρ̂_j = mean_b σ(z_bj) the mean unit activation.

    KL(ρ ‖ ρ̂) = ρ ln(ρ/ρ̂) + (1 − ρ) ln((1 − ρ)/(1 − ρ̂)); ρ̂ is clamped to [eps, 1 − eps].
    """
    if not 0.0 < rho < 1.0:
        raise ValueError("the sparsity target rho must lie strictly between 0 and 1.")
    rho_hat = torch.sigmoid(z).mean(dim=0).clamp(eps, 1.0 - eps)
    kl = rho * torch.log(rho / rho_hat) + (1.0 - rho) * torch.log((1.0 - rho) / (1.0 - rho_hat))
    return kl.sum()


def contractive_penalty(
    encoder_fn: Callable[..., Tensor], x: Tensor, *batched_args: Tensor | None
) -> Tensor:
    """Contractive penalty mean_b ‖∂f(x_b)/∂x_b‖²_F: squared Frobenius norm of the encoder Jacobian.

    ``encoder_fn(x, *args)`` maps a batch to codes (B, d). The per-sample Jacobian is computed with
    ``torch.func.vmap(jacrev(...))`` (no Python loop over units); it stays differentiable with
    respect to the encoder's parameters. Extra ``batched_args`` (e.g. task ids) are sliced along
    with x; ``None`` entries are passed through unchanged.
    """
    present = [a for a in batched_args if a is not None]

    def single(xi: Tensor, *ai: Tensor) -> Tensor:
        it = iter(ai)
        args = [None if a is None else next(it).unsqueeze(0) for a in batched_args]
        return encoder_fn(xi.unsqueeze(0), *args).squeeze(0)

    jac = torch.func.vmap(torch.func.jacrev(single, argnums=0))(x, *present)
    return _per_sample_mean(jac**2)


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − ln σ_j² − 1), summed over dims, batch mean."""
    return gaussian_kl_per_sample(mu, logvar).mean()


def gaussian_kl_per_sample(mu: Tensor, logvar: Tensor) -> Tensor:
    """Closed-form KL(N(μ, σ²) ‖ N(0, I)) of each sample, shape (B,)."""
    return 0.5 * (mu**2 + logvar.exp() - logvar - 1.0).sum(dim=1)


def corrupt(
    x: Tensor,
    kind: str,
    factor: float,
    generator: torch.Generator | None = None,
    clip: bool = True,
) -> Tensor:
    """Corrupt inputs for a denoising AE (the loss then reconstructs the clean x).

    gaussian: x + factor·ε, ε ~ N(0, 1), clipped to [0, 1] when ``clip`` (images);
    mask: each entry set to 0 independently with probability ``factor``.
    """
    if factor < 0:
        raise ValueError("the noise factor must not be negative.")
    device = generator.device if generator is not None else x.device
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype)
        noisy = x + factor * noise.to(x.device)
        return noisy.clamp(0.0, 1.0) if clip else noisy
    if kind == "mask":
        if factor > 1:
            raise ValueError("the masking fraction must lie in [0, 1].")
        keep = torch.rand(x.shape, generator=generator, device=device) >= factor
        return x * keep.to(device=x.device, dtype=x.dtype)
    raise ValueError(f"noise must be one of {', '.join(CORRUPTION_KINDS)}.")
