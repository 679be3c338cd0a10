"""Background training jobs: a bounded pool of threads, a queue, and thread-safe progress.

Threads never touch the UI. A job's function writes through its `JobProgress` (lock-protected);
pages poll `Job.snapshot()`, a deep copy that is safe to read from any thread.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corel_core.training.control import TrainingControl
from corel_core.training.trainer import BatchInfo, Callback, EpochInfo, TrainResult

if TYPE_CHECKING:
    from corel_core.training.trainer import Trainer

LOG = logging.getLogger(__name__)
JOB_STATUSES = ("queued", "running", "paused", "completed", "stopped", "failed", "diverged")
FINISHED = ("completed", "stopped", "failed", "diverged")


class JobError(ValueError):
    """A job id is unknown or the manager no longer accepts jobs."""


class JobProgress:
    """The writer side of a job's progress; every method takes the job's lock."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.epoch = 0
        self.epochs = 0
        self.batch = 0
        self.n_batches = 0
        self.history: list[dict[str, Any]] = []
        self.terms: dict[str, float] = {}
        self.deaths: list[float] = []
        self.message = ""
        self.run_id: str | None = None
        self.extras: dict[str, Any] = {}

    def set_total(self, epochs: int, n_batches: int = 0) -> None:
        """Announce how many epochs (and batches per epoch) the job will run."""
        with self._lock:
            self.epochs, self.n_batches = int(epochs), int(n_batches)

    def update_batch(self, info: BatchInfo) -> None:
        """Record the latest batch (0-based epoch and batch indices, as the trainer reports)."""
        with self._lock:
            self.epoch, self.batch, self.n_batches = info.epoch, info.batch, info.n_batches
            self.terms = dict(info.terms)

    def update_epoch(self, info: EpochInfo) -> None:
        """Append a completed epoch's metrics and keep its last death times."""
        with self._lock:
            self.history.append(dict(info.metrics))
            if info.deaths is not None:
                self.deaths = [float(d) for d in info.deaths]

    def set_run_id(self, run_id: str | None) -> None:
        """Link the job to the run folder it writes."""
        with self._lock:
            self.run_id = run_id

    def set_extra(self, key: str, value: Any) -> None:
        """Any other live value a page wants to show (e.g. reconstructions of fixed samples)."""
        with self._lock:
            self.extras[key] = value

    def set_message(self, message: str) -> None:
        """A short line for the UI ("loading data...", "encoding the test split...")."""
        with self._lock:
            self.message = str(message)


class ProgressCallback(Callback):
    """Trainer callback that forwards batches and epochs into a JobProgress."""

    def __init__(self, progress: JobProgress) -> None:
        self.progress = progress

    def on_train_start(self, trainer: Trainer) -> None:
        """Announce epochs and batches per epoch."""
        self.progress.set_total(trainer.train.epochs, trainer.n_batches)
        self.progress.set_message(f"training on {trainer.device}.")

    def on_batch_end(self, trainer: Trainer, info: BatchInfo) -> None:
        """Forward the batch."""
        self.progress.update_batch(info)

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        """Forward the epoch."""
        self.progress.update_epoch(info)


JobFn = Callable[[TrainingControl, JobProgress], Any]


class Job:
    """One unit of background work with a status, a control and a progress record."""

    def __init__(self, fn: JobFn, label: str, run_id: str | None = None) -> None:
        self.id = uuid.uuid4().hex[:10]
        self.label = label
        self.fn = fn
        self.control = TrainingControl()
        self._lock = threading.Lock()
        self.progress = JobProgress(self._lock)
        self.progress.run_id = run_id
        self._status = "queued"
        self.submitted = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.result: Any = None
        self._done = threading.Event()

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.label!r}, {self.status!r})"

    @property
    def status(self) -> str:
        """queued, running, paused (running with the control paused) or a final status."""
        with self._lock:
            return self._status_locked()

    def _status_locked(self) -> str:
        if self._status == "running" and self.control.is_paused:
            return "paused"
        return self._status

    @property
    def done(self) -> bool:
        """Whether the job has finished (or was cancelled while queued)."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finishes; False if the timeout ran out first."""
        return self._done.wait(timeout)

    def pause(self) -> None:
        """Pause a running job between batches."""
        self.control.pause()

    def resume(self) -> None:
        """Resume a paused job."""
        self.control.resume()

    def stop(self) -> None:
        """Stop a running job after its current batch, or cancel it if still queued."""
        with self._lock:
            self.control.stop()
            if self._status == "queued":
                self._status = "stopped"
                self.progress.message = "cancelled before it started."
                self.finished = time.time()
                self._done.set()

    def snapshot(self) -> dict[str, Any]:
        """A deep-copied view of status and progress, safe to read from any thread."""
        with self._lock:
            p = self.progress
            view = {
                "id": self.id,
                "label": self.label,
                "status": self._status_locked(),
                "epoch": p.epoch,
                "epochs": p.epochs,
                "epochs_done": len(p.history),
                "batch": p.batch,
                "n_batches": p.n_batches,
                "history": p.history,
                "terms": p.terms,
                "deaths": p.deaths,
                "message": p.message,
                "run_id": p.run_id,
                "extras": p.extras,
                "submitted": self.submitted,
                "started": self.started,
                "finished": self.finished,
            }
            return copy.deepcopy(view)

    # -- called by the manager ---------------------------------------------------------------
    def _claim(self) -> bool:
        with self._lock:
            if self._status != "queued":
                return False
            self._status = "running"
            self.started = time.time()
            return True

    def _run(self) -> None:
        status, message = "completed", ""
        try:
            self.result = self.fn(self.control, self.progress)
            if isinstance(self.result, TrainResult):
                status, message = self.result.status, self.result.message
            elif self.control.is_stopped:
                status = "stopped"
        except Exception as exc:
            LOG.warning("job %s (%s) failed", self.id, self.label, exc_info=True)
            self.result = exc
            status = "failed"
            message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._status = status if status in JOB_STATUSES else "completed"
            if message:
                self.progress.message = message
            self.finished = time.time()
        self._done.set()


