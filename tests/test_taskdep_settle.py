"""One status everywhere: an experiment whose job ended without writing its end (stopped while
queued, worker killed) is recorded as stopped or failed, not left "queued" or "running"."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from corel_core.jobs import JobPool
from corel_core.store.experiments import TaskDepStore
from corel_core.studies.taskdep import TaskDepConfig
from corel_core.studies.taskdep.background import settle, start_taskdep_job
from tests.test_jobs import hold, wait_for


@pytest.fixture()
def pool():
    p = JobPool(max_jobs=1, quick_jobs=1)
    yield p
    p.shutdown(wait=True, timeout=10)


def status(tstore: TaskDepStore, exp_id: str) -> str:
    return {r["id"]: r["status"] for r in tstore.list()}[exp_id]


def test_stopped_while_queued_and_killed_while_running_show_as_such(pool, tmp_path: Path) -> None:
    tstore = TaskDepStore(tmp_path)
    cfg = TaskDepConfig(seeds=(0,), epochs=50)
    release = tmp_path / "release"
    blocker = pool.submit(hold, (str(release), "blocker"), label="holds the only long slot")
    queued, queued_id = start_taskdep_job(cfg, root=tmp_path, pool=pool)
    assert status(tstore, queued_id) == "queued"
    queued.stop()
    assert queued.wait(10) and queued.status == "stopped"
    assert status(tstore, queued_id) == "queued"  # the job never ran: nobody wrote its end
    assert settle(tstore, pool) == [queued_id]
    assert status(tstore, queued_id) == "stopped"

    release.touch()
    assert blocker.wait(60)  # the first worker may still be starting
    running, running_id = start_taskdep_job(cfg, root=tmp_path, pool=pool)
    assert wait_for(lambda: status(tstore, running_id) == "running" and running.pid, 60)
    os.kill(running.pid, signal.SIGKILL)
    assert running.wait(10) and running.status == "failed"
    assert status(tstore, running_id) == "running"
    assert settle(tstore, pool) == [running_id]
    assert status(tstore, running_id) == "failed"
    assert "SIGKILL" in tstore.read_progress(running_id)["message"]
    assert settle(tstore, pool) == []  # settled once; finished experiments are left alone


def test_stage_progress_lists_expected_stages_in_order_and_names_them(tmp_path) -> None:
    from corel_core.store.experiments import TaskDepStore
    from corel_core.studies.taskdep.progress import StageProgress, stage_text

    store = TaskDepStore(tmp_path)
    exp_id = store.new_id("synthetic", "shifted")
    tracker = StageProgress(store, exp_id, {}, min_interval=0.0)
    tracker.expect([("data", 3), ("vae", 33), ("cvae", 33)])
    tracker.expect([("evaluation", 6)])
    tracker("cvae", 5, 33)  # a later stage reports first: the listed order stays
    written = store.read_progress(exp_id)
    stages = written["stages"]
    assert written["order"] == ["data", "vae", "cvae", "evaluation"]
    assert stages["vae"] == [0, 33] and stages["cvae"] == [5, 33]
    assert tracker.snapshot()["message"] == "CVAE: 5/33 epochs and scoring steps"
    assert stage_text("evaluation", 2, 6).endswith("2/6 models done")
    assert stage_text("data", 1, 3) == "Held-out data: 1/3 seeds"


def test_a_new_stage_is_written_at_once_while_counts_within_a_stage_are_throttled(tmp_path) -> None:
    from corel_core.store.experiments import TaskDepStore
    from corel_core.studies.taskdep.progress import StageProgress

    store = TaskDepStore(tmp_path)
    exp_id = store.new_id("synthetic", "shifted")
    tracker = StageProgress(store, exp_id, {}, min_interval=3600.0)
    tracker("vae", 1, 10)
    tracker("vae", 2, 10)  # within the interval: not written yet
    assert store.read_progress(exp_id)["stages"]["vae"] == [1, 10]
    tracker("evaluation", 0, 3)  # scoring starts: the page must say so now, not after it
    written = store.read_progress(exp_id)
    assert written["stages"]["evaluation"] == [0, 3] and written["stages"]["vae"] == [2, 10]
    assert written["message"].startswith("Scoring on held-out data")
