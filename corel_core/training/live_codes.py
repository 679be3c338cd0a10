"""Codes of fixed samples after every epoch, for the Train page's live latent scatter.

A `CodesCallback` encodes the same few hundred training samples at the start and after each
epoch and reports them through the job's progress as {"coords": (n, 2), "labels": (n,) or None,
"axes": [name, name], "epoch": k}: the codes themselves when they are 2-D, else their first two
principal components (PCA of that epoch's codes; signs fixed so the picture does not flip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.data.subsample import subsample_indices
from corel_core.training.runner import encode_all
from corel_core.training.trainer import Callback

if TYPE_CHECKING:
    from corel_core.data import Dataset
    from corel_core.jobs import ProgressWriter
    from corel_core.models import Autoencoder
    from corel_core.training.trainer import EpochInfo, Trainer

LIVE_POINTS = 500  # samples drawn each epoch: enough to see clusters, cheap to encode and send


def project_2d(z: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(n, d) codes → (n, 2) coordinates and axis names.

    d = 1: the code against zeros; d = 2: the codes as they are ("z₁", "z₂"); d > 2: the first
    two principal components of the centred codes, named with their share of the variance
    ("PC1 (43 %)"), each component's sign chosen so its largest loading is positive.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or len(z) == 0:
        raise ValueError(f"codes must be a non-empty (n, d) array, not shape {z.shape}.")
    if z.shape[1] == 1:
        return np.column_stack([z[:, 0], np.zeros(len(z))]), ["z₁", ""]
    if z.shape[1] == 2:
        return z.copy(), ["z₁", "z₂"]
    centred = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    vt = vt[:2]
    signs = np.sign(vt[np.arange(2), np.argmax(np.abs(vt), axis=1)])
    vt = vt * np.where(signs == 0, 1.0, signs)[:, None]
    total = float((s**2).sum())
    shares = (s[:2] ** 2) / total if total > 0 else np.zeros(2)
    names = [f"PC{i + 1} ({shares[i]:.0%})".replace("%", " %") for i in range(2)]
    return centred @ vt.T, names


class CodesCallback(Callback):
    """Trainer callback publishing the fixed samples' 2-D view after every epoch."""

    def __init__(self, progress: ProgressWriter, points: int = LIVE_POINTS) -> None:
        self.progress = progress
        self.points = points
        self.x: np.ndarray | None = None
        self.task: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.model: Autoencoder | None = None

    def bind(self, dataset: Dataset, model: Autoencoder, seed: int) -> None:
        """Choose the samples once the data is loaded (the same ones every epoch)."""
        index = subsample_indices(len(dataset.x), self.points, seed)
        self.x = dataset.x[index]
        self.task = None if dataset.task is None else dataset.task[index]
        self.labels = None if dataset.y is None else np.asarray(dataset.y)[index]
        self.model = model

    def snapshot(self, epoch: int) -> dict[str, Any] | None:
        """The view after `epoch` completed epochs (None before `bind`)."""
        if self.model is None or self.x is None:
            return None
        codes = encode_all(self.model, self.x, self.task)["z"]
        coords, axes = project_2d(codes)
        return {
            "coords": coords.astype(np.float32),
            "labels": self.labels,
            "axes": axes,
            "epoch": epoch,
        }

    def _publish(self, epoch: int) -> None:
        view = self.snapshot(epoch)
        if view is not None:
            self.progress.set("codes", view)

    def on_train_start(self, trainer: Trainer) -> None:
        self._publish(trainer.start_epoch)

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        self._publish(info.epoch + 1)
