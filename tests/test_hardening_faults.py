"""Hardening, faults: a killed trainer, a full disk, divergence, vanished data, hand-edited runs.

After every injected fault `python -m corel_core runs --json` (in-process) must still list every
completed run, and nothing that was completed may be lost.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from corel_core import cli
from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.data import DatasetNotFoundError
from corel_core.store import RunError, RunStore
from corel_core.training.runner import resume_run, train_run

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


def tiny(epochs: int = 2, **train: object) -> RunConfig:
    return RunConfig(
        data=DataConfig(name="moons", limit=200),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=epochs, batch_size=50, **train),
    )


def cli_runs(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    """`python -m corel_core runs --json`, in-process: id -> row."""
    capsys.readouterr()
    assert cli.main(["runs", "--runs-dir", str(runs_dir), "--json"]) == 0
    return {row["id"]: row for row in json.loads(capsys.readouterr().out)}


def assert_completed_listed(runs_dir: Path, ids: list[str], capsys) -> dict[str, dict]:
    rows = cli_runs(runs_dir, capsys)
    for run_id in ids:
        assert rows[run_id]["status"] == "completed", rows.get(run_id)
    return rows


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.startswith(".") and p.suffix == ".tmp"]


def test_killed_trainer_keeps_its_epochs_and_resumes(runs_dir: Path, capsys) -> None:
    store = RunStore(runs_dir)
    done = train_run(tiny(), store).run.id
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "corel_core", "train", "--dataset", "moons", "--limit", "1500",
           "--model", "mlp", "--latent-dim", "2", "--hidden", "16", "--batch-size", "10",
           "--epochs", "40", "--runs-dir", str(runs_dir), "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = 0
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            files = [p for p in runs_dir.glob("*/metrics.jsonl") if p.parent.name != done]
            seen = len(files[0].read_text().splitlines()) if files else 0
            if seen >= 2:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert seen >= 2 and proc.returncode == -signal.SIGKILL, (seen, proc.returncode)

    killed = next(i for i in store.ids() if i != done)
    run = store.get(killed)
    rows = assert_completed_listed(runs_dir, [done], capsys)
    assert rows[killed]["status"] == "interrupted"
    epochs = [row["epoch"] for row in run.metrics()]
    assert len(epochs) >= seen and epochs == list(range(len(epochs)))  # every epoch kept, in order
    assert set(run.load_weights("last")) == set(torch.load(
        runs_dir / done / "weights" / "last.pt", weights_only=True))  # fmt: skip
    # A SIGKILL mid-save can leave a hidden temp file, never a torn real one; resume sweeps it.

    outcome = resume_run(killed, store)  # same folder, up to the configured 40 epochs
    assert outcome.result.status == "completed", outcome.result.message
    assert outcome.run.path == run.path and sorted(store.ids()) == sorted([done, killed])
    assert [row["epoch"] for row in run.metrics()] == list(range(40))
    assert run.summary().epochs_done == 40 and run.has_latents() and no_temp_files(run.path)
    rows = assert_completed_listed(runs_dir, [done, killed], capsys)
    with pytest.raises(RunError, match="completed"):
        resume_run(killed, store)


def test_resume_continues_the_schedule_of_an_unbroken_run(runs_dir: Path) -> None:
    """Oracle: an uninterrupted run. After resuming, lr and data order follow the same schedule."""
    store = RunStore(runs_dir)
    config = tiny(epochs=4, lr_milestones=(2,), lr_gamma=0.1)
    whole = train_run(config, store).run
    first = train_run(config.replace(train={"epochs": 2}), store).run
    cut = first.path / "config.json"  # as if it had been killed after 2 of 4 epochs
    cut.write_text(json.dumps(config.to_dict()))
    first.set_status("stopped", "test: cut short")
    resume_run(first.id, store)
    lrs = [row["lr"] for row in first.metrics()]
    assert lrs == [row["lr"] for row in whole.metrics()] == pytest.approx([1e-3, 1e-3, 1e-4, 1e-4])
    np.testing.assert_allclose(first.metrics()[1]["total"], whole.metrics()[1]["total"])


def test_write_error_fails_the_run_clearly_without_half_files(
    runs_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(runs_dir)
    done = train_run(tiny(), store).run.id
    real_replace = os.replace
    calls = {"pt": 0}

    def full_disk(src: str, dst: str) -> None:
        if str(dst).endswith(".pt"):
            calls["pt"] += 1
            if calls["pt"] > 4:  # epochs 1-2 save last+best; epoch 3 hits a full disk
                raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(RunError, match="could not save epoch 3"):
        train_run(tiny(epochs=5), store)
    monkeypatch.setattr(os, "replace", real_replace)
    failed = next(store.get(i) for i in store.ids() if i != done)
    assert failed.status == "failed" and "No space left on device" in failed.message
    assert [row["epoch"] for row in failed.metrics()] == [0, 1]  # the good epochs are kept
    assert set(failed.load_weights("last")) and no_temp_files(failed.path)
    assert_completed_listed(runs_dir, [done], capsys)


def test_a_file_where_the_weights_folder_belongs_fails_the_run(runs_dir: Path, capsys) -> None:
    store = RunStore(runs_dir)
    done = train_run(tiny(), store).run.id

    def block_weights(run, dataset, model) -> None:
        (run.path / "weights").write_text("not a folder")

    with pytest.raises(RunError, match="could not save epoch 1"):
        train_run(tiny(), store, on_created=block_weights)
    failed = next(store.get(i) for i in store.ids() if i != done)
    assert failed.status == "failed" and failed.metrics() == [] and no_temp_files(failed.path)
    rows = assert_completed_listed(runs_dir, [done], capsys)
    assert rows[failed.id]["status"] == "failed"


def test_a_diverging_run_is_marked_and_keeps_its_last_good_weights(runs_dir: Path, capsys) -> None:
    store = RunStore(runs_dir)
    done = train_run(tiny(), store).run.id
    outcome = train_run(tiny(epochs=30, lr=1e12), store)
    assert outcome.result.status == "diverged"
    run = outcome.run
    assert run.status == "diverged" and "became" in run.message
    assert len(run.metrics()) == len(outcome.result.history)  # the epochs before it are kept
    assert ("last" in run.weight_tags()) == bool(outcome.result.history)
    for tag in run.weight_tags():
        assert all(torch.isfinite(v).all() for v in run.load_weights(tag).values())
    rows = assert_completed_listed(runs_dir, [done], capsys)
    assert rows[run.id]["status"] == "diverged"


def test_a_vanished_dataset_folder_is_a_clear_error_and_touches_no_run(
    runs_dir: Path, tmp_path: Path, mnist_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COREL_OFFLINE", "1")
    data = tmp_path / "data"
    data.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(mnist_dir / name, data / name)
    store = RunStore(runs_dir)
    config = tiny(epochs=1).replace(data={"name": "mnist", "data_dir": str(data), "limit": 100})
    done = train_run(config, store).run.id
    shutil.rmtree(data)
    before = {p.relative_to(runs_dir): p.stat().st_mtime_ns for p in runs_dir.rglob("*")}
    with pytest.raises(DatasetNotFoundError) as caught:
        train_run(config, store)
    print(caught.value)
    assert str(data) in str(caught.value)  # it says where the files were expected
    after = {p.relative_to(runs_dir): p.stat().st_mtime_ns for p in runs_dir.rglob("*")}
    assert after == before
    assert_completed_listed(runs_dir, [done], capsys)


class _Evil:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


def _nonsense() -> dict[str, tuple]:
    """Ways a person (or a crash) can edit a run folder into nonsense, each with its expected
    listing: "broken" when config or status cannot be read, else the stored status."""
    return {
        "bad-json-config": (lambda p: (p / "config.json").write_text("{not json"), "broken"),
        "config-a-list": (lambda p: (p / "config.json").write_text("[1, 2]"), "broken"),
        "config-a-folder": (
            lambda p: ((p / "config.json").unlink(), (p / "config.json").mkdir()),
            "broken",
        ),
        "missing-status": (lambda p: (p / "status.json").unlink(), "broken"),
        "unknown-status": (lambda p: (p / "status.json").write_text('{"status": "x"}'), "broken"),
        "epochs-not-a-number": (
            lambda p: (p / "status.json").write_text(
                '{"status": "completed", "epochs_done": "many"}'
            ),
            "completed",
        ),
        "garbage-metrics": (
            lambda p: (p / "metrics.jsonl").write_bytes(
                b'\xff\xfe\x00binary\n[1, 2]\n"text"\n{"total": NaN}\n{"epoch": 0, "tot'
            ),
            "completed",
        ),
        "metrics-a-folder": (
            lambda p: ((p / "metrics.jsonl").unlink(), (p / "metrics.jsonl").mkdir()),
            "broken",
        ),
        "weights-a-pickle": (
            lambda p: (p / "weights" / "last.pt").write_bytes(pickle.dumps(_Evil())),
            "completed",
        ),
        "weights-not-a-dict": (
            lambda p: torch.save([torch.zeros(2)], p / "weights" / "last.pt"),
            "completed",
        ),
        "latents-garbage": (
            lambda p: (p / "latents.npz").write_bytes(b"PK\x03\x04junk"),
            "completed",
        ),
    }


def test_hand_edited_run_folders_never_crash_the_listing_or_the_runs_page(
    runs_dir: Path, capsys
) -> None:
    store = RunStore(runs_dir)
    done = train_run(tiny(), store).run
    expected = {}
    for i, (name, (edit, status)) in enumerate(_nonsense().items()):
        run_id = f"20200101-0000{i:02d}-{name}-{i:04x}"
        shutil.copytree(done.path, runs_dir / run_id)
        edit(runs_dir / run_id)
        expected[run_id] = status
    rows = assert_completed_listed(runs_dir, [done.id], capsys)
    assert {i: rows[i]["status"] for i in expected} == expected
    assert all(rows[i]["message"] for i, s in expected.items() if s == "broken")
    for run_id, status in expected.items():
        if status != "broken":
            with pytest.raises(RunError):  # pickled or malformed weights are refused, not loaded
                if "weights" in run_id:
                    store.get(run_id).load_weights("last")
                elif "latents" in run_id:
                    store.get(run_id).load_latents()
                else:
                    raise RunError("readable: nothing to refuse")

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    readable = [i for i, s in expected.items() if s != "broken"]
    for run_id in readable:  # select every readable one: the page shows it without a traceback
        at.selectbox[0].select(run_id).run()
        assert not at.exception, (run_id, [e.value for e in at.exception])
    warned = " ".join(w.value for w in at.warning)
    assert all(i in warned for i, s in expected.items() if s == "broken")
