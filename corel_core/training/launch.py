"""Start a training run as a background job the app can poll (threads never touch the UI).

The job's progress carries the live history, the last batch's death times and reconstructions
of a few fixed samples, so any browser session can redraw them from `Job.snapshot()`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corel_core.config import RunConfig
from corel_core.data import Dataset
from corel_core.models import Autoencoder
from corel_core.store import Run, RunStore
from corel_core.training import (
    Callback,
    EpochInfo,
    Job,
    JobManager,
    JobProgress,
    ProgressCallback,
    Trainer,
    TrainingControl,
    TrainResult,
    default_manager,
)
from corel_core.training.runner import preview_indices, reconstruct, train_run


class PreviewCallback(Callback):
    """Puts reconstructions of fixed samples into the job's progress at start and each epoch."""

    def __init__(self, progress: JobProgress) -> None:
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
        self.progress.set_extra("preview", {"original": self.x, "recon": recon})

    def on_train_start(self, trainer: Trainer) -> None:
        self._publish()

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        self._publish()


def submit_training(
    config: RunConfig, store: RunStore | None = None, manager: JobManager | None = None
) -> Job:
    """Queue `config` on the (process-wide) job manager; returns the job to poll."""
    store = store or RunStore()
    manager = manager or default_manager()

    def work(control: TrainingControl, progress: JobProgress) -> TrainResult:
        progress.set_message("loading data…")
        progress.set_extra("config", config.to_dict())
        preview = PreviewCallback(progress)

        def created(run: Run, dataset: Dataset, model: Autoencoder) -> None:
            progress.set_run_id(run.id)
            preview.bind(dataset, model, config.train.seed)

        outcome = train_run(
            config,
            store,
            control=control,
            callbacks=[ProgressCallback(progress), preview],
            on_created=created,
        )
        return outcome.result

    label = config.name or f"{config.model.kind} on {config.data.name}"
    return manager.submit(work, label=label)


def preview_of(snapshot: dict[str, Any]) -> dict[str, np.ndarray] | None:
    """The latest reconstructions in a job snapshot, if any."""
    return (snapshot.get("extras") or {}).get("preview")
