"""connectivity_loss against a ripser-built oracle, gradcheck, branches and a small optimisation."""

from __future__ import annotations

import numpy as np
import pytest
import ripser
import torch
from scipy.spatial.distance import cdist

from corel_core.topology import (
    TopologyError,
    branch_blocks,
    connectivity_loss,
    connectivity_loss_and_deaths,
    death_stats,
    vr0_persistence,
)
from corel_core.topology.diagrams import diagrams

torch.set_num_threads(1)


def oracle_loss(z: np.ndarray, eta: float, metric: str) -> float:
    """Σ |ε − η| over ripser's finite H0 deaths (ripser itself omits zero-length bars)."""
    dist = cdist(z, z, metric="cityblock" if metric == "l1" else "euclidean")
    bars = ripser.ripser(dist, distance_matrix=True, maxdim=0)["dgms"][0]
    deaths = bars[np.isfinite(bars[:, 1]), 1].astype(np.float64)
    return float(np.abs(deaths - eta).sum())


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_loss_equals_plain_sum_over_ripser_bars(metric: str) -> None:
    z = np.random.default_rng(0).standard_normal((100, 10))
    loss = connectivity_loss(torch.from_numpy(z), eta=2.0, metric=metric)
    assert loss.ndim == 0
    assert loss.item() == pytest.approx(oracle_loss(z, 2.0, metric), rel=1e-6)


def test_duplicate_codes_are_dropped() -> None:
    z = np.random.default_rng(1).standard_normal((30, 4))
    z = np.concatenate([z, z[:5], z[:2]])  # 7 zero-length bars
    zt = torch.from_numpy(z).requires_grad_(True)
    loss = connectivity_loss(zt, eta=2.0)
    assert int((vr0_persistence(zt).deaths == 0).sum()) == 7
    assert loss.item() == pytest.approx(oracle_loss(z, 2.0, "l1"), rel=1e-6)
    loss.backward()
    assert torch.isfinite(zt.grad).all()


def test_branches_average_independent_block_losses() -> None:
    z = np.random.default_rng(2).standard_normal((40, 12))
    loss = connectivity_loss(torch.from_numpy(z), eta=1.5, metric="l1", branches=3)
    blocks = [oracle_loss(z[:, 4 * k : 4 * k + 4], 1.5, "l1") for k in range(3)]
    assert loss.item() == pytest.approx(np.mean(blocks), rel=1e-6)
    assert [b.shape for b in branch_blocks(torch.from_numpy(z), 3)] == [(40, 4)] * 3


def test_bad_arguments_raise_value_errors() -> None:
    z = torch.randn(10, 6)
    with pytest.raises(ValueError, match="divide"):
        connectivity_loss(z, 2.0, branches=4)
    with pytest.raises(TopologyError, match="positive integer"):
        connectivity_loss(z, 2.0, branches=0)
    with pytest.raises(TopologyError, match="eta"):
        connectivity_loss(z, float("nan"))
    with pytest.raises(TopologyError, match="eta"):
        connectivity_loss(z, -1.0)
    with pytest.raises(TopologyError, match="metric"):
        connectivity_loss(z, 2.0, metric="l3")


def test_gradcheck_on_loss() -> None:
    z = torch.randn(12, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    z.requires_grad_(True)
    for metric in ("l1", "l2"):
        assert torch.autograd.gradcheck(
            lambda p, m=metric: connectivity_loss(p, 1.3, m, branches=2), (z,), eps=1e-6
        )


def test_tiny_batches_give_zero_loss_that_backpropagates() -> None:
    for n in (0, 1):
        z = torch.zeros(n, 3, requires_grad=True)
        loss = connectivity_loss(z, 2.0)
        assert loss.item() == 0.0
        loss.backward()


def test_adam_on_the_loss_moves_deaths_toward_eta() -> None:
    torch.manual_seed(0)
    z = (0.05 * torch.randn(50, 2)).requires_grad_(True)
    start = death_stats(vr0_persistence(z.detach()).deaths)["mean"]
    first = connectivity_loss(z, 2.0).item()
    opt = torch.optim.Adam([z], lr=0.1)
    for _ in range(150):
        opt.zero_grad()
        loss = connectivity_loss(z, 2.0)
        loss.backward()
        opt.step()
    end = death_stats(vr0_persistence(z.detach()).deaths)["mean"]
    assert abs(start - 2.0) > 1.9  # starts as a tight clump
    assert abs(end - 2.0) < 0.1
    assert loss.item() < 0.1 * first


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_loss_equals_torch_composition(metric: str, dtype: torch.dtype) -> None:
    # The fused kernels against vr0_persistence's torch gather + plain torch arithmetic.
    gen = torch.Generator().manual_seed(6)
    z = torch.randn(60, 8, generator=gen, dtype=dtype)
    z = torch.cat([z, z[:3]]).requires_grad_(True)  # duplicates: dropped bars, no gradient
    fused = connectivity_loss(z, 1.7, metric, branches=2)
    (g_fused,) = torch.autograd.grad(fused, z)
    losses = []
    for block in (z[:, :4], z[:, 4:]):
        deaths = vr0_persistence(block, metric).deaths
        losses.append((deaths[deaths > 0] - 1.7).abs().sum())
    composed = torch.stack(losses).mean()
    (g_composed,) = torch.autograd.grad(composed, z)
    assert fused.dtype == dtype
    torch.testing.assert_close(fused, composed, rtol=1e-6, atol=0)
    torch.testing.assert_close(g_fused, g_composed, rtol=1e-6, atol=1e-7)


def test_nan_latent_rows_are_named() -> None:
    z = torch.randn(8, 4)
    z[5, 2] = float("nan")
    with pytest.raises(ValueError, match="rows 5"):
        connectivity_loss(z, 2.0)


def test_deaths_returned_with_the_loss_match_vr0_persistence() -> None:
    z = torch.randn(30, 6, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    loss, deaths = connectivity_loss_and_deaths(z, 2.0, "l2", branches=3)
    assert deaths.shape == (3, 29)
    for k in range(3):
        ref = vr0_persistence(z[:, 2 * k : 2 * k + 2], "l2").deaths
        torch.testing.assert_close(deaths[k], ref, rtol=1e-12, atol=0)
    assert loss.item() == pytest.approx(float((deaths - 2.0).abs().sum(dim=1).mean()))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_low_precision_codes_give_loss_and_gradient_in_their_dtype(
    dtype: torch.dtype, metric: str
) -> None:
    """float16 / bfloat16 codes: the value is the float64 loss of the rounded codes, in dtype."""
    torch.manual_seed(3)
    z = torch.randn(30, 4).to(dtype).requires_grad_()
    value = connectivity_loss(z, 2.0, metric=metric)
    value.backward()
    assert value.dtype == dtype and z.grad is not None and z.grad.dtype == dtype
    expected = oracle_loss(z.detach().to(torch.float64).numpy(), 2.0, metric)
    assert float(value) == pytest.approx(expected, rel=torch.finfo(dtype).eps * 4)
    persistence = vr0_persistence(z)
    assert persistence.deaths.dtype == dtype


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_low_precision_diagrams(dtype: torch.dtype) -> None:
    torch.manual_seed(4)
    z = torch.randn(40, 3).to(dtype)
    out = diagrams(z, max_dim=1, metric="l2")
    expected = ripser.ripser(z.to(torch.float64).numpy(), maxdim=1)["dgms"]
    want = np.float16 if dtype == torch.float16 else np.float32
    for k in (0, 1):
        assert out[k].dtype == want
        np.testing.assert_allclose(out[k], expected[k].astype(want), rtol=1e-3)
