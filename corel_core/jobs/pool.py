"""A bounded, supervised pool of worker processes: submit, progress, pause, stop, crash → failed.

Each job runs in its own process, forked from a forkserver that imported the heavy modules once
(so a start costs ~10 ms). At most `max_jobs` long jobs and `quick_jobs` quick ones (a page is
waiting for them) run at once; the rest wait in submission order. One supervisor thread reads
every worker's pipe and notices every exit: a worker that dies (segfault, out-of-memory kill,
kill -9) fails only its own job, with a sentence saying how it died, and its slot goes to the
next job in a fresh process. Nothing here knows what a job computes.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing as mp
import os
import pickle
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from corel_core.jobs.bodies import call_plain
from corel_core.jobs.control import JobControl
from corel_core.jobs.job import Job, JobError, death_sentence
from corel_core.jobs.settings import (
    FIRST_WORKER_MESSAGE,
    PRELOAD,
    WARM_AFTER_S,
    default_max_jobs,
    env_int,
    machine_cores,
)
from corel_core.jobs.spawning import WorkerProcess
from corel_core.jobs.worker import ENV_PREFIX, run_job

LOG = logging.getLogger(__name__)
TICK_S = 0.1  # the supervisor's longest sleep: bounds how late a stop's grace period is enforced
KILL_AFTER_S = 2.0  # after SIGTERM, SIGKILL


class _Slot:
    """A running job's process and the server's end of its pipe."""

    def __init__(self, job: Job, process: Any, conn: Connection) -> None:
        self.job, self.process, self.conn = job, process, conn
        self.terminated = False  # the pool ended it (stop past its grace period, shutdown)
        self.term_time = 0.0


class JobPool:
    """Runs jobs in worker processes: at most `max_jobs` long and `quick_jobs` quick at once.

    `threads` torch/BLAS threads per worker (default: the cores shared by all slots);
    `keep_finished` finished jobs stay listed for pages to show; `preload` modules are imported
    once in the forkserver, which starts `warm_after` seconds after the pool is made (or at the
    first job, if that comes sooner).
    """

    def __init__(
        self,
        max_jobs: int | None = None,
        quick_jobs: int = 1,
        *,
        threads: int | None = None,
        keep_finished: int = 200,
        preload: tuple[str, ...] = PRELOAD,
        method: str | None = None,
        warm_after: float = 0.0,
    ) -> None:
        max_jobs = default_max_jobs() if max_jobs is None else max_jobs
        if max_jobs < 1 or quick_jobs < 1:
            raise JobError("a pool needs at least one long and one quick slot.")
        self.limits = {"long": int(max_jobs), "quick": int(quick_jobs)}
        self.threads = threads or max(1, machine_cores() // (max_jobs + quick_jobs))
        self.keep_finished = keep_finished
        if method is None:  # forkserver where the platform has it (Linux, macOS)
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self._ctx = mp.get_context(method)
        self._method = method
        if method == "forkserver":
            self._ctx.set_forkserver_preload(list(preload))
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # insertion order = submission order
        self._queue: list[Job] = []
        self._slots: dict[str, _Slot] = {}
        self._closed = False
        self._started_one = False  # the forkserver has forked a worker: its imports are done
        self._closing = threading.Event()  # set by shutdown: a pending warm-up is dropped
        self._wake_r, self._wake_w = os.pipe()  # one byte wakes the supervisor
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._supervisor = threading.Thread(target=self._supervise, name="corel-jobs", daemon=True)
        self._supervisor.start()
        if method == "forkserver":  # import the preload soon, not when the first job waits
            warm = threading.Thread(target=self._warm, args=(warm_after,), daemon=True)
            warm.start()
        atexit.register(self.shutdown, wait=True, timeout=5.0)

    def __repr__(self) -> str:
        return f"JobPool(long={self.limits['long']}, quick={self.limits['quick']})"

    def _warm(self, after: float) -> None:
        from multiprocessing import forkserver

        if self._closing.wait(after):
            return
        with contextlib.suppress(Exception):
            forkserver.ensure_running()

    # -- submitting --------------------------------------------------------------------------
    def submit(
        self,
        fn: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        label: str,
        lane: str = "long",
        owner: str | None = None,
        key: str | None = None,
        cooperative: bool = True,
        stop_grace: float = 10.0,
    ) -> Job:
        """Queue fn(control, progress, *args, **kwargs) for a worker; returns its Job at once.

        fn must be importable by name (a module-level function) and args picklable. With a
        `key`, an unfinished job with the same key is returned instead of a second copy.
        """
        job = Job(
            fn,
            args,
            kwargs or {},
            label=label,
            control=JobControl(self._ctx),
            lane=lane,
            owner=owner,
            key=key,
            cooperative=cooperative,
            stop_grace=stop_grace,
        )
        with self._lock:
            if self._closed:
                raise JobError("the job pool is shut down and accepts no new jobs.")
            if key is not None:
                for other in self._jobs.values():
                    if other.key == key and not other.done:
                        return other
            self._jobs[job.id] = job
            self._queue.append(job)
            self._prune_locked()
        self._wake()
        return job

    def call(
        self,
        fn: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        label: str,
        timeout: float | None = None,
        **options: Any,
    ) -> Any:
        """Run a plain function fn(*args, **kwargs) as a quick job and wait for its value.

        JobFailed (a ValueError) with the reason if it raised, died or was stopped.
        """
        options.setdefault("lane", "quick")
        options.setdefault("cooperative", False)
        job = self.submit(call_plain, (fn, tuple(args), kwargs or {}), label=label, **options)
        return job.outcome(timeout)

    # -- reading -----------------------------------------------------------------------------
    def jobs(self, owner: str | None = None, lane: str | None = None) -> list[Job]:
        """Known jobs, newest first; only `owner`'s / only one lane's when given."""
        with self._lock:
            found = list(reversed(self._jobs.values()))
        return [
            j
            for j in found
            if (owner is None or j.owner == owner) and (lane is None or j.lane == lane)
        ]

    def get(self, job_id: str) -> Job:
        """The job with this id (JobError if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobError(f"there is no job {job_id!r}; it may have finished long ago.")
        return job

    def find(self, key: str) -> Job | None:
        """The newest job submitted with this key, if any."""
        return next((j for j in self.jobs() if j.key == key), None)

    def ahead_of(self, job: Job) -> int:
        """How many queued jobs of its lane start before `job` (0 when it is next or not queued)."""
        with self._lock:
            same = [j for j in self._queue if j.lane == job.lane]
        return same.index(job) if job in same else 0

    def running(self, lane: str | None = None) -> int:
        """How many jobs have a live worker process right now."""
        with self._lock:
            return sum(lane is None or s.job.lane == lane for s in self._slots.values())

    def worker_pids(self) -> dict[str, int]:
        """Job id → pid of its worker process, for the jobs running now."""
        with self._lock:
            return {jid: s.process.pid for jid, s in self._slots.items()}

    # -- the supervisor ----------------------------------------------------------------------
    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe already holds a wake-up
            os.write(self._wake_w, b"!")

    def _supervise(self) -> None:
        while True:
            with self._lock:
                slots = list(self._slots.values())
                closed = self._closed
            if closed and not slots:
                return
            waitables: list[Any] = [self._wake_r]
            for slot in slots:
                waitables.append(slot.process.sentinel)
                if not slot.conn.closed:
                    waitables.append(slot.conn)
            try:
                ready = wait(waitables, timeout=TICK_S)
            except OSError:  # a handle closed under us: look again
                ready = []
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            for slot in slots:
                if slot.conn in ready:
                    self._read(slot)
            for slot in slots:
                if slot.process.sentinel in ready:
                    self._reap(slot)
            self._enforce_stops(slots)
            self._dispatch()

    def _read(self, slot: _Slot) -> None:
        """Take every message waiting on a worker's pipe."""
        try:
            while not slot.conn.closed and slot.conn.poll():
                # pickled by our own worker (corel_core.jobs.worker), not untrusted data
                self._handle(slot.job, pickle.loads(slot.conn.recv_bytes()))
        except (EOFError, OSError):
            slot.conn.close()  # the worker closed its end (exited) or died mid-message
        except Exception:  # a message that does not unpickle: log it, keep the pool going
            LOG.exception("unreadable message from job %s", slot.job.id)
            slot.conn.close()

    @staticmethod
    def _handle(job: Job, message: Any) -> None:
        kind = message[0]
        if kind == "progress":
            job.progress.apply(message[1])
        elif kind == "result":
            _, status, text, value = message
            job._finish(status, text, value)
        elif kind == "error":
            _, text, detail = message
            job.error_detail = detail
            LOG.warning("job %s (%s) failed: %s\n%s", job.id, job.label, text, detail)
            job._finish("failed", text)

    def _reap(self, slot: _Slot) -> None:
        """A worker exited: read what it sent last, reap it, settle the job, free the slot."""
        self._read(slot)
        slot.process.join(1.0)  # reap now, so the dead pid no longer looks alive to the store
        job = slot.job
        job.exitcode = slot.process.exitcode
        if not job.done:
            if slot.terminated or job.control.is_stopped:
                waited = time.monotonic() - (job.stop_requested or time.monotonic())
                job._finish("stopped", f"stopped; the worker was ended after {waited:.1f} s.")
            else:
                job._finish("failed", death_sentence(job.exitcode))
        with contextlib.suppress(OSError):
            slot.conn.close()
        with contextlib.suppress(ValueError):
            slot.process.close()
        with self._lock:
            self._slots.pop(job.id, None)

    def _enforce_stops(self, slots: list[_Slot]) -> None:
        """End workers that ignore a stop past their grace period: SIGTERM, then SIGKILL."""
        now = time.monotonic()
        for slot in slots:
            requested = slot.job.stop_requested
            if requested is None or slot.job.done:
                continue
            with contextlib.suppress(ValueError, OSError, AttributeError):
                if not slot.terminated and now - requested >= slot.job.stop_grace:
                    slot.terminated, slot.term_time = True, now
                    slot.process.terminate()
                elif slot.terminated and now - slot.term_time >= KILL_AFTER_S:
                    slot.process.kill()

    def _dispatch(self) -> None:
        """Start queued jobs while their lane has a free slot (oldest first)."""
        while True:
            with self._lock:
                if self._closed:
                    return
                busy = {"long": 0, "quick": 0}
                for slot in self._slots.values():
                    busy[slot.job.lane] += 1
                job = next((j for j in self._queue if busy[j.lane] < self.limits[j.lane]), None)
                if job is None:
                    return
                self._queue.remove(job)
            if job._claim():
                self._start(job)

    def _start(self, job: Job) -> None:
        parent, child = mp.Pipe(duplex=True)
        # the server's COREL_* settings as they are now (the forkserver's are as old as it is)
        env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
        args = (child, job.control, job.fn, job.args, job.kwargs, self.threads, env)
        process_class = WorkerProcess if self._method == "forkserver" else self._ctx.Process
        process = process_class(target=run_job, args=args, name=f"corel-job-{job.id}")
        if first := not self._started_one and self._method == "forkserver":
            job.progress.set_message(FIRST_WORKER_MESSAGE)  # start() waits for the preload
        try:
            process.start()
            self._started_one = True
            if first and job.message == FIRST_WORKER_MESSAGE:
                job.progress.set_message("")
        except Exception as exc:  # unpicklable arguments, no forkserver, no memory for a process
            LOG.warning("job %s (%s) could not start", job.id, job.label, exc_info=True)
            job._finish("failed", f"the job could not be started in a worker process: {exc}")
            parent.close()
            return
        finally:
            child.close()  # the worker holds its own copy
        job.pid = process.pid
        with self._lock:
            self._slots[job.id] = _Slot(job, process, parent)

    def _prune_locked(self) -> None:
        """Forget the oldest finished jobs: beyond `keep_finished` long ones, and beyond a tenth
        of that many quick ones (their results are arrays a page already took)."""
        for lane, keep in (("long", self.keep_finished), ("quick", self.keep_finished // 10)):
            finished = [j for j in self._jobs.values() if j.done and j.lane == lane]
            for job in finished[: max(0, len(finished) - keep)]:
                del self._jobs[job.id]

    # -- shutting down -----------------------------------------------------------------------
    def shutdown(self, wait: bool = True, timeout: float | None = 10.0) -> None:
        """Cancel queued jobs, stop running ones, refuse new ones; with `wait`, give them
        `timeout` seconds to stop by themselves, then end the rest by signal."""
        self._closing.set()
        with self._lock:
            self._closed = True
            self._queue = []
            unfinished = [j for j in self._jobs.values() if not j.done]
        for job in unfinished:  # also a job the supervisor is starting right now
            job.stop()
        self._wake()
        if not wait:
            return
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        for job in unfinished:
            job.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            slots = list(self._slots.values())
        for slot in slots:
            if not slot.job.done:
                with contextlib.suppress(ValueError, OSError, AttributeError):
                    slot.process.kill()
        self._supervisor.join(KILL_AFTER_S + 1.0)


_DEFAULT: JobPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> JobPool:
    """The process-wide pool every browser session shares.

    COREL_MAX_JOBS long jobs at once (default: half the cores, at least 1) and
    COREL_MAX_QUICK_JOBS quick ones (default 1). Its forkserver warms up `WARM_AFTER_S` after
    the first page that needs the pool, so that page's render does not share the CPU with it.
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = JobPool(
                env_int("COREL_MAX_JOBS", default_max_jobs(), 1),
                env_int("COREL_MAX_QUICK_JOBS", 1, 1),
                warm_after=WARM_AFTER_S,
            )
        return _DEFAULT
