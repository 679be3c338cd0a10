"""One job as the server sees it: status, progress, control switches and, at the end, a result.

A `Job` is a handle; the work runs in a worker process (see `corel_core.jobs.worker`) and the
pool's supervisor thread feeds what the worker sends into the job. Pages read `snapshot()`, a
copy that is safe to read from any thread.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from typing import Any

from corel_core.jobs.control import JobControl
from corel_core.jobs.progress import JobProgress

ACTIVE = ("queued", "running", "paused")
FINISHED = ("completed", "stopped", "failed", "diverged")
JOB_STATUSES = (*ACTIVE, *FINISHED)
LANES = ("long", "quick")


class JobError(ValueError):
    """A job id is unknown, the pool accepts no more jobs, or a session may not control a job."""


class JobFailed(ValueError):
    """A job the caller waited for did not complete; the message says why in one sentence."""


def death_sentence(exitcode: int | None) -> str:
    """What a worker's exit code means, for a person (negative = killed by that signal)."""
    if exitcode is None:
        return "the worker process ended for an unknown reason."
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = {
            "SIGKILL": "was killed (kill -9, or the system ran out of memory)",
            "SIGSEGV": "crashed in native code (a segmentation fault)",
            "SIGABRT": "was aborted by native code",
            "SIGBUS": "crashed in native code (a bus error)",
            "SIGTERM": "was terminated",
        }.get(name, "was ended by a signal")
        return f"the worker process running it {why}: {name}."
    return f"the worker process running it exited with code {exitcode} before reporting a result."


class Job:
    """A unit of work for a worker process: fn(control, progress, *args, **kwargs).

    `lane` is "long" (training, experiments) or "quick" (an interactive computation a page waits
    for); `owner` is the opaque id of the browser session that started it (None: nobody's);
    `cooperative` jobs check their control between steps, others are ended by a signal on stop.
    """

    def __init__(
        self,
        fn: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        label: str,
        control: JobControl,
        lane: str = "long",
        owner: str | None = None,
        key: str | None = None,
        cooperative: bool = True,
        stop_grace: float = 10.0,
    ) -> None:
        if lane not in LANES:
            raise JobError(f"lane {lane!r} is not one of {', '.join(LANES)}.")
        self.id = uuid.uuid4().hex[:12]
        self.fn, self.args, self.kwargs = fn, tuple(args), dict(kwargs)
        self.label = label
        self.lane = lane
        self.owner = owner
        self.key = key
        self.cooperative = cooperative
        self.stop_grace = stop_grace if cooperative else 0.0
        self.control = control
        self._lock = threading.Lock()
        self.progress = JobProgress(self._lock)
        self._status = "queued"
        self.submitted = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.stop_requested: float | None = None  # monotonic time of stop(), for the grace period
        self.pid: int | None = None
        self.exitcode: int | None = None
        self.result: Any = None
        self.error_detail = ""  # the worker's traceback, for logs; pages show the message
        self._done = threading.Event()

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.label!r}, {self.status!r})"

    # -- reading -----------------------------------------------------------------------------
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

    @property
    def message(self) -> str:
        """The job's latest message line."""
        with self._lock:
            return str(self.progress.values.get("message", ""))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finishes; False if the timeout (seconds) ran out first."""
        return self._done.wait(timeout)

    def outcome(self, timeout: float | None = None) -> Any:
        """Wait for the job and return its result; JobFailed with the reason if it did not
        complete (failed, stopped, diverged, or still running after `timeout` seconds)."""
        if not self.wait(timeout):
            raise JobFailed(f"{self.label} did not finish within {timeout:g} s.")
        status = self.status
        if status != "completed":
            raise JobFailed(self.message or f"{self.label} ended with status {status}.")
        return self.result

    def snapshot(self) -> dict[str, Any]:
        """Status, times and every progress value, as a copy safe to read from any thread."""
        with self._lock:
            view = self.progress.view()
            view.update(
                id=self.id,
                label=self.label,
                status=self._status_locked(),
                lane=self.lane,
                owner=self.owner,
                key=self.key,
                pid=self.pid,
                submitted=self.submitted,
                started=self.started,
                finished=self.finished,
                exitcode=self.exitcode,
            )
            return view

    def owned_by(self, owner: str | None) -> bool:
        """Whether `owner` started this job (a job without an owner belongs to nobody)."""
        return owner is not None and self.owner == owner

    # -- control -----------------------------------------------------------------------------
    def pause(self) -> None:
        """Pause a cooperative job between steps (takes effect in well under a second)."""
        if self.cooperative:
            self.control.pause()

    def resume(self) -> None:
        """Resume a paused job."""
        self.control.resume()

    def stop(self) -> None:
        """Cancel a queued job, or ask a running one to stop (ended by a signal after the
        job's grace period if it does not)."""
        with self._lock:
            self.control.stop()
            if self._status == "queued":
                self._finish_locked("stopped", "cancelled before it started.")
            elif self.stop_requested is None:
                self.stop_requested = time.monotonic()

    # -- called by the pool ------------------------------------------------------------------
    def _claim(self) -> bool:
        """Move queued → running; False if the job was cancelled meanwhile."""
        with self._lock:
            if self._status != "queued":
                return False
            self._status = "running"
            self.started = time.time()
            return True

    def _finish(self, status: str, message: str = "", result: Any = None) -> None:
        with self._lock:
            self._finish_locked(status, message, result)

    def _finish_locked(self, status: str, message: str = "", result: Any = None) -> None:
        if self._done.is_set():
            return
        self._status = status if status in FINISHED else "failed"
        if message:
            self.progress.values["message"] = message
        self.result = result
        self.finished = time.time()
        self._done.set()
