"""Training objective: term weights, denoising target, KL warm-up, COREL term, density ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from corel_core.config import ConfigError, LossConfig, ModelConfig
from corel_core.losses import (
    contractive_penalty,
    corrupt,
    gaussian_kl,
    gaussian_kl_per_sample,
    kl_sparsity,
    reconstruction,
)
from corel_core.losses.objective import Objective, build_objective
from corel_core.models import RatioEstimator, build_model

torch.set_num_threads(1)


def _setup(loss: LossConfig, kind: str = "mlp", shape=(6,), n_tasks: int = 1, **model_kw):
    model_cfg = ModelConfig(
        kind=kind, latent_dim=model_kw.pop("latent_dim", 4), hidden=(16,), **model_kw
    )
    torch.manual_seed(0)
    model = build_model(model_cfg, shape, n_tasks=n_tasks)
    return model, build_objective(loss, model_cfg)


def test_reconstruction_only_has_recon_and_total() -> None:
    model, obj = _setup(LossConfig(reconstruction="l1"))
    assert isinstance(obj, Objective)
    x = torch.rand(8, 6)
    terms = obj(model, x, None, 0)
    assert set(terms) == {"recon", "total"}
    out = model(x)
    assert torch.allclose(terms["recon"], (out.recon - x).abs().sum(1).mean())
    assert torch.equal(terms["total"], terms["recon"])
    assert obj.after_step(model, x, None) == {}
    assert obj.last_deaths is None


def test_weighted_terms_add_up_and_are_differentiable() -> None:
    loss = LossConfig(sparse_l1=0.5, sparse_kl=2.0, sparse_rho=0.1, contractive=0.3)
    model, obj = _setup(loss)
    x = torch.rand(8, 6)
    terms = obj(model, x, None, 0)
    assert set(terms) == {"recon", "sparse_l1", "sparse_kl", "contractive", "total"}
    out = model(x)
    z = out.z
    assert torch.allclose(terms["sparse_l1"], 0.5 * z.abs().sum(1).mean())
    assert torch.allclose(terms["sparse_kl"], 2.0 * kl_sparsity(z, 0.1))
    assert torch.allclose(terms["contractive"], 0.3 * contractive_penalty(model.encode, x))
    assert torch.allclose(terms["recon"], reconstruction(out.recon, out.logits, x, "mse"))
    parts = sum(v for k, v in terms.items() if k != "total")
    assert torch.allclose(terms["total"], parts)
    terms["total"].backward()
    assert all(
        p.grad is not None and torch.isfinite(p.grad).all() for p in model.encoder.parameters()
    )


@pytest.mark.parametrize("noise", ["gaussian", "mask"])
def test_denoising_reconstructs_the_clean_input(noise: str) -> None:
    model, obj = _setup(LossConfig(noise=noise, noise_factor=0.5), shape=(1, 4, 4))
    x = torch.rand(5, 1, 4, 4)
    torch.manual_seed(11)
    terms = obj(model, x, None, 0)
    torch.manual_seed(11)
    x_noisy = corrupt(x, noise, 0.5)
    assert not torch.allclose(x_noisy, x)
    out = model(x_noisy)
    clean = reconstruction(out.recon, out.logits, x, "mse")
    noisy_target = reconstruction(out.recon, out.logits, x_noisy, "mse")
    assert torch.allclose(terms["recon"], clean)
    assert not torch.allclose(terms["recon"], noisy_target)


def test_gaussian_noise_on_points_is_not_clipped() -> None:
    model, obj = _setup(LossConfig(noise="gaussian", noise_factor=0.5), shape=(2,))
    x = torch.full((4, 2), 5.0)  # points far outside [0, 1]
    torch.manual_seed(3)
    terms = obj(model, x, None, 0)
    torch.manual_seed(3)
    out = model(corrupt(x, "gaussian", 0.5, clip=False))
    assert torch.allclose(terms["recon"], reconstruction(out.recon, out.logits, x, "mse"))


def test_kl_warmup_schedule() -> None:
    loss = LossConfig(beta=2.0, kl_warmup_epochs=4)
    model, obj = _setup(loss, kind="vae")
    assert [obj.kl_weight(e) for e in range(6)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    assert build_objective(LossConfig(beta=0.7), ModelConfig(kind="vae")).kl_weight(0) == 0.7
    model.eval()  # decode the mean: the terms are deterministic
    x = torch.rand(8, 6)
    t0, t3 = obj(model, x, None, 0), obj(model, x, None, 3)
    out = model(x)
    kl = gaussian_kl(out.mu, out.logvar)
    assert torch.allclose(t0["kl"], 0.5 * kl) and torch.allclose(t3["kl"], 2.0 * kl)
    assert torch.allclose(t0["total"], t0["recon"] + t0["kl"])


def test_bce_with_gaussian_decoder_is_rejected() -> None:
    with pytest.raises(ConfigError, match="Bernoulli"):
        build_objective(LossConfig(reconstruction="bce"), ModelConfig(decoder="gaussian"))
    with pytest.raises(ConfigError, match="Bernoulli"):
        build_objective(LossConfig(reconstruction="bce"), ModelConfig(kind="linear"))


def test_zero_recon_weight_trains_the_connectivity_loss_alone() -> None:
    loss = LossConfig(recon_weight=0.0, lambda_conn=1.0)
    model, obj = _setup(loss, latent_dim=2)
    terms = obj(model, torch.rand(10, 6), None, 0)
    assert "recon" not in terms
    assert float(terms["total"].detach()) == pytest.approx(float(terms["conn"].detach()))
    with pytest.raises(ConfigError, match="nothing to train"):
        build_objective(LossConfig(recon_weight=0.0), ModelConfig())


def _mst_lengths_l1(points: np.ndarray) -> np.ndarray:
    dist = cdist(points, points, metric="cityblock")  # continuous data: no zero off-diagonal
    return np.sort(minimum_spanning_tree(dist).data)


def test_connectivity_term_and_last_deaths_match_scipy_mst() -> None:
    loss = LossConfig(lambda_conn=20.0, eta=2.0, metric="l1")
    model, obj = _setup(loss, latent_dim=6, branches=2)
    x = torch.rand(12, 6)
    terms = obj(model, x, None, 0)
    z = model(x).z.detach().numpy().astype(np.float64)
    per_branch = [_mst_lengths_l1(z[:, :3]), _mst_lengths_l1(z[:, 3:])]
    expected = 20.0 * np.mean([np.abs(d - 2.0).sum() for d in per_branch])
    assert float(terms["conn"].detach()) == pytest.approx(expected, rel=1e-4)
    assert obj.last_deaths is not None and obj.last_deaths.device.type == "cpu"
    assert not obj.last_deaths.requires_grad
    assert np.allclose(obj.last_deaths.numpy(), np.concatenate(per_branch), rtol=1e-4)
    terms["total"].backward()
    assert model.encoder[0].weight.grad.abs().sum() > 0


def _optimal(n_tasks: int = 2):
    loss = LossConfig(beta=1.0, ratio_steps=3)
    model, obj = _setup(loss, kind="cvae_optimal", n_tasks=n_tasks)
    model.ratio = RatioEstimator(4, hidden=(32, 32), dropout=0.5)
    return model, obj


def test_optimal_prior_kl_subtracts_frozen_ratio() -> None:
    model, obj = _optimal()
    x, task = torch.rand(8, 6), torch.tensor([0, 1] * 4)
    torch.manual_seed(5)
    terms = obj(model, x, task, 0)
    assert model.ratio.training  # the objective restores the discriminator's mode
    torch.manual_seed(5)
    out = model(x, task)
    with torch.no_grad():
        t = model.ratio.eval()(out.z_sample)
    model.ratio.train()
    expected = (gaussian_kl_per_sample(out.mu, out.logvar) - t).mean()
    assert torch.allclose(terms["kl"], expected)
    terms["total"].backward()
    assert all(p.grad is None for p in model.ratio.parameters())
    assert model.mu_head.weight.grad.abs().sum() > 0
    # the gradient reaching the encoder includes −∂T/∂z: differs from the plain CVAE gradient
    grad_opt = model.mu_head.weight.grad.clone()
    model.zero_grad()
    torch.manual_seed(5)
    out = model(x, task)
    (reconstruction(out.recon, out.logits, x, "mse") + gaussian_kl(out.mu, out.logvar)).backward()
    assert not torch.allclose(grad_opt, model.mu_head.weight.grad)


def test_after_step_trains_discriminator_to_separate_posterior_from_prior() -> None:
    model, obj = _optimal()
    with torch.no_grad():
        model.mu_head.bias.add_(2.0)  # encoder samples sit away from N(0, I)
        model.logvar_head.bias.sub_(2.0)
    x, task = torch.rand(64, 6), torch.tensor([0, 1] * 32)
    encoder_before = [p.clone() for p in model.encoder.parameters()]
    torch.manual_seed(0)
    first = obj.after_step(model, x, task)
    assert set(first) == {"ratio_loss"}
    history = [obj.after_step(model, x, task)["ratio_loss"] for _ in range(60)]
    assert history[-1] < 0.5 * math.log(2.0)
    assert history[-1] < first["ratio_loss"]
    assert all(
        torch.equal(a, b) for a, b in zip(encoder_before, model.encoder.parameters(), strict=True)
    )
    assert all(p.grad is None for p in model.ratio.parameters())


def test_discriminator_passes_recover_a_closed_form_log_ratio() -> None:
    """Every posterior is N(m, diag s²), so q(z) = N(m, diag s²) and, against p = N(0, I),
    ln q/p = Σ_j [−(z_j − m_j)²/(2 s²_j) − ½ ln s²_j + z_j²/2] and
    KL(q‖p) = ½ Σ_j (s²_j + m²_j − 1 − ln s²_j) = 1.103 nats: T trained by after_step alone must
    match both (the default discriminator, five passes per call)."""
    cfg = ModelConfig(kind="cvae_optimal", latent_dim=2, hidden=(8,), decoder="gaussian")
    torch.manual_seed(0)
    model = build_model(cfg, (3,), n_tasks=2)
    obj = build_objective(LossConfig(ratio_steps=5), cfg)
    m, s2 = torch.tensor([1.0, -1.0]), torch.tensor([0.6, 1.5])
    with torch.no_grad():
        model.mu_head.weight.zero_()
        model.mu_head.bias.copy_(m)
        model.logvar_head.weight.zero_()
        model.logvar_head.bias.copy_(s2.log())
    x, task = torch.randn(128, 3), torch.tensor([0, 1] * 64)
    for _ in range(400):
        obj.after_step(model, x, task)
    kl = float(0.5 * (s2 + m**2 - 1.0 - s2.log()).sum())
    assert kl == pytest.approx(1.1027, abs=1e-3)
    gen = torch.Generator().manual_seed(9)
    z_q = m + s2.sqrt() * torch.randn(20000, 2, generator=gen)
    z_p = torch.randn(20000, 2, generator=gen)
    truth = (-0.5 * ((z_q - m) ** 2 / s2 + s2.log()) + 0.5 * z_q**2).sum(1)
    with torch.no_grad():
        t_q, t_p = model.ratio.eval()(z_q), model.ratio(z_p)
    assert float(t_q.mean()) == pytest.approx(kl, rel=0.15)  # E_q[T] ≈ KL(q‖p)
    assert float((t_q - truth).abs().median()) < 0.2
    assert float(t_p.exp().mean()) == pytest.approx(1.0, abs=0.2)  # E_p[q/p] = 1
