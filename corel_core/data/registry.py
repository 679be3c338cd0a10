"""The names a config may use for `DataConfig.name`, each with its loader and a one-line help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import DataConfig
from . import cifar, digits, idx, synthetic, tasks, toys
from .base import DataError, Loaded
from .download import Locator

Loader = Callable[[DataConfig, Locator], Loaded]


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: its loader, kind and a one-line description for the UI."""

    name: str
    kind: str
    description: str
    loader: Loader
    downloads: bool = False  # needs files from disk or the internet


def _toy(make: Callable[[int], Loaded]) -> Loader:
    return lambda cfg, _locator: make(cfg.seed)


def _idx(name: str) -> Loader:
    return lambda _cfg, locator: idx.load_idx_dataset(name, locator)


def _cifar(name: str) -> Loader:
    return lambda _cfg, locator: cifar.load_cifar(name, locator)


def _two_task(name: str) -> Loader:
    return lambda cfg, locator: tasks.load_two_task(name, locator, cfg.n_target, cfg.seed)


_SPECS = (
    DatasetSpec(
        "three_gaussians",
        "points",
        "Three 2-D Gaussians (500 points each) from the COREL toy tutorial.",
        _toy(toys.three_gaussians),
    ),
    DatasetSpec("moons", "points", "Two interleaving half moons in 2-D.", _toy(toys.moons)),
    DatasetSpec("circles", "points", "Two concentric circles in 2-D.", _toy(toys.circles)),
    DatasetSpec("blobs", "points", "Three Gaussian blobs in 2-D.", _toy(toys.blobs)),
    DatasetSpec("swiss_roll", "points", "A swiss roll in 3-D.", _toy(toys.swiss_roll)),
    DatasetSpec("s_curve", "points", "An S-shaped surface in 3-D.", _toy(toys.s_curve)),
    DatasetSpec(
        "digits",
        "image",
        "1,797 handwritten digits, 8x8 pixels (bundled with scikit-learn).",
        lambda _cfg, _locator: digits.load_digits_dataset(),
    ),
    DatasetSpec(
        "mnist", "image", "MNIST handwritten digits, 28x28 (download).", _idx("mnist"), True
    ),
    DatasetSpec(
        "fashion_mnist",
        "image",
        "Fashion-MNIST clothing images, 28x28, 10 classes (download).",
        _idx("fashion_mnist"),
        True,
    ),
    DatasetSpec(
        "kmnist",
        "image",
        "Kuzushiji-MNIST cursive Japanese characters, 28x28 (download).",
        _idx("kmnist"),
        True,
    ),
    DatasetSpec(
        "cifar10",
        "image",
        "CIFAR-10 colour images, 32x32, 10 classes (download, 162 MB).",
        _cifar("cifar10"),
        True,
    ),
    DatasetSpec(
        "cifar100",
        "image",
        "CIFAR-100 colour images, 32x32, 100 fine classes (download, 161 MB).",
        _cifar("cifar100"),
        True,
    ),
    DatasetSpec(
        "cifar20",
        "image",
        "CIFAR-100 images with its 20 coarse superclasses as labels (download).",
        _cifar("cifar20"),
        True,
    ),
    DatasetSpec(
        "synthetic_shifted",
        "points",
        "Two tasks sharing a 2-D latent (5 clusters), rendered into 32-D; the small target's "
        "rendering is shifted (offline, for the task-dependency experiment).",
        lambda cfg, _locator: synthetic.load_synthetic_two_task(cfg.n_target, cfg.seed),
    ),
    DatasetSpec(
        "mnist_digits",
        "image",
        "Two tasks: MNIST (source) and a few upscaled scikit-learn digits (target).",
        _two_task("mnist_digits"),
        True,
    ),
    DatasetSpec(
        "mnist_rotated",
        "image",
        "Two tasks: MNIST (source) and a few MNIST digits rotated by 45 degrees (target).",
        _two_task("mnist_rotated"),
        True,
    ),
    DatasetSpec(
        "mnist_fonts",
        "image",
        "Two tasks: MNIST (source) and a few digits rendered from fonts (target).",
        _two_task("mnist_fonts"),
        True,
    ),
)
REGISTRY: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}


def list_datasets() -> list[str]:
    """All dataset names `DataConfig.name` accepts, in display order."""
    return list(REGISTRY)


def get_spec(name: str) -> DatasetSpec:
    """The registered spec of `name`; a DataError listing the valid names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(REGISTRY)}.") from None


def describe_dataset(name: str) -> str:
    """One line of help about a dataset, for the UI."""
    return get_spec(name).description
