"""The code that runs inside a worker process: one job, then the process exits.

The server starts each job in a fresh process forked from a forkserver that has the heavy
modules (torch, corel_core) imported already, so a start costs ~10 ms, not seconds of imports.
The worker talks back over one pipe: progress batches, then exactly one final message. If it
dies instead (segfault, out-of-memory kill, kill -9) the server sees the process end without a
final message and fails the job; nothing else shares this process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from corel_core.jobs.control import JobControl
from corel_core.jobs.progress import ProgressWriter

FINAL_STATUSES = ("completed", "stopped", "failed", "diverged")
ENV_PREFIX = "COREL_"  # settings a job takes from the server when it is submitted
DEFAULT_NICE = 5
ORPHAN_GRACE_S = 10.0  # after the server is gone, a job gets this long to stop by itself

JobFn = Callable[..., Any]


def describe_error(exc: BaseException) -> str:
    """A user's error (ValueError) as its sentence; anything else with its type name."""
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def outcome(result: Any, control: JobControl) -> tuple[str, str]:
    """(status, message) of a job that returned `result`.

    A result with a `status` attribute naming a final status (e.g. a training result that
    diverged) decides it; otherwise the job completed, or stopped if it was asked to.
    """
    status = getattr(result, "status", None)
    if isinstance(status, str) and status in FINAL_STATUSES:
        return status, str(getattr(result, "message", "") or "")
    return ("stopped" if control.is_stopped else "completed"), ""


def limit_threads(threads: int) -> None:
    """Give this worker its share of the cores (torch's pool busy-waits when oversubscribed)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[name] = str(threads)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a runtime requirement
        return
    torch.set_num_threads(threads)


_lowered = False  # set in the forkserver by its first preload; forked workers inherit it


def lower_priority() -> None:
    """Run below the web server (COREL_JOB_NICE, default 5): when the cores are busy, page
    renders go first and training takes what is left. Once per process: a worker forked from
    the forkserver (which lowered itself before its imports) keeps the forkserver's level."""
    global _lowered
    if _lowered:
        return
    _lowered = True
    with contextlib.suppress(ValueError, OSError):
        os.nice(max(0, int(os.environ.get("COREL_JOB_NICE", str(DEFAULT_NICE)))))


def _watch_server(conn: Connection, control: JobControl, closed: threading.Event) -> None:
    """Stop the job when the server's end of the pipe closes; exit if it does not stop soon."""
    while not closed.wait(0.2):
        try:
            gone = conn.poll(0)  # the server never writes: readable means end of file
        except (OSError, EOFError):
            gone = True
        if gone:
            control.stop()
            deadline = time.monotonic() + ORPHAN_GRACE_S
            while not closed.wait(0.2):
                if time.monotonic() > deadline:
                    os._exit(1)
            return


def run_job(
    conn: Connection,
    control: JobControl,
    fn: JobFn,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    threads: int,
    env: dict[str, str] | None = None,
) -> None:
    """Process entry point: run fn(control, progress, *args, **kwargs) and report how it ended.

    Final message: ("result", status, message, value) or ("error", message, traceback text).
    `env` replaces this process's COREL_* settings with the server's at submission time.
    """
    if env is not None:
        for name in [n for n in os.environ if n.startswith(ENV_PREFIX)]:
            del os.environ[name]
        os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    lower_priority()
    limit_threads(threads)
    send_lock = threading.Lock()

    def send(obj: Any) -> None:
        # plain pickle, not multiprocessing's: that one would share tensors through file
        # descriptors fetched from this process later, which may have exited by then
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        with send_lock:
            conn.send_bytes(data)

    progress = ProgressWriter(lambda batch: send(("progress", batch)))
    progress.start()
    closed = threading.Event()
    watcher = threading.Thread(
        target=_watch_server, args=(conn, control, closed), name="corel-watch", daemon=True
    )
    watcher.start()
    try:
        value = fn(control, progress, *args, **kwargs)
        status, message = outcome(value, control)
        final: tuple[Any, ...] = ("result", status, message, value)
    except BaseException as exc:  # the worker's last word; the server decides what it means
        final = ("error", describe_error(exc), traceback.format_exc())
    closed.set()
    with contextlib.suppress(OSError, EOFError):
        progress.close()
    try:
        send(final)
    except (OSError, EOFError):
        pass  # the server is gone
    except Exception as exc:  # the value could not be pickled
        with contextlib.suppress(OSError, EOFError):
            send(("error", f"the job's result could not be sent back: {describe_error(exc)}", ""))
    conn.close()
