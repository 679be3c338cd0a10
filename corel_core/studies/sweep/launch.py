"""Start and stop a sweep from the app: the sweep's driver runs in its own process.

The app never imports Ray: it writes the sweep folder (`SweepStore.create`), then runs
`python -m corel_core sweep --resume ID --runs-dir DIR` in a new session with its output in
<sweep>/driver.log. That process starts the embedded Ray (or joins `address`) only then, and
stops it when the sweep ends; a stop request is Ctrl-C (SIGINT) to that process, after which
the same command finishes the sweep.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from corel_core.store.files import now_iso, pid_alive, process_start
from corel_core.studies.sweep.engine import PROJECT_ROOT
from corel_core.studies.sweep.store import Sweep

_CHILDREN: dict[int, subprocess.Popen] = {}  # drivers this process started, reaped when done


def driver_command(sweep: Sweep, address: str | None = None) -> list[str]:
    """The command line that runs (or finishes) `sweep`."""
    cmd = [sys.executable, "-m", "corel_core", "sweep", "--resume", sweep.id]
    cmd += ["--runs-dir", str(sweep.runs_dir.resolve())]
    return [*cmd, "--address", address] if address else cmd


def start_driver(sweep: Sweep, address: str | None = None) -> int:
    """Run `sweep` in a new process (its own session, output in driver.log); its pid."""
    _reap()
    log = open(sweep.path / "driver.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        child = subprocess.Popen(
            driver_command(sweep, address),
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the app's terminal does not reach it
        )
    finally:
        log.close()
    _CHILDREN[child.pid] = child
    sweep.set_state(
        "created",
        "starting Ray…",
        launched=now_iso(),
        launch_pid=child.pid,
        launch_pid_start=process_start(child.pid),
        launch_host=socket.gethostname(),
    )
    return child.pid


def _reap() -> None:
    for pid, child in list(_CHILDREN.items()):
        if child.poll() is not None:
            del _CHILDREN[pid]


def driver_alive(sweep: Sweep) -> bool:
    """Whether the process driving `sweep` (started here or on the CLI) still runs on this host."""
    _reap()
    state = sweep.state()
    if state.get("status") == "running":
        return True  # state() already reads a dead driver on this host as "interrupted"
    pid = state.get("launch_pid")
    same_host = state.get("launch_host") == socket.gethostname()
    return bool(pid) and same_host and pid_alive(pid, state.get("launch_pid_start"))


def stop_driver(sweep: Sweep) -> bool:
    """Ask the sweep's driver to stop as Ctrl-C does; False when none runs on this host."""
    state = sweep.state()
    if state.get("status") == "running" and state.get("host") == socket.gethostname():
        pid, start = state.get("pid"), state.get("pid_start")
    else:
        pid, start = state.get("launch_pid"), state.get("launch_pid_start")
    if not pid or not pid_alive(pid, start):
        return False
    os.kill(int(pid), signal.SIGINT)
    return True
