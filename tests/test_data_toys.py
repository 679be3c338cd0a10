"""Toy point clouds, the digits set, the registry and the split/limit rules."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from corel_core.config import DataConfig
from corel_core.data import DataError, describe_dataset, list_datasets, load_dataset
from corel_core.data.splits import select_indices

CONTRACT_NAMES = {
    "three_gaussians", "moons", "circles", "swiss_roll", "s_curve", "blobs", "digits", "mnist",
    "fashion_mnist", "kmnist", "cifar10", "cifar100", "mnist_digits", "mnist_fonts",
    "mnist_rotated",
}  # fmt: skip


def test_registry_names_and_descriptions() -> None:
    names = list_datasets()
    assert set(names) >= CONTRACT_NAMES
    for name in names:
        text = describe_dataset(name)
        assert isinstance(text, str) and text and "\n" not in text
    with pytest.raises(DataError, match="unknown dataset"):
        describe_dataset("imagenet")
    with pytest.raises(DataError, match="unknown dataset"):
        load_dataset(DataConfig(name="imagenet"))


def test_three_gaussians_statistics() -> None:
    data = load_dataset(DataConfig(name="three_gaussians", seed=3))
    assert data.x.shape == (1500, 2) and data.x.dtype == np.float32 and data.y.dtype == np.int64
    assert np.bincount(data.y).tolist() == [500, 500, 500]
    for label, mean, std in ((0, (-4, -4), 1.0), (1, (-3, -3), 3.0), (2, (0, -0.5), 0.5)):
        pts = data.x[data.y == label].astype(np.float64)
        # sample mean within 5 standard errors; sample std within 15 %
        assert np.all(np.abs(pts.mean(axis=0) - mean) < 5 * std / np.sqrt(500))
        assert np.allclose(pts.std(axis=0, ddof=1), std, rtol=0.15)
    # shuffled, so the aux half holds every class
    aux = load_dataset(DataConfig(name="three_gaussians", seed=3, split="aux"))
    assert len(aux) == 750 and set(aux.y.tolist()) == {0, 1, 2}


@pytest.mark.parametrize(
    "name, dim, n_classes",
    [("moons", 2, 2), ("circles", 2, 2), ("blobs", 2, 3), ("swiss_roll", 3, 6), ("s_curve", 3, 6)],
)
def test_toy_shapes(name: str, dim: int, n_classes: int) -> None:
    data = load_dataset(DataConfig(name=name))
    assert data.x.shape == (1500, dim) and data.x.dtype == np.float32
    assert data.meta.kind == "points" and data.meta.shape == (dim,)
    assert data.y.dtype == np.int64 and len(data.meta.classes) == n_classes
    assert set(np.unique(data.y).tolist()) == set(range(n_classes))
    assert np.isfinite(data.x).all()
    again = load_dataset(DataConfig(name=name))
    np.testing.assert_array_equal(again.x, data.x)
    other = load_dataset(DataConfig(name=name, seed=1))
    assert not np.array_equal(other.x, data.x)


def test_circles_radii() -> None:
    data = load_dataset(DataConfig(name="circles"))
    radius = np.linalg.norm(data.x, axis=1)
    assert abs(np.median(radius[data.y == 0]) - 1.0) < 0.05
    assert abs(np.median(radius[data.y == 1]) - 0.5) < 0.05


def test_digits_matches_sklearn() -> None:
    data = load_dataset(DataConfig(name="digits"))
    ref = load_digits()
    assert data.x.shape == (1797, 1, 8, 8) and data.meta.shape == (1, 8, 8)
    np.testing.assert_allclose(data.x.reshape(1797, 64) * 16, ref.data, atol=1e-5)
    assert data.y.tolist() == ref.target.tolist()
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0


def test_limit_and_split_on_digits() -> None:
    full = load_dataset(DataConfig(name="digits"))
    lim = load_dataset(DataConfig(name="digits", limit=10))
    np.testing.assert_array_equal(lim.x, full.x[:10])
    ev = load_dataset(DataConfig(name="digits", split="eval", limit=5))
    np.testing.assert_array_equal(ev.x, full.x[898:903])  # 1797 // 2 = 898


def test_select_indices_rules() -> None:
    assert select_indices(7, "aux").tolist() == [0, 1, 2]
    assert select_indices(7, "eval").tolist() == [3, 4, 5, 6]
    assert select_indices(10, "eval", eval_start=6).tolist() == [8, 9]
    task = np.array([0, 0, 0, 0, 1, 1])
    assert select_indices(6, "aux", task=task).tolist() == [0, 1, 4]
    assert select_indices(6, "all", limit=1, task=task).tolist() == [0, 4]
    with pytest.raises(DataError):
        select_indices(1, "aux")
    with pytest.raises(DataError):
        select_indices(5, "test")
