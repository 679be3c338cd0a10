"""Codes of fixed samples after every epoch, for the Train page's live latent scatter.

A `CodesCallback` encodes the same few hundred training samples at the start and after each
epoch and reports them through the job's progress as {"coords": (n, 2), "labels": (n,) or None,
"axes": [name, name], "epoch": k}: the codes themselves when they are 2-D, else their first two
principal components (PCA of that epoch's codes; signs fixed so the picture does not flip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.analysis.latents import project_2d
from corel_core.data.subsample import subsample_indices
from corel_core.training.runner import encode_all
from corel_core.training.trainer import Callback

if TYPE_CHECKING:
    from corel_core.data import Dataset
    from corel_core.jobs import ProgressWriter
    from corel_core.models import Autoencoder
    from corel_core.training.trainer import EpochInfo, Trainer

LIVE_POINTS = 500  # samples drawn each epoch: enough to see clusters, cheap to encode and send


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
