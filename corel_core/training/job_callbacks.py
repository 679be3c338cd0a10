"""Trainer callbacks of a training job: progress (epochs, batches, history, death times) and
reconstructions of fixed samples, reported through the job's progress writer (in the worker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corel_core.training.runner import preview_indices, reconstruct
from corel_core.training.trainer import BatchInfo, Callback, EpochInfo

if TYPE_CHECKING:
    from corel_core.data import Dataset
    from corel_core.jobs import ProgressWriter
    from corel_core.models import Autoencoder
    from corel_core.training.trainer import Trainer


class ProgressCallback(Callback):
    """Trainer callback that reports batches and epochs through a job's progress writer."""

    def __init__(self, progress: ProgressWriter) -> None:
        self.progress = progress
        self.epochs_done = 0

    def on_train_start(self, trainer: Trainer) -> None:
        """Announce epochs and batches per epoch (a resumed run starts at its saved epochs)."""
        self.epochs_done = trainer.start_epoch
        self.progress.set_total(trainer.train.epochs)
        self.progress.set("epochs", trainer.train.epochs)
        self.progress.set("n_batches", trainer.n_batches)
        lam = getattr(getattr(trainer.objective, "loss", None), "lambda_conn", 0.0)
        if lam:  # say what the first λ > 0 batch waits for, instead of sitting at epoch 0
            self.progress.set_message(
                "loading the connectivity-loss kernels (compiled once and kept on disk; the "
                "first time without `make setup` this takes about a minute)…"
            )
            from corel_core.analysis.warmup import warm_up

            warm_up(("connectivity",), report=lambda line: None)
        self.progress.set_message(f"training on {trainer.device}.")

    def on_batch_end(self, trainer: Trainer, info: BatchInfo) -> None:
        """The latest batch (0-based epoch and batch indices) and its loss terms."""
        self.progress.set("epoch", info.epoch)
        self.progress.set("batch", info.batch)
        self.progress.set("terms", dict(info.terms))

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        """One history row per completed epoch, and that epoch's last death times."""
        self.epochs_done += 1
        self.progress.append("history", dict(info.metrics))
        self.progress.set("epochs_done", self.epochs_done)
        self.progress.set_done(self.epochs_done)
        deaths = info.extras.get("deaths")
        if deaths is not None:
            self.progress.set("deaths", [float(d) for d in deaths])

    def on_pause(self, trainer: Trainer) -> None:
        """Say where it waits."""
        self.progress.set_message(f"paused during epoch {trainer.epoch + 1}.")

    def on_resume(self, trainer: Trainer) -> None:
        """Say it trains again."""
        self.progress.set_message(f"training on {trainer.device}.")


class PreviewCallback(Callback):
    """Reports reconstructions of fixed samples at the start and after each epoch."""

    def __init__(self, progress: ProgressWriter) -> None:
        self.progress = progress
        self.x: np.ndarray | None = None
        self.task: np.ndarray | None = None
        self.model: Autoencoder | None = None

    def bind(self, dataset: Dataset, model: Autoencoder, seed: int) -> None:
        """Choose the fixed samples once the data is loaded."""
        index = preview_indices(len(dataset.x), seed=seed)
        self.x = dataset.x[index]
        self.task = None if dataset.task is None else dataset.task[index]
        self.model = model

    def _publish(self) -> None:
        if self.model is None or self.x is None:
            return
        recon = reconstruct(self.model, self.x, self.task)
        self.progress.set("preview", {"original": self.x, "recon": recon})

    def on_train_start(self, trainer: Trainer) -> None:
        self._publish()

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        self._publish()