class JobManager:
    """Runs at most `max_running` jobs at once in daemon threads; the rest wait as "queued"."""

    def __init__(self, max_running: int = 2, keep_finished: int = 50) -> None:
        if max_running < 1:
            raise JobError("max_running must be at least 1.")
        self.max_running = max_running
        self.keep_finished = keep_finished
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # insertion order = submission order
        self._queue: list[Job] = []
        self._threads: dict[str, threading.Thread] = {}
        self._closed = False

    def submit(self, fn: JobFn, label: str, run_id: str | None = None) -> Job:
        """Queue fn(control, progress) to run in the background; returns its Job at once."""
        job = Job(fn, label, run_id)
        with self._lock:
            if self._closed:
                raise JobError("the job manager is shut down and accepts no new jobs.")
            self._jobs[job.id] = job
            self._queue.append(job)
            self._prune_locked()
        self._dispatch()
        return job

    def _dispatch(self) -> None:
        with self._lock:
            self._threads = {k: t for k, t in self._threads.items() if t.is_alive()}
            while self._queue and len(self._threads) < self.max_running and not self._closed:
                job = self._queue.pop(0)
                if not job._claim():
                    continue  # cancelled while queued
                thread = threading.Thread(
                    target=self._work, args=(job,), name=f"corel-job-{job.id}", daemon=True
                )
                self._threads[job.id] = thread
                thread.start()

    def _work(self, job: Job) -> None:
        try:
            job._run()
        finally:
            with self._lock:
                self._threads.pop(job.id, None)
            self._dispatch()

    def _prune_locked(self) -> None:
        finished = [j for j in self._jobs.values() if j.done]
        for job in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[job.id]

    def jobs(self) -> list[Job]:
        """All known jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def get(self, job_id: str) -> Job:
        """The job with this id (JobError if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobError(f"there is no job {job_id!r}; it may have finished long ago.")
        return job

    def find_by_run(self, run_id: str) -> Job | None:
        """The newest job writing the given run, if any."""
        for job in self.jobs():
            if job.snapshot()["run_id"] == run_id:
                return job
        return None

    def running(self) -> int:
        """How many jobs hold a thread right now."""
        with self._lock:
            return sum(t.is_alive() for t in self._threads.values())

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        """Cancel queued jobs, stop running ones, refuse new ones; optionally join the threads."""
        with self._lock:
            self._closed = True
            queued, self._queue = self._queue, []
            threads = list(self._threads.values())
            jobs = list(self._jobs.values())
        for job in queued:
            job.stop()
        for job in jobs:
            job.control.stop()
        if wait:
            for thread in threads:
                thread.join(timeout)


_DEFAULT: JobManager | None = None
_DEFAULT_LOCK = threading.Lock()


def default_manager() -> JobManager:
    """The process-wide manager every browser session shares (COREL_MAX_JOBS, default 2)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            try:
                limit = max(1, int(os.environ.get("COREL_MAX_JOBS", "2")))
            except ValueError:
                limit = 2
            _DEFAULT = JobManager(max_running=limit)
            share_cores(limit)
            preload_shared_modules()
        return _DEFAULT


def preload_shared_modules() -> None:
    """Finish importing pandas and scikit-learn before any job thread exists.

    A job that lazily imported scikit-learn (and with it pandas) while a page built a plotly
    figure left pandas half-initialised for the page ("partially initialized module 'pandas'") and
    stalled the job's import: seen with 8 sessions training at once (tests/test_hardening_browser).
    """
    import pandas  # noqa: F401
    import sklearn.datasets  # noqa: F401


def share_cores(concurrent_jobs: int) -> None:
    """Give each concurrent job its share of the cores.

    Torch's intra-op threads busy-wait; with more runnable threads than cores (several jobs, the
    web server) a small model trains 50× slower than with one thread per job (measured here).
    """
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // concurrent_jobs))
