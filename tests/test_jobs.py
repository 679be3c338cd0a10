"""The worker-process pool: bounds, statuses, progress, control latency, and dying workers.

Job functions live at module level so worker processes can import them by name. Every pool
here shares the test process's forkserver (started once, with the heavy modules preloaded).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corel_core.jobs import (
    JobError,
    JobFailed,
    JobPool,
    ProgressWriter,
    death_sentence,
    default_max_jobs,
    default_pool,
)

LIMIT_S = 1.0  # the bound for progress, pause, resume and stop crossing the boundary


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# -- job bodies (run in worker processes) ---------------------------------------------------
def hold(control, progress, release: str, name: str) -> str:
    """Run until the file `release` exists (or a stop), reporting this worker's pid."""
    progress.set("worker_pid", os.getpid())
    while not Path(release).exists() and not control.is_stopped:
        time.sleep(0.01)
    return name


def count(control, progress, steps: int = 10**6) -> int:
    """A cooperative loop: reports its step, the time, and whether it saw a pause."""
    i = 0
    while i < steps:
        if control.is_paused:
            progress.set("state", "paused")
            control.wait_if_paused()
        if control.is_stopped:
            progress.set("state", "stopped")
            return i
        progress.set("state", "running")
        i += 1
        progress.set("step", i)
        progress.set("t", time.time())
        time.sleep(0.005)
    return i


def ignore_stop(control, progress) -> None:
    """Never looks at its control: only a signal ends it."""
    progress.set_message("busy")
    while True:
        time.sleep(0.05)


def priorities(control, progress) -> tuple[int, int, int]:
    """(this worker's nice value, its parent's, the parent's pid)."""
    parent = os.getppid()
    return os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, parent), parent


def fail_with(control, progress, kind: str) -> None:
    progress.set_message("about to fail")
    if kind == "value":
        raise ValueError("batch_size must be at least 2.")
    if kind == "runtime":
        raise RuntimeError("the data file vanished")
    if kind == "segfault":
        ctypes.string_at(0)  # SIGSEGV in native code
    if kind == "exit":
        os._exit(3)
    if kind == "reserved":
        progress.set("status", "hacked")


class Diverged:
    status = "diverged"
    message = "loss became nan in epoch 2."


def diverge(control, progress) -> Diverged:
    return Diverged()


def make_tensor(control, progress, n: int):
    import torch

    return {"t": torch.arange(n, dtype=torch.float32), "net": torch.nn.Linear(2, 1)}


def report_rows(control, progress, n: int) -> str:
    progress.set_total(n)
    for i in range(n):
        progress.append("rows", {"i": i})
        progress.set_done(i + 1)
    progress.set("env", os.environ.get("COREL_TEST_SETTING"))
    return "ok"


# -- tests ------------------------------------------------------------------------------------
@pytest.fixture()
def pool():
    p = JobPool(max_jobs=1, quick_jobs=1)
    yield p
    p.shutdown(wait=True, timeout=10)


def test_the_long_lane_bound_is_kept_and_queued_jobs_run_in_order(pool, tmp_path: Path) -> None:
    releases = [tmp_path / f"r{i}" for i in range(3)]
    jobs = [pool.submit(hold, (str(r), f"j{i}"), label=f"j{i}") for i, r in enumerate(releases)]
    assert wait_for(lambda: jobs[0].snapshot().get("worker_pid"))
    time.sleep(0.3)
    assert [j.status for j in jobs] == ["running", "queued", "queued"]
    assert pool.running("long") == 1 and pool.jobs() == jobs[::-1]
    quick = pool.submit(hold, (str(releases[2]), "q"), label="quick", lane="quick")
    assert wait_for(lambda: quick.status == "running"), "the quick lane waited for the long one"
    for release in releases:
        release.touch()
        time.sleep(0.05)
    assert all(j.wait(20) for j in [*jobs, quick])
    assert [j.result for j in jobs] == ["j0", "j1", "j2"]
    assert [j.status for j in jobs] == ["completed"] * 3
    snaps = [j.snapshot() for j in jobs]
    assert (
        snaps[0]["finished"] <= snaps[1]["started"] <= snaps[1]["finished"] <= snaps[2]["started"]
    )
    pids = {s["worker_pid"] for s in snaps}
    assert len(pids) == 3 and os.getpid() not in pids  # one fresh process per job


