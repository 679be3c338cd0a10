"""Training as a job of the worker pool: start or resume a run, with live progress for the pages.

The job function runs in a worker process (never in the web server): it trains through
`train_run` / `resume_run` like the CLI, and its callbacks report epochs, the last batch, death
times and reconstructions of a few fixed samples through the job's progress. Pages read them
from `Job.snapshot()`: epochs, epochs_done, epoch, batch, n_batches, terms, history (one row per
epoch), deaths, run_id, config, preview ({"original", "recon"}), codes (the live latent view,
corel_core.training.live_codes) and message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.config import RunConfig
from corel_core.data import Dataset
from corel_core.jobs import Job, JobPool, default_pool
from corel_core.models import Autoencoder
from corel_core.store import Run, RunStore
from corel_core.training.live_codes import CodesCallback
from corel_core.training.runner import preview_indices, reconstruct, resume_run, train_run
from corel_core.training.trainer import BatchInfo, Callback, EpochInfo, TrainResult

if TYPE_CHECKING:
    from corel_core.jobs import JobControl, ProgressWriter
    from corel_core.training.trainer import Trainer

TRAIN_PREFIX = "train "  # job keys: "train <run id>" once the run exists


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


def train_job(
    control: JobControl, progress: ProgressWriter, config: RunConfig, root: str, owner: str | None
) -> TrainResult:
    """Job body (in a worker): train `config` into the store at `root`, labelled with `owner`."""
    progress.set_message("loading data…")
    progress.set("config", config.to_dict())
    preview = PreviewCallback(progress)
    codes = CodesCallback(progress)  # the live latent scatter (snapshot key "codes")

    def created(run: Run, dataset: Dataset, model: Autoencoder) -> None:
        if owner:
            run.set_labels(owner=owner)
        progress.set("run_id", run.id)
        preview.bind(dataset, model, config.train.seed)
        codes.bind(dataset, model, config.train.seed)

    outcome = train_run(
        config,
        RunStore(root),
        control=control,
        callbacks=[ProgressCallback(progress), preview, codes],
        on_created=created,
    )
    return outcome.result


def resume_job(
    control: JobControl, progress: ProgressWriter, run_id: str, root: str
) -> TrainResult:
    """Job body (in a worker): continue an interrupted, stopped or failed run in its folder."""
    run = RunStore(root).get(run_id)
    progress.set("run_id", run.id)
    progress.set("config", run.config.to_dict())
    progress.set("history", run.metrics())
    progress.set_message("loading data to resume…")
    outcome = resume_run(
        run_id, RunStore(root), control=control, callbacks=[ProgressCallback(progress)]
    )
    return outcome.result


def label_of(config: RunConfig) -> str:
    """The job label a training shows: its name, else model and dataset."""
    return config.name or f"{config.model.kind} on {config.data.name}"


def submit_training(
    config: RunConfig,
    store: RunStore | None = None,
    pool: JobPool | None = None,
    owner: str | None = None,
) -> Job:
    """Queue `config` on the (process-wide) pool for `owner`; returns the job to poll."""
    root = str((store or RunStore()).root)
    return (pool or default_pool()).submit(
        train_job, (config, root, owner), label=label_of(config), owner=owner
    )


def submit_resume(
    run_id: str,
    store: RunStore | None = None,
    pool: JobPool | None = None,
    owner: str | None = None,
) -> Job:
    """Queue the resumption of `run_id`; one job per run at a time (a second call returns it)."""
    store = store or RunStore()
    label = f"resume {store.get(run_id).name or run_id}"
    return (pool or default_pool()).submit(
        resume_job, (run_id, str(store.root)), label=label, owner=owner, key=TRAIN_PREFIX + run_id
    )


def preview_of(snapshot: dict[str, Any]) -> dict[str, np.ndarray] | None:
    """The latest reconstructions in a job snapshot, if any."""
    return snapshot.get("preview")
