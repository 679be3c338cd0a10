"""Run a task-dependency experiment as a background job (the app's Start button).

The job thread never touches the UI: it writes per-model progress to the experiment's
progress.json (via `StageProgress`) and its status line to the job; pages poll either.
"""

from __future__ import annotations

from pathlib import Path

from corel_core.store import RunStore
from corel_core.store.experiments import TaskDepStore
from corel_core.taskdep.config import TaskDepConfig
from corel_core.taskdep.experiment import run_taskdep
from corel_core.taskdep.progress import StageProgress
from corel_core.taskdep.result import TaskDepResult
from corel_core.training import Job, JobManager, JobProgress, TrainingControl, default_manager

LABEL_PREFIX = "taskdep "


def start_taskdep_job(
    cfg: TaskDepConfig, root: str | Path | None = None, manager: JobManager | None = None
) -> tuple[Job, str]:
    """Create the experiment folder, queue the job and return (job, experiment id) at once."""
    store = RunStore(root)
    tstore = TaskDepStore(store.root)
    exp_id = tstore.new_id(cfg.source, cfg.target)
    StageProgress(tstore, exp_id, cfg.to_dict()).finish("queued", "waiting for a free worker.")

    def work(control: TrainingControl, job_progress: JobProgress) -> TaskDepResult:
        tracker = StageProgress(tstore, exp_id, cfg.to_dict(), on_message=job_progress.set_message)
        tracker.finish("running", "loading data and training the first model.")
        try:
            result = run_taskdep(cfg, store, progress=tracker, control=control, exp_id=exp_id)
        except Exception as exc:
            tracker.finish("failed", str(exc) if isinstance(exc, ValueError) else repr(exc))
            raise
        tracker.finish(result.status, result.message or f"finished in {result.seconds:.0f} s.")
        return result

    job = (manager or default_manager()).submit(work, label=LABEL_PREFIX + exp_id)
    return job, exp_id


def find_job(exp_id: str, manager: JobManager | None = None) -> Job | None:
    """The live job computing `exp_id` in this process, if any (a second tab finds it too)."""
    for job in (manager or default_manager()).jobs():
        if job.label == LABEL_PREFIX + exp_id:
            return job
    return None
