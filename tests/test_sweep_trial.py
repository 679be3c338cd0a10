"""One sweep trial as a Ray worker runs it, called in-process (no Ray): run store, tags, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corel_core.cli import main
from corel_core.config import RunConfig
from corel_core.data import DataError
from corel_core.store import RunStore
from corel_core.studies.sweep import SweepSpec, SweepStore, parse_grid
from corel_core.studies.sweep.results import summary
from corel_core.studies.sweep.trial import run_trial
from corel_core.training import Callback
from corel_core.training.runner import train_run

BASE = RunConfig().replace(
    data={"name": "moons", "limit": 200},
    model={"kind": "mlp", "latent_dim": 2, "hidden": (8,), "decoder": "gaussian"},
    train={"epochs": 2, "batch_size": 50},
)


def test_a_trial_is_an_ordinary_run_tagged_with_its_sweep(tmp_path: Path, capsys) -> None:
    sweep = SweepStore(tmp_path).create(
        SweepSpec(base=BASE, grid=parse_grid(["lambda_conn=0,20"]), seeds=(0, 1))
    )
    reports: list[dict] = []
    out = run_trial(str(tmp_path), sweep.id, {"lambda-conn": "20.0", "seed": "1"}, reports.append)
    run = RunStore(tmp_path).get(out["run_id"])
    assert run.status == "completed" and len(run.metrics()) == 2
    config = json.loads((run.path / "config.json").read_text())
    assert config["loss"]["lambda_conn"] == 20.0 and config["train"]["seed"] == 1
    assert config["data"]["limit"] == 200  # the base settings are kept
    assert [r["done"] for r in reports] == [False, False, True]  # two epochs, then the end
    assert reports[-1]["recon"] == pytest.approx(run.metrics()[-1]["recon"])
    record = sweep.trial(3)  # lambda 20, seed 1 is trial 3 (seeds vary fastest)
    assert record["status"] == "completed" and record["run_id"] == run.id
    assert main(["runs", "--runs-dir", str(tmp_path), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == run.id and listed["sweep"] == sweep.id
    rows = summary(sweep)["trials"]
    assert [r["status"] for r in rows] == ["pending", "pending", "pending", "completed"]
    assert rows[3]["epochs_done"] == 2 and rows[3]["lambda-conn"] == 20.0


class _CutOff(Callback):
    """Ends training after the first epoch as a killed worker would (not an Exception)."""

    def on_epoch_end(self, trainer, info) -> None:
        raise KeyboardInterrupt


def test_an_interrupted_trial_continues_its_own_run_when_run_again(tmp_path: Path) -> None:
    sweep = SweepStore(tmp_path).create(SweepSpec(base=BASE, grid=parse_grid(["eta=1,2"])))
    trial = sweep.spec.trials[1]
    store = RunStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        train_run(
            sweep.spec.config_of(trial),
            store,
            callbacks=[_CutOff()],
            on_created=lambda run, *_: sweep.update_trial(1, run_id=run.id),
        )
    (cut,) = store.ids()
    assert len(store.get(cut).metrics()) == 1
    out = run_trial(str(tmp_path), sweep.id, trial.params)
    assert out["run_id"] == cut and store.ids() == [cut]  # same folder, no second run
    assert store.get(cut).status == "completed" and len(store.get(cut).metrics()) == 2
    again = run_trial(str(tmp_path), sweep.id, trial.params)  # completed: only re-read
    assert again["run_id"] == cut and store.ids() == [cut]


def test_a_failing_trial_is_recorded_with_its_reason(tmp_path: Path) -> None:
    spec = SweepSpec(base=BASE, grid=parse_grid(["dataset=moons,no_such_set"]))
    sweep = SweepStore(tmp_path).create(spec)
    with pytest.raises(DataError, match="unknown dataset 'no_such_set'"):
        run_trial(str(tmp_path), sweep.id, {"dataset": "no_such_set", "seed": "0"})
    record = sweep.trial(1)
    assert record["status"] == "failed" and "unknown dataset 'no_such_set'" in record["message"]
    assert summary(sweep)["failed"] == [{"trial": 1, "message": record["message"]}]
