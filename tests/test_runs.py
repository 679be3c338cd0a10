"""Tests for the on-disk run store and the RunRecorder callback."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from corel_core.config import RunConfig
from corel_core.store import RunError, RunStore, validate_run_id
from corel_core.store.files import created_order, now_iso, write_json
from corel_core.training import Trainer
from corel_core.training.recording import RunRecorder

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parents[1]


def small_config(**train) -> RunConfig:
    return RunConfig(name="Tiny AE!").replace(
        data={"name": "moons"}, train={"epochs": 3, "batch_size": 20, "device": "cpu", **train}
    )


def tiny_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 2), nn.Linear(2, 5))


def mse(model, xb, taskb, epoch):
    loss = ((model(xb) - xb) ** 2).mean()
    return {"total": loss, "recon": loss}


def all_files(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_create_list_get_delete_round_trip(runs_dir):
    store = RunStore()
    assert store.root == runs_dir and store.list() == []
    first = store.create(small_config())
    second = store.create(small_config(), name="second")
    validate_run_id(first.id)
    assert "-tiny-ae-" in first.id and "-second-" in second.id
    assert first.status == "created" and first.config == small_config()
    assert json.loads((first.path / "config.json").read_text()) == small_config().to_dict()
    summaries = store.list()
    assert [s.id for s in summaries] == [second.id, first.id]
    assert summaries[1].name == "Tiny AE!" and summaries[0].name == "second"
    assert (summaries[0].dataset, summaries[0].model_kind) == ("moons", "mlp")
    assert json.loads(json.dumps(summaries[0].to_dict()))["status"] == "created"
    assert store.get(first.id).path == first.path
    store.delete(first.id)
    assert not first.path.exists() and [s.id for s in store.list()] == [second.id]
    with pytest.raises(RunError, match="no run"):
        store.get(first.id)


def test_runs_made_back_to_back_list_newest_first(runs_dir):
    # CI once made two runs in the same millisecond and listed them in directory order
    store = RunStore()
    made = [store.create(small_config(), name=f"r{i}").id for i in range(30)]
    assert [s.id for s in store.list()] == made[::-1]
    stamps = [now_iso() for _ in range(1000)]
    assert all(a < b for a, b in itertools.pairwise(stamps))


def test_created_order_reads_stamps_of_any_precision():
    old = "2026-11-30T16:32:38.123+00:00"  # runs made before stamps had microseconds
    assert created_order(old) < created_order("2026-11-30T16:32:38.123001+00:00")
    assert created_order("2026-11-30T16:32:38.124+00:00") > created_order(
        "2026-11-30T16:32:38.123999+00:00"
    )
    assert created_order("garbage") < created_order(old)


@pytest.mark.parametrize(
    "bad",
    ["../x", "/abs", "a/b", "", "..", "20260101-120000-x-zzzz", "20260101-120000-a/../b-1a2b"],
)
def test_bad_run_ids_are_rejected(runs_dir, bad):
    store = RunStore()
    for action in (store.get, store.delete, validate_run_id):
        with pytest.raises(RunError):
            action(bad)


def test_weights_latents_and_extras_round_trip(runs_dir):
    run = RunStore().create(small_config())
    model = tiny_model(3)
    run.save_weights(model.state_dict(), "last")
    loaded = run.load_weights("last")
    assert loaded.keys() == model.state_dict().keys()
    for key, value in model.state_dict().items():
        assert torch.equal(loaded[key], value)
    assert run.weight_tags() == ["last"]
    with pytest.raises(RunError, match="not a tensor"):
        run.save_weights({"a": torch.zeros(1), "b": 3}, "bad")
    with pytest.raises(RunError, match="no saved weights"):
        run.load_weights("best")

    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(50, 2)).astype(np.float32), rng.integers(0, 3, 50)
    run.save_latents(z=z, y=y)
    got = run.load_latents()
    assert set(got) == {"z", "y"} and got["z"].dtype == np.float32
    np.testing.assert_array_equal(got["z"], z)
    np.testing.assert_array_equal(got["y"], y)
    with pytest.raises(RunError, match="Python objects"):
        run.save_latents(bad=np.array([{"a": 1}], dtype=object))

    run.save_array("umap_2d", z[:, ::-1])
    np.testing.assert_array_equal(run.load_array("umap_2d"), z[:, ::-1])
    assert not run.has_json("auroc")
    run.save_json("auroc", {"class": [0.5, 0.75], "nan": float("nan")})
    assert run.has_json("auroc") and run.has_array("umap_2d") and not run.has_array("auroc")
    assert run.load_json("auroc") == {"class": [0.5, 0.75], "nan": None}
    for bad in ("../x", "a/b", "/abs", ".hidden", ""):
        with pytest.raises(RunError):
            run.save_array(bad, z)
        with pytest.raises(RunError):
            run.load_weights(bad)
    # atomic writes leave no temp files behind
    assert not [p for p in all_files(run.path) if p.name.startswith(".")]


def test_atomic_write_failure_keeps_old_file(runs_dir):
    run = RunStore().create(small_config())
    path = run.path / "extra" / "thing.json"
    write_json(path, {"v": 1})
    with pytest.raises(TypeError):
        write_json(path, {"v": object()})
    assert json.loads(path.read_text()) == {"v": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["thing.json"]


def test_metrics_append_and_torn_last_line(runs_dir):
    run = RunStore().create(small_config())
    run.append_epoch({"epoch": 0, "total": 2.0})
    run.append_epoch({"epoch": 1, "total": 1.0, "odd": float("inf")})
    with open(run.path / "metrics.jsonl", "a") as fh:
        fh.write('{"epoch": 2, "tot')  # a writer killed mid-line
    assert run.metrics() == [{"epoch": 0, "total": 2.0}, {"epoch": 1, "total": 1.0, "odd": None}]
    assert run.final_metrics()["total"] == 1.0
    summary = RunStore().list()[0]
    assert summary.epochs_done == 2 and summary.final_metrics == {"total": 1.0}  # no "epoch" index


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_running_status_with_dead_owner_reads_interrupted(runs_dir):
    store = RunStore()
    run = store.create(small_config())
    run.set_status("running", "training")
    assert run.status == "running"  # owned by this live process
    with pytest.raises(RunError, match="still running"):
        store.delete(run.id)
    raw = run.raw_status()
    write_json(run.path / "status.json", {**raw, "pid": dead_pid(), "pid_start": None})
    assert run.status == "interrupted" and "is gone" in run.message
    assert store.list()[0].status == "interrupted"
    # another host: only the heartbeat can tell
    write_json(run.path / "status.json", {**raw, "host": "elsewhere", "updated": "2000-01-01"})
    assert run.status == "interrupted"
    run.set_status("paused")
    write_json(run.path / "status.json", {**run.raw_status(), "host": "elsewhere"})
    assert run.status == "paused"
    run.heartbeat()
    assert run.status == "paused"
    store.delete(run.id, force=True)
    assert not run.path.exists()


def test_broken_folders_list_as_broken(runs_dir):
    store = RunStore()
    good = store.create(small_config())
    bad_json = store.create(small_config())
    (bad_json.path / "config.json").write_text("{not json")
    no_status = store.create(small_config())
    (no_status.path / "status.json").unlink()
    bad_cfg = store.create(small_config())
    (bad_cfg.path / "config.json").write_text(json.dumps({"train": {"epochs": -1}}))
    (runs_dir / "not-a-run").mkdir()
    (runs_dir / "notes.txt").write_text("hello")
    by_id = {s.id: s for s in store.list()}
    assert set(by_id) == {good.id, bad_json.id, no_status.id, bad_cfg.id}
    assert by_id[good.id].status == "created"
    for run in (bad_json, no_status, bad_cfg):
        assert by_id[run.id].status == "broken" and by_id[run.id].message
    assert "unreadable" in by_id[bad_json.id].message
    assert "missing" in by_id[no_status.id].message
    assert "epochs" in by_id[bad_cfg.id].message
    assert store.get(no_status.id).status == "broken"
    with pytest.raises(RunError):
        _ = store.get(bad_cfg.id).config


def test_recorder_writes_completed_and_diverged_runs(runs_dir):
    store = RunStore()
    x = np.random.default_rng(0).normal(size=(100, 5)).astype(np.float32)
    run = store.create(small_config())
    model = tiny_model()
    result = Trainer(model, mse, small_config().train, x, callbacks=[RunRecorder(run)]).fit()
    assert run.status == "completed" and run.message == result.message
    assert run.metrics() == json.loads(json.dumps(result.history))
    assert set(run.weight_tags()) == {"best", "last"}
    for key, value in model.state_dict().items():
        assert torch.equal(run.load_weights("last")[key], value)
    assert run.raw_status()["epochs_done"] == 3

    def nan_late(model, xb, taskb, epoch):
        out = mse(model, xb, taskb, epoch)
        return {**out, "total": out["total"] * (float("nan") if epoch == 2 else 1.0)}

    run = store.create(small_config(epochs=4))
    model = tiny_model()
    result = Trainer(model, nan_late, run.config.train, x, callbacks=[RunRecorder(run)]).fit()
    assert result.status == "diverged" and run.status == "diverged"
    assert len(run.metrics()) == 2 and "epoch 3" in run.message
    for key, value in model.state_dict().items():
        assert torch.equal(run.load_weights("last")[key], value)


CHILD = """
import sys, time
import numpy as np, torch
from torch import nn
from corel_core.config import RunConfig
from corel_core.store import RunStore
from corel_core.training import Callback, RunRecorder, Trainer
torch.set_num_threads(1)
store = RunStore(sys.argv[1])
config = RunConfig().replace(train={"epochs": 10000, "batch_size": 20, "device": "cpu"})
run = store.create(config, name="killme")
print("run", run.id, flush=True)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 2), nn.Linear(2, 5))
def objective(model, xb, taskb, epoch):
    time.sleep(0.005)
    return {"total": ((model(xb) - xb) ** 2).mean()}
