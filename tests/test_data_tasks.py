"""Two-task datasets: MNIST source plus a small digits / rotated / font-rendered target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from sklearn.datasets import load_digits

from corel_core.config import ConfigError, DataConfig
from corel_core.data import DataError, load_dataset


def load(name: str, mnist_dir: Path, **kw) -> object:
    return load_dataset(DataConfig(name=name, data_dir=str(mnist_dir), **kw), download=False)


@pytest.mark.parametrize("name", ["mnist_digits", "mnist_rotated", "mnist_fonts"])
def test_two_task_shapes_and_counts(name: str, mnist_dir: Path) -> None:
    data = load(name, mnist_dir, n_target=60, seed=4)
    assert data.x.dtype == np.float32 and data.x.shape[1:] == (1, 28, 28)
    assert data.task.dtype == np.int64 and data.y.dtype == np.int64
    assert np.bincount(data.task).tolist() == [5000, 60]
    assert data.y.min() >= 0 and data.y.max() <= 9
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0
    assert data.meta.task_names[0] == "mnist" and len(data.meta.task_names) == 2
    mnist = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir)), download=False)
    np.testing.assert_array_equal(data.x[:5000], mnist.x[:5000])
    np.testing.assert_array_equal(data.y[:5000], mnist.y[:5000])
    aux = load(name, mnist_dir, n_target=60, seed=4, split="aux")
    assert np.bincount(aux.task).tolist() == [2500, 30]


def test_default_target_size(mnist_dir: Path) -> None:
    data = load("mnist_fonts", mnist_dir)
    assert int((data.task == 1).sum()) == 100
    assert np.bincount(data.y[data.task == 1]).tolist() == [10] * 10


def test_rotated_targets_come_from_disjoint_mnist(mnist_dir: Path) -> None:
    data = load("mnist_rotated", mnist_dir, n_target=12, seed=1)
    mnist = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir)), download=False)
    flat = mnist.x.reshape(len(mnist.x), -1)
    targets = data.x[data.task == 1]
    back = ndimage.rotate(targets[:, 0], -45, axes=(1, 2), reshape=False, order=1)
    for image, label in zip(back, data.y[data.task == 1], strict=True):
        nearest = int(np.argmin(((flat - image.ravel()) ** 2).sum(axis=1)))
        assert nearest >= 5000 and mnist.y[nearest] == label
    assert not np.allclose(targets[:, 0], back, atol=0.1)


def test_digits_targets_match_sklearn_digits(mnist_dir: Path) -> None:
    data = load("mnist_digits", mnist_dir, n_target=15, seed=2)
    ref = load_digits()
    targets = data.x[data.task == 1][:, 0]
    assert np.abs(targets[:, :4]).max() == 0 and np.abs(targets[:, :, 24:]).max() == 0
    ds = ndimage.zoom(targets[:, 4:24, 4:24], (1, 0.4, 0.4), order=1) * 16
    dist = ((ref.data[None] - ds.reshape(len(ds), 1, 64)) ** 2).sum(axis=2)
    assert (ref.target[dist.argmin(axis=1)] == data.y[data.task == 1]).all()


def test_font_digits_are_recognisable(mnist_dir: Path) -> None:
    data = load("mnist_fonts", mnist_dir, n_target=200, seed=0)
    x = data.x[data.task == 1].reshape(200, -1).astype(np.float64)
    y = data.y[data.task == 1]
    # leave-one-out 1-nearest-neighbour accuracy, far above the 10 % of chance
    dist = ((x[:, None] - x[None]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    assert (y[dist.argmin(axis=1)] == y).mean() > 0.5
    assert (x.sum(axis=1) > 10).all()  # every image has ink


def test_bad_target_size(mnist_dir: Path) -> None:
    with pytest.raises(ConfigError, match="n-target"):  # refused by the config schema
        load("mnist_digits", mnist_dir, n_target=0)
    with pytest.raises(DataError, match="at most 1797"):
        load("mnist_digits", mnist_dir, n_target=5000)