def test_failures_carry_a_sentence_and_the_queue_moves_on(pool) -> None:
    value = pool.submit(fail_with, ("value",), label="user error")
    runtime = pool.submit(fail_with, ("runtime",), label="bug")
    reserved = pool.submit(fail_with, ("reserved",), label="reserved name")
    good = pool.submit(report_rows, (3,), label="fine")
    assert good.wait(30) and value.done and runtime.done and reserved.done
    assert value.status == runtime.status == reserved.status == "failed"
    assert value.message == "batch_size must be at least 2."
    assert runtime.message == "RuntimeError: the data file vanished"
    assert "'status' cannot be a progress name" in reserved.message
    assert "RuntimeError" in runtime.error_detail  # the worker's traceback, for the log
    assert good.status == "completed" and good.result == "ok"
    with pytest.raises(JobFailed, match="batch_size"):
        value.outcome()


def test_tensors_and_modules_come_back_after_the_worker_exited(pool) -> None:
    import torch

    job = pool.submit(make_tensor, (5,), label="tensors")
    assert job.wait(30) and job.status == "completed", job.message
    assert wait_for(lambda: pool.running() == 0, 5.0)  # its process is gone
    assert torch.equal(job.result["t"], torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0]))
    assert job.result["net"].weight.shape == (1, 2)


def test_a_result_with_a_final_status_decides_the_jobs_status(pool) -> None:
    job = pool.submit(diverge, label="diverges")
    assert job.wait(30)
    assert job.status == "diverged" and job.message == "loss became nan in epoch 2."


def test_progress_values_arrive_in_order_and_snapshots_do_not_change(pool, monkeypatch) -> None:
    monkeypatch.setenv("COREL_TEST_SETTING", "set after the pool started")
    job = pool.submit(report_rows, (500,), label="rows")
    assert job.wait(30) and job.status == "completed"
    snap = job.snapshot()
    assert [r["i"] for r in snap["rows"]] == list(range(500))
    assert (snap["done"], snap["total"]) == (500, 500)
    assert snap["env"] == "set after the pool started"  # the server's settings at submission
    snap["rows"].clear()
    assert len(job.snapshot()["rows"]) == 500


def test_dead_workers_fail_only_their_own_job_and_are_replaced(tmp_path: Path) -> None:
    pool = JobPool(max_jobs=2, quick_jobs=1)
    release = tmp_path / "release"
    survivor = pool.submit(hold, (str(release), "survivor"), label="survivor")
    victim = pool.submit(hold, (str(tmp_path / "never"), "victim"), label="victim")
    assert wait_for(lambda: victim.snapshot().get("worker_pid") and survivor.pid)
    os.kill(victim.snapshot()["worker_pid"], signal.SIGKILL)
    assert victim.wait(5)
    assert victim.status == "failed" and "SIGKILL" in victim.message
    assert "kill -9, or the system ran out of memory" in victim.message
    segv = pool.submit(fail_with, ("segfault",), label="segfault")
    exits = pool.submit(fail_with, ("exit",), label="exits")
    assert segv.wait(30) and exits.wait(30)
    assert segv.status == "failed" and "segmentation fault" in segv.message
    assert segv.exitcode == -signal.SIGSEGV
    assert exits.status == "failed" and "exited with code 3" in exits.message
    assert survivor.status == "running"  # untouched by three dead neighbours
    after = pool.submit(report_rows, (2,), label="after the crashes")
    assert after.wait(30) and after.status == "completed"
    release.touch()
    assert survivor.wait(10) and survivor.status == "completed" and survivor.result == "survivor"
    assert wait_for(lambda: pool.running() == 0, 5.0)  # every exited worker was reaped
    pool.shutdown()


def test_progress_pause_resume_and_stop_cross_in_under_a_second(pool) -> None:
    job = pool.submit(count, label="count")
    assert wait_for(lambda: (job.snapshot().get("step") or 0) > 20)
    lags = []
    for _ in range(20):  # how old is the newest value the server holds?
        lags.append(time.time() - job.snapshot()["t"])
        time.sleep(0.05)
    assert max(lags) < LIMIT_S, lags

    start = time.monotonic()
    job.pause()
    assert wait_for(lambda: job.snapshot().get("state") == "paused", LIMIT_S)
    pause_s = time.monotonic() - start
    assert job.status == "paused"
    frozen = job.snapshot()["step"]
    time.sleep(0.3)
    assert job.snapshot()["step"] == frozen  # really paused

    start = time.monotonic()
    job.resume()
    assert wait_for(lambda: job.snapshot()["step"] > frozen, LIMIT_S)
    resume_s = time.monotonic() - start

    start = time.monotonic()
    job.stop()
    assert job.wait(LIMIT_S), "stop took more than a second to end the job"
    stop_s = time.monotonic() - start
    assert job.status == "stopped" and job.snapshot()["state"] == "stopped"
    print(
        f"\nlag {max(lags):.3f} s, pause {pause_s:.3f} s, resume {resume_s:.3f} s, "
        f"stop {stop_s:.3f} s"
    )


