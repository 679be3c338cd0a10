"""Warm-up: numba kernels compiled once and kept on disk; UMAP given exact neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from corel_core.analysis import warmup


def test_umap_functions_are_switched_to_a_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    monkeypatch.setattr(warmup, "_UMAP_CACHED", False)
    warmup.enable_umap_cache()  # an earlier test in this process may have switched them already
    import umap.layouts
    import umap.umap_

    for kernel in (
        umap.umap_.smooth_knn_dist,
        umap.layouts._nb_optimize_layout_euclidean_single_epoch,
    ):
        assert not isinstance(kernel._cache, NullCache)
    kernels = [
        value
        for name, module in list(sys.modules.items())
        if module is not None and name.startswith(("umap", "pynndescent"))
        for value in vars(module).values()
        if isinstance(value, CPUDispatcher)
    ]
    assert len(kernels) > 10  # umap-learn declares almost none of its functions cached
    assert all(not isinstance(k._cache, NullCache) for k in kernels)
    assert warmup.enable_umap_cache() == 0  # once per process


def test_warm_up_reports_each_step_and_refuses_unknown_ones() -> None:
    lines: list[str] = []
    seconds = warmup.warm_up(("connectivity",), report=lines.append)
    assert list(seconds) == ["connectivity"] and seconds["connectivity"] >= 0
    assert lines[0].startswith("[1/1] compiling connectivity-loss kernels")
    assert "once; kept on disk" in lines[0] and lines[1].endswith(" s")
    with pytest.raises(ValueError, match="unknown warm-up step"):
        warmup.warm_up(("tsne",))


def test_large_umap_gets_exact_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    import umap

    from corel_core import embedding

    seen: dict = {}

    class FakeUMAP:
        def __init__(self, **kwargs) -> None:
            seen.update(kwargs)

        def fit_transform(self, x: np.ndarray) -> np.ndarray:
            return x[:, :2]

    monkeypatch.setattr(umap, "UMAP", FakeUMAP)
    x = np.random.default_rng(1).normal(size=(embedding.EXACT_KNN_FROM, 3))
    embedding.project(x, "umap", n_neighbors=7)
    rows, dists = seen["precomputed_knn"]
    # oracle: brute-force distances with numpy, nearest first (each point is its own nearest)
    d2 = ((x[:50, None, :] - x[None, :, :]) ** 2).sum(-1)
    expected = np.sort(np.sqrt(d2), axis=1)[:, :7]
    np.testing.assert_allclose(dists[:50], expected, rtol=1e-5, atol=1e-6)
    assert (rows[:, 0] == np.arange(len(x))).all()
    assert seen["n_neighbors"] == 7

    seen.clear()  # below the threshold umap searches exactly by itself
    embedding.project(x[:500], "umap")
    assert "precomputed_knn" not in seen
