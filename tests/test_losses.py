"""Loss terms checked against numpy formulas, torch.distributions and autograd Jacobians."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from corel_core.losses import (
    contractive_penalty,
    corrupt,
    gaussian_kl,
    kl_sparsity,
    reconstruction,
    sparse_l1,
)

torch.set_num_threads(1)


@pytest.fixture()
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(4, 1, 3, 3, generator=gen, dtype=torch.float64)
    logits = torch.randn(4, 1, 3, 3, generator=gen, dtype=torch.float64)
    return x, logits


def test_reconstruction_kinds_match_numpy(batch) -> None:
    x, logits = batch
    recon = torch.sigmoid(logits)
    xn, rn = x.numpy().reshape(4, -1), recon.numpy().reshape(4, -1)
    expected = {
        "mse": np.mean(np.sum((rn - xn) ** 2, axis=1)),
        "l1": np.mean(np.sum(np.abs(rn - xn), axis=1)),
        "bce": np.mean(np.sum(-(xn * np.log(rn) + (1 - xn) * np.log(1 - rn)), axis=1)),
    }
    for kind, value in expected.items():
        got = reconstruction(recon, logits, x, kind)
        assert got.ndim == 0
        assert float(got) == pytest.approx(value, rel=1e-10)
    with pytest.raises(ValueError, match="reconstruction must be one of"):
        reconstruction(recon, logits, x, "huber")


def test_sparse_l1_matches_numpy() -> None:
    z = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
    assert float(sparse_l1(torch.tensor(z))) == pytest.approx((3.5 + 4.5) / 2)


def test_kl_sparsity_matches_explicit_formula() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 3))
    rho = 0.1
    rho_hat = (1 / (1 + np.exp(-z))).mean(axis=0)
    expected = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    assert float(kl_sparsity(torch.tensor(z), rho)) == pytest.approx(expected, rel=1e-10)
    # zero exactly when every unit's mean activation equals rho
    target = torch.full((5, 3), float(np.log(rho / (1 - rho))))
    assert float(kl_sparsity(target, rho)) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError):
        kl_sparsity(target, 1.5)


def test_gaussian_kl_matches_torch_distributions() -> None:
    gen = torch.Generator().manual_seed(2)
    mu = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    logvar = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = kl_divergence(q, p).sum(dim=1).mean()
    assert float(gaussian_kl(mu, logvar)) == pytest.approx(float(expected), rel=1e-10)


def _tiny_mlp() -> torch.nn.Module:
    torch.manual_seed(3)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)
    ).double()


def _loop_penalty(f, x: torch.Tensor) -> torch.Tensor:
    total = 0.0
    for xi in x:
        jac = torch.autograd.functional.jacobian(
            lambda v: f(v.unsqueeze(0))[0], xi, create_graph=True
        )
        total = total + (jac**2).sum()
    return total / x.shape[0]


def test_contractive_penalty_matches_autograd_jacobian_and_its_gradient() -> None:
    net = _tiny_mlp()
    x = torch.randn(6, 4, dtype=torch.float64)
    got = contractive_penalty(net, x)
    expected = _loop_penalty(net, x)
    assert float(got.detach()) == pytest.approx(float(expected.detach()), rel=1e-10)
    params = [net[0].weight, net[0].bias, net[2].weight]  # the last bias does not enter J
    grads = torch.autograd.grad(got, params)
    ref = torch.autograd.grad(expected, params)
    for g, r in zip(grads, ref, strict=True):
        assert torch.allclose(g, r, rtol=1e-8, atol=1e-12)


def test_contractive_penalty_sigmoid_closed_form() -> None:
    """For h = σ(Wx + b): ‖J‖²_F = Σ_j (h_j(1 − h_j))² Σ_i W_ji² (Rifai et al., 2011)."""
    torch.manual_seed(4)
    layer = torch.nn.Linear(7, 3).double()
    x = torch.randn(5, 7, dtype=torch.float64)
    h = torch.sigmoid(layer(x))
    expected = ((h * (1 - h)) ** 2 @ (layer.weight**2).sum(dim=1)).mean()
    got = contractive_penalty(lambda v: torch.sigmoid(layer(v)), x)
    assert float(got.detach()) == pytest.approx(float(expected.detach()), rel=1e-10)


def test_contractive_penalty_slices_extra_batched_arguments() -> None:
    net = _tiny_mlp()
    scale = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    task = torch.tensor([0, 2, 1])
    x = torch.randn(3, 4, dtype=torch.float64)

    def enc(v: torch.Tensor, t: torch.Tensor | None) -> torch.Tensor:
        return net(v) * scale[t].unsqueeze(1)

    got = contractive_penalty(enc, x, task)
    expected = (
        sum(_loop_penalty(lambda v, i=i: enc(v, task[i : i + 1]), x[i : i + 1]) for i in range(3))
        / 3
    )
    assert float(got.detach()) == pytest.approx(float(expected.detach()), rel=1e-10)


def test_contractive_penalty_passes_none_arguments_through() -> None:
    net = _tiny_mlp()
    x = torch.randn(3, 4, dtype=torch.float64)
    seen: list[object] = []

    def enc(v: torch.Tensor, t: torch.Tensor | None) -> torch.Tensor:
        seen.append(t)
        return net(v)

    got = contractive_penalty(enc, x, None)
    assert seen and all(t is None for t in seen)
    assert float(got.detach()) == pytest.approx(float(_loop_penalty(net, x).detach()), rel=1e-10)


def test_corrupt_gaussian_and_mask() -> None:
    x = torch.rand(200, 50, generator=torch.Generator().manual_seed(5))
    noisy = corrupt(x, "gaussian", 0.5, torch.Generator().manual_seed(6))
    eps = torch.randn(x.shape, generator=torch.Generator().manual_seed(6))
    assert torch.equal(noisy, (x + 0.5 * eps).clamp(0, 1))
    loose = corrupt(x, "gaussian", 0.5, torch.Generator().manual_seed(6), clip=False)
    assert torch.allclose(loose, x + 0.5 * eps) and loose.min() < 0
    masked = corrupt(x, "mask", 0.3, torch.Generator().manual_seed(7))
    zeroed = masked == 0
    assert torch.equal(masked[~zeroed], x[~zeroed])
    n = x.numel()
    assert abs(zeroed.float().mean().item() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)
    assert torch.equal(corrupt(x, "mask", 0.0), x)
    with pytest.raises(ValueError, match="noise must be one of"):
        corrupt(x, "salt", 0.1)
