"""Training as a worker-process job: live progress, owner label, kill -9 → interrupted → resume."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.jobs import JobPool
from corel_core.store import RunStore
from corel_core.training.launch import submit_resume, submit_training


def tiny(epochs: int, limit: int = 200, batch_size: int = 50) -> RunConfig:
    return RunConfig(
        data=DataConfig(name="moons", limit=limit),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=epochs, batch_size=batch_size, device="cpu"),
    )


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture()
def pool():
    p = JobPool(max_jobs=1, quick_jobs=1)
    yield p
    p.shutdown(wait=True, timeout=10)


def metrics_rows(runs_dir: Path, run_id: str) -> list[dict]:
    lines = (runs_dir / run_id / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_a_training_job_reports_what_the_run_store_records(runs_dir: Path, pool) -> None:
    job = submit_training(tiny(3), RunStore(runs_dir), pool, owner="owner-a")
    assert job.wait(60), job.snapshot()
    snap = job.snapshot()
    assert job.status == "completed", snap["message"]
    run_id = snap["run_id"]
    assert job.pid != os.getpid()  # it trained in another process
    # the live history is what the worker wrote to metrics.jsonl, epoch by epoch
    assert snap["history"] == metrics_rows(runs_dir, run_id)
    assert (snap["epochs"], snap["epochs_done"], snap["done"], snap["total"]) == (3, 3, 3, 3)
    assert (snap["epoch"], snap["batch"], snap["n_batches"]) == (2, 3, 4)
    assert snap["preview"]["original"].shape == snap["preview"]["recon"].shape == (8, 2)
    status = json.loads((runs_dir / run_id / "status.json").read_text())
    assert status["owner"] == "owner-a" and status["status"] == "completed"
    assert job.result.status == "completed" and len(job.result.history) == 3


def test_kill_9_of_a_training_worker_interrupts_the_run_and_resume_finishes_it(
    runs_dir: Path, pool
) -> None:
    store = RunStore(runs_dir)
    # 60 short epochs: the pause below must land before the job ends (with 6, the last four
    # epochs once finished between the progress update and the pause on a clean-clone run)
    job = submit_training(tiny(60, limit=400, batch_size=20), store, pool, owner="owner-b")
    assert wait_for(lambda: (job.snapshot().get("epochs_done") or 0) >= 2)
    job.pause()  # hold it between batches so the kill lands at a known epoch count
    assert wait_for(lambda: job.status == "paused")
    run_id = job.snapshot()["run_id"]
    assert wait_for(lambda: store.get(run_id).raw_status()["status"] == "paused")
    saved = len(metrics_rows(runs_dir, run_id))
    os.kill(job.pid, signal.SIGKILL)
    assert job.wait(5)
    assert job.status == "failed" and "SIGKILL" in job.message
    run = store.get(run_id)
    assert run.status == "interrupted" and f"{saved} epochs were saved" in run.message

    again = submit_resume(run_id, store, pool, owner="owner-b")
    assert again.wait(60) and again.status == "completed", again.snapshot()["message"]
    rows = metrics_rows(runs_dir, run_id)
    assert len(rows) == 60 and store.get(run_id).status == "completed"
    assert again.snapshot()["history"] == rows  # old epochs shown first, then the resumed ones