class Say(Callback):
    def on_epoch_end(self, trainer, info):
        print("epoch", info.epoch, flush=True)
x = np.random.default_rng(0).normal(size=(100, 5)).astype(np.float32)
Trainer(model, objective, config.train, x, callbacks=[RunRecorder(run), Say()]).fit()
"""


def test_killed_training_process_leaves_a_readable_interrupted_run(runs_dir):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(runs_dir)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        first = proc.stdout.readline().split()
        assert first[0] == "run", first
        run = RunStore(runs_dir).get(first[1])
        deadline = time.monotonic() + 60
        while len(run.metrics()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(run.metrics()) >= 3
        assert run.status == "running"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    printed = [line for line in proc.stdout.read().splitlines() if line.startswith("epoch")]
    proc.stdout.close()
    assert run.status == "interrupted"
    assert socket.gethostname() in run.message
    lines = (run.path / "metrics.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line is whole
    assert [r["epoch"] for r in rows] == list(range(len(rows)))
    assert len(printed) <= len(rows) <= len(printed) + 1
    fresh = tiny_model(5)
    fresh.load_state_dict(run.load_weights("last"))
    summary = RunStore(runs_dir).list()[0]
    assert summary.status == "interrupted" and summary.epochs_done in (len(rows), len(rows) - 1)
