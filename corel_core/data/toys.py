"""Synthetic point clouds: the COREL tutorial's three Gaussians and scikit-learn's generators.

All are seeded by `DataConfig.seed` and shuffled, so "aux"/"eval" halves mix every class.
"""

from __future__ import annotations

import numpy as np

from .base import DatasetMeta, Loaded

N_POINTS = 1500
_LICENCE = "synthetic, generated locally (no licence needed)"

# Hofer et al. 2019, official toy tutorial: three 2-D Gaussians of 500 points each.
GAUSSIAN_MEANS = ((-4.0, -4.0), (-3.0, -3.0), (0.0, -0.5))
GAUSSIAN_STDS = (1.0, 3.0, 0.5)
GAUSSIAN_SIZE = 500


def _loaded(name: str, x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], src: str) -> Loaded:
    meta = DatasetMeta(
        name=name,
        kind="points",
        shape=(int(x.shape[1]),),
        classes=classes,
        source=src,
        licence=_LICENCE,
    )
    return Loaded(x=x.astype(np.float32), y=y.astype(np.int64), task=None, meta=meta)


def three_gaussians(seed: int = 0) -> Loaded:
    """1,500 points from three 2-D Gaussians (means (-4,-4), (-3,-3), (0,-0.5); stds 1, 3, 0.5)."""
    rng = np.random.default_rng(seed)
    pairs = zip(GAUSSIAN_MEANS, GAUSSIAN_STDS, strict=True)
    x = np.concatenate([rng.normal(m, s, size=(GAUSSIAN_SIZE, 2)) for m, s in pairs])
    y = np.repeat(np.arange(3), GAUSSIAN_SIZE)
    order = rng.permutation(len(x))
    src = "three 2-D Gaussians of the COREL toy tutorial (Hofer et al. 2019), shuffled"
    return _loaded("three_gaussians", x[order], y[order], ("0", "1", "2"), src)


def moons(seed: int = 0) -> Loaded:
    """Two interleaving half circles in 2-D (scikit-learn make_moons, noise 0.08)."""
    from sklearn import datasets as skd  # lazy: scikit-learn is slow to import

    x, y = skd.make_moons(N_POINTS, noise=0.08, random_state=seed)
    return _loaded("moons", x, y, ("0", "1"), "scikit-learn make_moons, noise 0.08")


def circles(seed: int = 0) -> Loaded:
    """Two concentric circles in 2-D (scikit-learn make_circles, radius ratio 0.5)."""
    from sklearn import datasets as skd  # lazy: scikit-learn is slow to import

    x, y = skd.make_circles(N_POINTS, noise=0.05, factor=0.5, random_state=seed)
    return _loaded("circles", x, y, ("outer", "inner"), "scikit-learn make_circles, factor 0.5")


def blobs(seed: int = 0) -> Loaded:
    """Three isotropic Gaussian blobs in 2-D (scikit-learn make_blobs)."""
    from sklearn import datasets as skd  # lazy: scikit-learn is slow to import

    x, y = skd.make_blobs(N_POINTS, n_features=2, centers=3, random_state=seed)
    return _loaded("blobs", x, y, ("0", "1", "2"), "scikit-learn make_blobs, 3 centres")


def _segments(t: np.ndarray, k: int = 6) -> np.ndarray:
    """Cut the manifold coordinate t into k equal-width segments (labels for colouring)."""
    edges = np.linspace(t.min(), t.max(), k + 1)[1:-1]
    return np.digitize(t, edges)


def swiss_roll(seed: int = 0) -> Loaded:
    """A 3-D swiss roll; labels are 6 segments along the roll (scikit-learn make_swiss_roll)."""
    from sklearn import datasets as skd  # lazy: scikit-learn is slow to import

    x, t = skd.make_swiss_roll(N_POINTS, noise=0.05, random_state=seed)
    classes = tuple(f"segment {i + 1}" for i in range(6))
    src = "scikit-learn make_swiss_roll; labels = 6 segments along the roll"
    return _loaded("swiss_roll", x, _segments(t), classes, src)


def s_curve(seed: int = 0) -> Loaded:
    """A 3-D S-shaped surface; labels are 6 segments along the curve (make_s_curve)."""
    from sklearn import datasets as skd  # lazy: scikit-learn is slow to import

    x, t = skd.make_s_curve(N_POINTS, noise=0.05, random_state=seed)
    classes = tuple(f"segment {i + 1}" for i in range(6))
    src = "scikit-learn make_s_curve; labels = 6 segments along the curve"
    return _loaded("s_curve", x, _segments(t), classes, src)