def test_stop_ends_a_job_that_never_looks_at_its_control(pool) -> None:
    job = pool.submit(ignore_stop, label="stubborn", cooperative=False)
    assert wait_for(lambda: job.message == "busy")
    start = time.monotonic()
    job.stop()
    assert job.wait(3.0)
    assert job.status == "stopped" and time.monotonic() - start < LIMIT_S
    queued_first = pool.submit(ignore_stop, label="a", cooperative=False)
    queued = pool.submit(ignore_stop, label="b", cooperative=False)
    queued.stop()  # cancelled before it ever started
    assert queued.status == "stopped" and "cancelled" in queued.message and queued.pid is None
    queued_first.stop()
    assert queued_first.wait(3.0)


def test_call_returns_the_value_or_raises_with_the_reason(pool) -> None:
    assert pool.call(sorted, ([3, 1, 2],), label="sort") == [1, 2, 3]
    with pytest.raises(JobFailed, match="invalid literal"):
        pool.call(int, ("x",), label="parse")
    same = [pool.submit(hold, ("/nonexistent", "k"), label="k", key="k") for _ in range(2)]
    assert same[0] is same[1]  # a key joins the unfinished job instead of starting a second
    same[0].stop()
    assert same[0].wait(15)


def test_lookup_shutdown_limits_and_sentences(tmp_path: Path) -> None:
    pool = JobPool(max_jobs=1, quick_jobs=1)
    with pytest.raises(JobError):
        pool.get("nope")
    job = pool.submit(hold, (str(tmp_path / "never"), "x"), label="held")
    waiting = pool.submit(hold, (str(tmp_path / "never"), "y"), label="waiting")
    assert pool.get(job.id) is job
    pool.shutdown(wait=True, timeout=10)
    assert job.status == "stopped" and waiting.status == "stopped"
    with pytest.raises(JobError, match="shut down"):
        pool.submit(hold, ("x", "y"), label="late")
    with pytest.raises(JobError):
        JobPool(max_jobs=0)
    assert default_pool() is default_pool()
    assert default_max_jobs(2) == 1 and default_max_jobs(16) == 8 and default_max_jobs(1) == 1
    assert "SIGSEGV" in death_sentence(-11) and "code 2" in death_sentence(2)


def test_progress_writer_batches_sets_and_keeps_appends() -> None:
    sent: list[dict] = []
    writer = ProgressWriter(sent.append, interval=60.0)
    for i in range(1000):
        writer.set("step", i)
    writer.append("rows", 1)
    writer.append("rows", 2)
    writer.flush()
    writer.flush()  # nothing new: nothing sent
    assert sent == [{"set": {"step": 999}, "append": [("rows", 1), ("rows", 2)]}]


ORPHAN_SCRIPT = """
import os, sys, time
sys.path.insert(0, sys.argv[1])  # the tests folder: job functions are imported by name
from corel_core.jobs import JobPool
from test_jobs import count

if __name__ == "__main__":
    pool = JobPool(1, 1, preload=("corel_core.jobs.worker",))
    job = pool.submit(count, label="orphan")
    while job.pid is None or job.status != "running":
        time.sleep(0.02)
    time.sleep(0.3)
    print(job.pid, flush=True)
    os._exit(0)  # the server dies without shutting anything down
"""


def test_a_worker_whose_server_died_stops_by_itself(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(ORPHAN_SCRIPT))
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, str(script), str(Path(__file__).parent)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert out.stdout.strip(), out.stderr
    pid = int(out.stdout.split()[0])

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        return state == "Z"

    assert wait_for(gone, 5.0), "the orphaned worker kept running"


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_workers_run_below_the_server_once_whatever_the_start_method(method: str) -> None:
    from corel_core.jobs.worker import DEFAULT_NICE

    pool = JobPool(max_jobs=1, quick_jobs=1, method=method)
    try:
        job = pool.submit(priorities, label="priorities")
        assert job.wait(120) and job.status == "completed", job.message
        own, parent_nice, parent = job.result
    finally:
        pool.shutdown(wait=True, timeout=10)
    server = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, server + DEFAULT_NICE)
    assert own == expected  # lowered once: not again in a worker forked from a lowered server
    if method == "forkserver":  # the forkserver lowered itself before its heavy imports
        assert parent != os.getpid() and parent_nice == expected
