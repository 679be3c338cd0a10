"""vr0_persistence against gudhi, ripser and scipy (three independent H0 / MST implementations)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import gudhi
import numpy as np
import pytest
import ripser
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay
from scipy.spatial.distance import cdist

from corel_core.topology import (
    NonFiniteInputError,
    Persistence0,
    TopologyError,
    death_stats,
    mst_edges,
    vr0_persistence,
)

torch.set_num_threads(1)
SCIPY_METRIC = {"l1": "cityblock", "l2": "euclidean"}
REPO = Path(__file__).resolve().parents[1]


def distance_matrix(x: np.ndarray, metric: str) -> np.ndarray:
    return cdist(x, x, metric=SCIPY_METRIC[metric])


def gudhi_deaths(dist: np.ndarray) -> np.ndarray:
    """All finite H0 deaths (zero-length bars included) from gudhi's Rips complex."""
    st = gudhi.RipsComplex(distance_matrix=dist).create_simplex_tree(max_dimension=1)
    st.compute_persistence(min_persistence=-1)
    bars = st.persistence_intervals_in_dimension(0)
    return np.sort(bars[np.isfinite(bars[:, 1]), 1])


def ripser_deaths(dist: np.ndarray) -> np.ndarray:
    """Finite H0 deaths from ripser (it omits zero-length bars)."""
    bars = ripser.ripser(dist, distance_matrix=True, maxdim=0)["dgms"][0]
    return np.sort(bars[np.isfinite(bars[:, 1]), 1])


SHAPES = [(2, 1), (3, 2), (17, 20), (64, 3), (300, 7)]
CASES = [(n, d, metric) for n, d in SHAPES for metric in ("l1", "l2")]
RNG_CASES = [
    (int(n), int(d), metric, seed)
    for seed, (n, d, metric) in enumerate(
        zip(
            np.random.default_rng(7).integers(2, 301, size=24),
            np.random.default_rng(8).integers(1, 21, size=24),
            ["l1", "l2"] * 12,
            strict=True,
        )
    )
]


