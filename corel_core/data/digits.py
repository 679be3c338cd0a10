"""scikit-learn's bundled 8x8 handwritten digits (UCI optical recognition set), no download."""

from __future__ import annotations

import numpy as np

from .base import DIGIT_CLASSES, DatasetMeta, Loaded


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Images (1797, 1, 8, 8) float32 in [0, 1] (pixel counts 0..16 divided by 16) and labels."""
    from sklearn.datasets import load_digits  # lazy: scikit-learn is slow to import

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[:, None, :, :]
    return x, bunch.target.astype(np.int64)


def load_digits_dataset() -> Loaded:
    """The 1,797 digits as 1x8x8 images with labels 0..9."""
    x, y = digits_arrays()
    meta = DatasetMeta(
        name="digits",
        kind="image",
        shape=(1, 8, 8),
        classes=DIGIT_CLASSES,
        source="scikit-learn load_digits (UCI ML optical recognition of handwritten digits)",
        licence="CC BY 4.0 (UCI Machine Learning Repository)",
    )
    return Loaded(x=x, y=y, task=None, meta=meta)
