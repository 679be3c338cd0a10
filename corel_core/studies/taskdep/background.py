"""Run a task-dependency experiment as a job of the worker pool (the app's Start button).

The job runs in a worker process and never touches the UI: it writes per-model progress to the
experiment's progress.json (via `StageProgress`) and its status line to the job; pages poll either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corel_core.jobs import Job, JobControl, JobPool, default_pool
from corel_core.store import RunStore
from corel_core.store.experiments import TaskDepStore
from corel_core.studies.taskdep.config import TaskDepConfig
from corel_core.studies.taskdep.experiment import progress_stages, run_taskdep
from corel_core.studies.taskdep.progress import StageProgress
from corel_core.studies.taskdep.result import TaskDepResult

LABEL_PREFIX = "taskdep "


def taskdep_job(
    control: JobControl, job_progress: Any, cfg: TaskDepConfig, root: str, exp_id: str
) -> TaskDepResult:
    """Job body (in a worker): run the experiment `exp_id` into the run store at `root`."""
    store = RunStore(root)
    tstore = TaskDepStore(store.root)
    tracker = StageProgress(tstore, exp_id, cfg.to_dict(), on_message=job_progress.set_message)
    tracker.expect(progress_stages(cfg))  # every bar from the start, in order
    tracker.finish("running", "loading data and training the first model.")
    try:
        result = run_taskdep(cfg, store, progress=tracker, control=control, exp_id=exp_id)
    except Exception as exc:
        tracker.finish("failed", str(exc) if isinstance(exc, ValueError) else repr(exc))
        raise
    tracker.finish(result.status, result.message or f"finished in {result.seconds:.0f} s.")
    return result


def start_taskdep_job(
    cfg: TaskDepConfig,
    root: str | Path | None = None,
    pool: JobPool | None = None,
    owner: str | None = None,
) -> tuple[Job, str]:
    """Create the experiment folder, queue the job for `owner`; (job, experiment id) at once."""
    store = RunStore(root)
    tstore = TaskDepStore(store.root)
    exp_id = tstore.new_id(cfg.source, cfg.target)
    StageProgress(tstore, exp_id, cfg.to_dict()).finish("queued", "waiting for a free worker.")
    job = (pool or default_pool()).submit(
        taskdep_job,
        (cfg, str(store.root), exp_id),
        label=LABEL_PREFIX + exp_id,
        key=LABEL_PREFIX + exp_id,
        owner=owner,
    )
    return job, exp_id


def find_job(exp_id: str, pool: JobPool | None = None) -> Job | None:
    """The newest job computing `exp_id` on this server, if any (a second tab finds it too)."""
    return (pool or default_pool()).find(LABEL_PREFIX + exp_id)


def settle(tstore: TaskDepStore, pool: JobPool | None = None) -> list[str]:
    """Record the end of every experiment whose job ended without saying so; ids settled.

    A job stopped while queued never runs, and a worker killed (kill -9, out of memory) cannot
    write progress.json: the experiment would stay "queued" or "running" in the list while its
    job says it failed. This writes the job's end (status "stopped" or "failed" and the job's
    sentence) into progress.json, so the list, the panel and the CLI show one status.
    """
    settled = []
    for row in tstore.list():
        if row["finished"] or row["status"] not in ("queued", "running"):
            continue
        job = find_job(row["id"], pool)
        if job is None or not job.done:
            continue
        progress = tstore.read_progress(row["id"]) or {}
        stopped = job.status == "stopped"
        ended = job.message or f"its job ended with status {job.status}."
        progress.update(status="stopped" if stopped else "failed", message=ended)
        tstore.write_progress(row["id"], progress)
        settled.append(row["id"])
    return settled