@pytest.mark.parametrize(("n", "d", "metric", "seed"), RNG_CASES + [(*c, 99) for c in CASES])
def test_deaths_equal_gudhi_and_ripser(n: int, d: int, metric: str, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((n, d)) * 3.0
    pers = vr0_persistence(torch.from_numpy(x), metric)
    ours = pers.deaths.numpy()
    dist = distance_matrix(x, metric)
    assert ours.shape == (n - 1,)
    assert np.all(np.diff(ours) >= 0)
    np.testing.assert_allclose(ours, gudhi_deaths(dist), rtol=1e-6, atol=0)
    np.testing.assert_allclose(ours, ripser_deaths(dist), rtol=1e-6, atol=0)
    # Every death is the distance of its own edge, and the edges form a spanning tree.
    e = pers.edges.numpy()
    np.testing.assert_allclose(ours, dist[e[:, 0], e[:, 1]], rtol=1e-12)
    assert len(np.unique(np.concatenate([e.ravel(), [0]]))) == n


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_duplicates_and_tie_heavy_grid(metric: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(120, 3)).astype(np.float64)  # 27 sites: many duplicates, all ties
    x = np.concatenate([x, x[:10]])
    ours = vr0_persistence(torch.from_numpy(x), metric).deaths.numpy()
    dist = distance_matrix(x, metric)
    np.testing.assert_allclose(ours, gudhi_deaths(dist), rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours[ours > 0], ripser_deaths(dist), rtol=1e-6, atol=0)
    assert np.count_nonzero(ours == 0) == len(x) - len(np.unique(x, axis=0))


def test_total_weight_is_minimal_against_scipy() -> None:
    x = np.random.default_rng(5).uniform(size=(400, 4))
    for metric in ("l1", "l2"):
        dist = distance_matrix(x, metric)
        assert np.count_nonzero(dist) == dist.size - len(x)  # only the diagonal is zero
        ref = minimum_spanning_tree(dist).toarray()
        ours = vr0_persistence(torch.from_numpy(x), metric).deaths.numpy()
        np.testing.assert_allclose(np.sort(ours), np.sort(ref[ref > 0]), rtol=1e-12)


def test_tiny_clouds() -> None:
    for n in (0, 1):
        pers = vr0_persistence(torch.zeros(n, 3), "l1")
        assert isinstance(pers, Persistence0)
        assert pers.deaths.shape == (0,) and pers.edges.shape == (0, 2)
        assert pers.edges.dtype == torch.long
    x = torch.tensor([[0.0, 1.0, 2.0], [3.0, -1.0, 2.5]], dtype=torch.float64)
    l1 = vr0_persistence(x, "l1")
    l2 = vr0_persistence(x, "l2")
    assert l1.deaths.tolist() == [pytest.approx(5.5)]
    assert l2.deaths.tolist() == [pytest.approx(np.sqrt(9 + 4 + 0.25))]
    assert sorted(l1.edges[0].tolist()) == [0, 1]


def test_float32_path_agrees_with_float64_oracle() -> None:
    x = torch.randn(150, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float32)
    for metric in ("l1", "l2"):
        deaths = vr0_persistence(x, metric).deaths
        assert deaths.dtype == torch.float32
        ref = gudhi_deaths(distance_matrix(x.double().numpy(), metric))
        np.testing.assert_allclose(deaths.double().numpy(), ref, rtol=1e-6, atol=0)


def test_nan_and_inf_rows_are_named() -> None:
    x = torch.randn(10, 2)
    x[3, 1] = float("nan")
    x[7, 0] = float("inf")
    with pytest.raises(NonFiniteInputError, match=r"rows 3, 7\b"):
        vr0_persistence(x)
    with pytest.raises(ValueError, match="rows 3, 7"):
        mst_edges(x.numpy())


def test_bad_shapes_and_metrics_raise_value_errors() -> None:
    with pytest.raises(ValueError, match="2-D"):
        vr0_persistence(torch.zeros(5))
    with pytest.raises(ValueError, match="2-D"):
        vr0_persistence(torch.zeros(2, 3, 4))
    with pytest.raises(TopologyError, match="metric"):
        vr0_persistence(torch.zeros(4, 2), "cosine")
    with pytest.raises(TopologyError, match="floating"):
        vr0_persistence(torch.zeros(4, 2, dtype=torch.long))


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_gradcheck_on_deaths(metric: str) -> None:
    x = torch.randn(9, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: vr0_persistence(p, metric).deaths, (x,), eps=1e-6)


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_each_death_moves_only_its_two_endpoints(metric: str) -> None:
    x = torch.randn(20, 4, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    x.requires_grad_(True)
    pers = vr0_persistence(x, metric)
    for t in range(len(pers.deaths)):
        (grad,) = torch.autograd.grad(pers.deaths[t], x, retain_graph=True)
        touched = set(torch.nonzero(grad.abs().sum(dim=1)).ravel().tolist())
        i, j = pers.edges[t].tolist()
        assert touched == {i, j}
        diff = (x[i] - x[j]).detach()
        expected = diff.sign() if metric == "l1" else diff / diff.norm()
        torch.testing.assert_close(grad[i], expected)
        torch.testing.assert_close(grad[j], -expected)


def test_l2_gradient_is_finite_for_duplicates() -> None:
    x = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]], requires_grad=True)
    deaths = vr0_persistence(x, "l2").deaths
    deaths.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert deaths[0].item() == 0.0


def test_death_stats_matches_numpy() -> None:
    d = torch.tensor([0.5, 1.0, 4.0])
    assert death_stats(d) == {"min": 0.5, "mean": pytest.approx(5.5 / 3), "max": 4.0}
    assert all(np.isnan(v) for v in death_stats(np.empty(0)).values())


def test_large_cloud_against_delaunay_mst() -> None:
    # The Euclidean MST of planar points lies inside the Delaunay triangulation: a sparse oracle.
    x = np.random.default_rng(11).uniform(size=(5000, 2))
    tri = Delaunay(x)
    a = np.concatenate(
        [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]]
    )
    a = np.unique(np.sort(a, axis=1), axis=0)  # shared triangle sides once (coo sums duplicates)
    w = np.linalg.norm(x[a[:, 0]] - x[a[:, 1]], axis=1)
    graph = coo_matrix((w, (a[:, 0], a[:, 1])), shape=(len(x),) * 2).tocsr()
    ref = minimum_spanning_tree(graph).data
    ours = vr0_persistence(torch.from_numpy(x), "l2").deaths.numpy()
    np.testing.assert_allclose(ours, np.sort(ref), rtol=1e-12)


def test_large_cloud_needs_no_quadratic_memory() -> None:
    # Peak RSS growth for n = 20,000 (an n² float64 matrix would be 3.2 GB) in a fresh process.
    script = textwrap.dedent(
        """
        import json, resource, torch
        from corel_core.topology import vr0_persistence
        vr0_persistence(torch.randn(50, 2))
        x = torch.randn(20000, 2, dtype=torch.float64)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        deaths = vr0_persistence(x, "l1").deaths
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"grown_kb": after - before, "n": int(deaths.numel())}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["n"] == 19999
    assert result["grown_kb"] < 50_000  # < 50 MB
