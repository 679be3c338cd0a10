"""Training as a job of the worker pool: start or resume a run, with live progress for the pages.

The job function runs in a worker process (never in the web server): it trains through
`train_run` / `resume_run` like the CLI, and its callbacks report epochs, the last batch, death
times and reconstructions of a few fixed samples through the job's progress. Pages read them
from `Job.snapshot()`: epochs, epochs_done, epoch, batch, n_batches, terms, history (one row per
epoch), deaths, run_id, config, preview ({"original", "recon"}), codes (the live latent view,
corel_core.training.live_codes) and message.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.config import RunConfig
from corel_core.jobs import Job, JobPool, default_pool
from corel_core.store import RunStore

if TYPE_CHECKING:  # torch-side modules load in the worker only: the web server stays light
    from corel_core.data import Dataset
    from corel_core.jobs import JobControl, ProgressWriter
    from corel_core.models import Autoencoder
    from corel_core.store import Run
    from corel_core.training.trainer import TrainResult

TRAIN_PREFIX = "train "  # job keys: "train <run id>" once the run exists


def train_job(
    control: JobControl, progress: ProgressWriter, config: RunConfig, root: str, owner: str | None
) -> SimpleNamespace:
    """Job body (in a worker): train `config` into the store at `root`, labelled with `owner`."""
    from corel_core.training.job_callbacks import PreviewCallback, ProgressCallback
    from corel_core.training.live_codes import CodesCallback
    from corel_core.training.runner import train_run

    progress.set_message("loading data…")
    progress.set("config", config.to_dict())
    preview = PreviewCallback(progress)
    codes = CodesCallback(progress)  # the live latent scatter (snapshot key "codes")

    def created(run: Run, dataset: Dataset, model: Autoencoder) -> None:
        if owner:
            run.set_labels(owner=owner)
        progress.set("run_id", run.id)
        progress.flush()  # now, not within 0.1 s: a worker killed at once still names its run
        preview.bind(dataset, model, config.train.seed)
        codes.bind(dataset, model, config.train.seed)

    outcome = train_run(
        config,
        RunStore(root),
        control=control,
        callbacks=[ProgressCallback(progress), preview, codes],
        on_created=created,
    )
    return plain_result(outcome.result)


def resume_job(
    control: JobControl, progress: ProgressWriter, run_id: str, root: str
) -> SimpleNamespace:
    """Job body (in a worker): continue an interrupted, stopped or failed run in its folder."""
    from corel_core.training.job_callbacks import ProgressCallback
    from corel_core.training.runner import resume_run

    run = RunStore(root).get(run_id)
    progress.set("run_id", run.id)
    progress.flush()
    progress.set("config", run.config.to_dict())
    progress.set("history", run.metrics())
    progress.set_message("loading data to resume…")
    outcome = resume_run(
        run_id, RunStore(root), control=control, callbacks=[ProgressCallback(progress)]
    )
    return plain_result(outcome.result)


def plain_result(result: TrainResult) -> SimpleNamespace:
    """A TrainResult's status, message and history in a plain namespace: unpickling it in the
    web server must not import the trainer (and with it torch)."""
    return SimpleNamespace(
        status=result.status, message=result.message, history=list(result.history)
    )


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
