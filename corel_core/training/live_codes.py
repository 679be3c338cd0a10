"""Codes of fixed samples after every epoch, for the Train page's live latent scatter.

A `CodesCallback` encodes the same few hundred training samples at the start and after each
epoch and reports them through the job's progress as {"coords": (n, 2), "labels": (n,) or None,
"axes": [name, name], "epoch": k}: the codes themselves when they are 2-D, else their first two
principal components (PCA of that epoch's codes; signs fixed so the picture does not flip).

A run without the connectivity loss (λ = 0) computes no death times while it trains, so for it
the callback also reports ("deaths") the finite 0-dim death times of the first b of those codes
(b = the batch size, the loss's metric on the whole code): the same picture a λ > 0 run shows
of its last batch, so λ = 0 and λ = 20 can be compared live (Hofer et al., ICML 2019, Sec. 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from corel_core.analysis.latents import project_2d
from corel_core.data.subsample import subsample_indices
from corel_core.topology.persistence import vr0_persistence
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

    def view(self, codes: np.ndarray, epoch: int) -> dict[str, Any]:
        """The 2-D view of `codes` (n, latent), the fixed samples' codes after `epoch` epochs."""
        coords, axes = project_2d(codes)
        return {
            "coords": coords.astype(np.float32),
            "labels": self.labels,
            "axes": axes,
            "epoch": epoch,
        }

    def _publish(self, epoch: int, trainer: Trainer) -> None:
        if self.model is None or self.x is None:  # not bound yet
            return
        codes = encode_all(self.model, self.x, self.task)["z"]
        self.progress.set("codes", self.view(codes, epoch))
        loss = getattr(trainer.objective, "loss", None)
        if loss is not None and not loss.lambda_conn:  # λ > 0: the loss reports its own batch
            b = max(2, min(int(trainer.train.batch_size), len(codes)))
            deaths = vr0_persistence(torch.from_numpy(codes[:b]), loss.metric).deaths
            self.progress.set("deaths", [float(d) for d in deaths])

    def on_train_start(self, trainer: Trainer) -> None:
        self._publish(trainer.start_epoch, trainer)

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        self._publish(info.epoch + 1, trainer)
