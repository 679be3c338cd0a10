"""Projections against scikit-learn / numpy oracles, size caps, and cache keys."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from corel_core.embedding import EmbeddingError, project


def two_blobs(n: int = 300, d: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two unit-variance Gaussian blobs whose centres are 40 apart in d dimensions."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n // 2)
    x = rng.standard_normal((n, d)) + 40.0 / np.sqrt(d) * labels[:, None]
    return x.astype(np.float32), labels


def test_pca_matches_sklearn_and_svd() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 6)) @ rng.standard_normal((6, 6))
    proj = project(x, "pca", n_components=3)
    ref = PCA(n_components=3).fit(x)
    np.testing.assert_allclose(proj.explained_variance_ratio, ref.explained_variance_ratio_, 1e-6)
    sv = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(proj.explained_variance_ratio, (sv**2 / (sv**2).sum())[:3], 1e-6)
    assert proj.coords.dtype == np.float32 and proj.coords.shape == (200, 3)
    # Coordinates agree with sklearn up to the sign of each component.
    theirs = ref.transform(x)
    for j in range(3):
        sign = np.sign(proj.coords[:, j] @ theirs[:, j])
        np.testing.assert_allclose(sign * proj.coords[:, j], theirs[:, j], atol=1e-4)


def test_raw_keeps_columns_and_pads_one_dimension() -> None:
    x = np.arange(30, dtype=np.float64).reshape(10, 3)
    proj = project(x, "raw")
    np.testing.assert_array_equal(proj.coords, x[:, :2].astype(np.float32))
    picked = project(x, "raw", dims=[2, 0])
    np.testing.assert_array_equal(picked.coords, x[:, [2, 0]].astype(np.float32))
    flat = project(x[:, 0], "raw")
    np.testing.assert_array_equal(flat.coords[:, 0], x[:, 0])
    np.testing.assert_array_equal(flat.coords[:, 1], 0)
    assert "padded" in flat.note
    assert proj.explained_variance_ratio is None and proj.indices is None


def test_subsampling_is_recorded_and_deterministic() -> None:
    x, _ = two_blobs(400, 4)
    a = project(x, "pca", max_points=50, seed=3)
    b = project(x, "pca", max_points=50, seed=3)
    c = project(x, "pca", max_points=50, seed=4)
    assert a.n_used == 50 and a.n_total == 400 and a.coords.shape == (50, 2)
    assert a.indices is not None and np.unique(a.indices).size == 50
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert not np.array_equal(a.indices, c.indices)
    ref = PCA(n_components=2).fit(x[a.indices].astype(np.float64))
    np.testing.assert_allclose(a.explained_variance_ratio, ref.explained_variance_ratio_, 1e-6)
    assert "50" in a.note and "400" in a.note
    small = project(x, "tsne", max_points=60, seed=0, max_iter=250)
    assert small.coords.shape == (60, 2) and small.indices is not None


def test_umap_separates_far_blobs() -> None:
    x, labels = two_blobs()
    proj = project(x, "umap", n_neighbors=15, min_dist=0.1, seed=0)
    assert proj.coords.shape == (300, 2) and np.isfinite(proj.coords).all()
    assert silhouette_score(proj.coords, labels) > 0.5
    assert proj.params["n_neighbors"] == 15


def test_tsne_separates_far_blobs_and_clips_perplexity() -> None:
    x, labels = two_blobs()
    proj = project(x, "tsne", seed=0, max_iter=500)
    assert proj.coords.shape == (300, 2) and np.isfinite(proj.coords).all()
    assert silhouette_score(proj.coords, labels) > 0.5
    tiny = project(x[:10], "tsne", seed=0, perplexity=30.0, max_iter=250)
    assert tiny.params["perplexity"] < 10


def test_nan_refused_with_count() -> None:
    x = np.zeros((20, 3))
    x[[1, 4, 7], 0] = np.nan
    with pytest.raises(EmbeddingError, match="3 NaN"):
        project(x, "pca")


def test_size_and_parameter_errors() -> None:
    with pytest.raises(EmbeddingError, match="200,000"):
        project(np.zeros((200_001, 2), dtype=np.float32), "raw")
    with pytest.raises(EmbeddingError, match="perplexity"):
        project(np.zeros((20, 2)), "umap", perplexity=5)
    with pytest.raises(EmbeddingError, match="method"):
        project(np.zeros((20, 2)), "isomap")
    assert issubclass(EmbeddingError, ValueError)


def test_identical_codes_give_one_point_in_every_method() -> None:
    """A collapsed encoder: t-SNE used to segfault (PCA init / zero spread), PCA gave NaN ratios.

    Runs in a child process so that a regression shows as a failed test, not a dead test runner.
    """
    code = """
import numpy as np
from corel_core.embedding import project
cases = [np.zeros((5, 2)), np.full((40, 3), 1e5), np.tile([[0.3, -2.0, 7.0]], (60, 1))]
for x in cases:
    for m in ("pca", "umap", "tsne"):
        p = project(x, m)
        assert p.coords.shape == (len(x), 2), p.coords.shape
        assert np.all(p.coords == 0), m
        assert "identical" in p.note, p.note
        if m == "pca":
            assert np.array_equal(p.explained_variance_ratio, np.zeros(2))
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_two_distinct_codes_still_projected() -> None:
    x = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 20, axis=0)
    p = project(x, "pca")
    np.testing.assert_allclose(p.explained_variance_ratio, [1.0, 0.0], atol=1e-12)
    assert "identical" not in p.note
