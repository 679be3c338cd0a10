"""Tests for background jobs: the bounded pool, statuses, progress snapshots, cancellation."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

from corel_core.config import TrainConfig
from corel_core.training import (
    JobError,
    JobManager,
    ProgressCallback,
    Trainer,
    TrainResult,
    default_manager,
)

torch.set_num_threads(1)


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def blocking_job(release: threading.Event, started: list[str], name: str):
    def fn(control, progress):
        started.append(name)
        assert release.wait(10)
        return name

    return fn


def test_pool_bound_is_respected_and_all_jobs_complete():
    manager = JobManager(max_running=1)
    releases = [threading.Event() for _ in range(3)]
    started: list[str] = []
    jobs = [
        manager.submit(blocking_job(r, started, f"j{i}"), f"job {i}")
        for i, r in enumerate(releases)
    ]
    assert wait_for(lambda: jobs[0].status == "running")
    time.sleep(0.1)
    assert [j.status for j in jobs] == ["running", "queued", "queued"]
    assert manager.running() == 1 and started == ["j0"]
    assert manager.jobs() == jobs[::-1]
    releases[0].set()
    assert wait_for(lambda: jobs[1].status == "running")
    assert jobs[0].status == "completed" and jobs[2].status == "queued"
    releases[1].set()
    releases[2].set()
    assert all(j.wait(10) for j in jobs)
    assert [j.status for j in jobs] == ["completed"] * 3
    assert started == ["j0", "j1", "j2"] and [j.result for j in jobs] == ["j0", "j1", "j2"]
    snaps = [j.snapshot() for j in jobs]
    assert (
        snaps[0]["finished"] <= snaps[1]["started"] <= snaps[1]["finished"] <= snaps[2]["started"]
    )
    manager.shutdown()


def test_two_jobs_run_together_with_max_running_two():
    manager = JobManager(max_running=2)
    release = threading.Event()
    started: list[str] = []
    jobs = [manager.submit(blocking_job(release, started, str(i)), "b") for i in range(3)]
    assert wait_for(lambda: len(started) == 2)
    assert sorted(j.status for j in jobs) == ["queued", "running", "running"]
    release.set()
    assert all(j.wait(10) for j in jobs)
    manager.shutdown()


def test_failing_job_is_failed_with_message_and_queue_moves_on():
    manager = JobManager(max_running=1)

    def boom(control, progress):
        progress.set_message("loading data")
        raise RuntimeError("the data file vanished")

    def user_error(control, progress):
        raise ValueError("batch_size must be at least 2.")

    bad = manager.submit(boom, "boom")
    val = manager.submit(user_error, "user")
    good = manager.submit(lambda c, p: 42, "fine")
    assert good.wait(10) and bad.done and val.done
    assert (
        bad.status == "failed"
        and bad.snapshot()["message"] == "RuntimeError: the data file vanished"
    )
    assert val.snapshot()["message"] == "batch_size must be at least 2."
    assert good.status == "completed" and good.result == 42
    manager.shutdown()


def test_snapshot_is_a_deep_copy():
    manager = JobManager()
    release = threading.Event()

    def fn(control, progress):
        from corel_core.training import EpochInfo

        progress.update_epoch(EpochInfo(0, {"total": 1.0}, np.array([0.5, 1.5])))
        progress.set_run_id("20260101-000000-x-abcd")
        assert release.wait(10)

    job = manager.submit(fn, "copy")
    assert wait_for(lambda: job.snapshot()["epochs_done"] == 1)
    snap = job.snapshot()
    snap["history"][0]["total"] = 99.0
    snap["history"].append({})
    snap["deaths"].clear()
    again = job.snapshot()
    assert again["history"] == [{"total": 1.0}] and again["deaths"] == [0.5, 1.5]
    assert again["run_id"] == "20260101-000000-x-abcd"
    assert manager.find_by_run("20260101-000000-x-abcd") is job
    release.set()
    assert job.wait(10)
    manager.shutdown()


def test_stop_cancels_a_queued_job_and_stops_a_running_one():
    manager = JobManager(max_running=1)
    ran: list[str] = []

    def loop(control, progress):
        ran.append("loop")
        while not control.is_stopped:
            control.wait_if_paused()
            time.sleep(0.01)
        return None

    running = manager.submit(loop, "loop")
    queued = manager.submit(lambda c, p: ran.append("queued"), "never")
    assert wait_for(lambda: running.status == "running")
    running.pause()
    assert running.status == "paused" and running.snapshot()["status"] == "paused"
    running.resume()
    assert running.status == "running"
    queued.stop()
    assert queued.status == "stopped" and queued.done
    assert "cancelled" in queued.snapshot()["message"]
    running.stop()
    assert running.wait(10) and running.status == "stopped"
    time.sleep(0.1)
    assert ran == ["loop"]
    manager.shutdown()


def test_job_with_a_real_trainer_reports_progress_and_diverged_status():
    manager = JobManager()
    x = np.random.default_rng(0).normal(size=(100, 5)).astype(np.float32)
    train = TrainConfig(epochs=3, batch_size=25, device="cpu")

    def make(nan_epoch: int | None):
        def fn(control, progress):
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(5, 2), nn.Linear(2, 5))

            def objective(model, xb, taskb, epoch):
                loss = ((model(xb) - xb) ** 2).mean()
                return {"total": loss * (float("nan") if epoch == nan_epoch else 1.0)}

            cb = ProgressCallback(progress)
            return Trainer(model, objective, train, x, callbacks=[cb], control=control).fit()

        return fn

    ok = manager.submit(make(None), "ok")
    bad = manager.submit(make(1), "bad")
    assert ok.wait(20) and bad.wait(20)
    snap = ok.snapshot()
    assert ok.status == "completed" and isinstance(ok.result, TrainResult)
    assert snap["epochs"] == 3 and snap["n_batches"] == 4 and snap["epochs_done"] == 3
    assert [row["total"] for row in snap["history"]] == [r["total"] for r in ok.result.history]
    assert snap["terms"]["total"] > 0 and (snap["epoch"], snap["batch"]) == (2, 3)
    assert bad.status == "diverged" and "epoch 2" in bad.snapshot()["message"]
    assert bad.snapshot()["epochs_done"] == 1
    manager.shutdown()


def test_manager_lookup_shutdown_and_singleton():
    manager = JobManager(max_running=1)
    with pytest.raises(JobError):
        manager.get("nope")

    def loop(control, progress):
        while not control.is_stopped:
            time.sleep(0.01)

    job = manager.submit(loop, "loop")
    waiting = manager.submit(loop, "waiting")
    assert manager.get(job.id) is job
    manager.shutdown(wait=True, timeout=10)
    assert job.status == "stopped" and waiting.status == "stopped"
    with pytest.raises(JobError, match="shut down"):
        manager.submit(loop, "late")
    assert default_manager() is default_manager()
    with pytest.raises(JobError):
        JobManager(max_running=0)
