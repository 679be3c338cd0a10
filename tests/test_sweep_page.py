"""AppTest of the Sweeps page on a sweep whose trials ran in-process (no Ray in these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from corel_core.config import RunConfig
from corel_core.studies.sweep import SweepSpec, SweepStore, parse_grid
from corel_core.studies.sweep.trial import run_trial

APP = str(Path(__file__).resolve().parents[1] / "app.py")
BASE = RunConfig().replace(
    data={"name": "moons", "limit": 200},
    model={"kind": "mlp", "latent_dim": 2, "hidden": (8,), "decoder": "gaussian"},
    train={"epochs": 1, "batch_size": 50},
)


def open_sweeps(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/sweeps.py")
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def finished_sweep(runs_dir: Path) -> tuple[str, dict[float, list[float]]]:
    """A λ ∈ {0, 5} × 2 seeds sweep run trial by trial; recon per λ read from the runs."""
    sweep = SweepStore(runs_dir).create(
        SweepSpec(base=BASE, grid=parse_grid(["lambda_conn=0,5"]), seeds=(0, 1))
    )
    recon: dict[float, list[float]] = {0.0: [], 5.0: []}
    for trial in sweep.spec.trials:
        out = run_trial(str(runs_dir), sweep.id, trial.params)
        metrics = (runs_dir / out["run_id"] / "metrics.jsonl").read_text().splitlines()
        recon[float(trial.params["lambda-conn"])].append(json.loads(metrics[-1])["recon"])
    sweep.set_state("completed", "", wall_seconds_total=12.0)
    return sweep.id, recon


def test_page_shows_a_finished_sweep_with_sd_error_bars(runs_dir: Path) -> None:
    sweep_id, recon = finished_sweep(runs_dir)
    at = open_sweeps()
    assert at.selectbox(key="sweeps.selected").value == sweep_id
    trials = at.dataframe[0].value
    assert list(trials["status"]) == ["completed"] * 4
    assert sorted(trials["run_id"]) == sorted(
        p.name for p in runs_dir.iterdir() if p.name[0] == "2"
    )
    at.selectbox(key="sweeps.metric").set_value("recon").run()
    (chart,) = at.get("plotly_chart")
    mean = json.loads(chart.proto.spec)["data"][0]
    assert mean["x"] == [0.0, 5.0]
    assert np.allclose(mean["y"], [np.mean(recon[0.0]), np.mean(recon[5.0])])
    sds = [np.std(recon[0.0], ddof=1), np.std(recon[5.0], ddof=1)]
    assert np.allclose(mean["error_y"]["array"], sds)
    points = at.dataframe[1].value
    assert list(points["seeds"]) == [2, 2]
    assert "Wall time 12 s." in [c.value for c in at.caption]


def test_new_sweep_starts_from_the_links_settings_and_refuses_bad_values(runs_dir: Path) -> None:
    at = open_sweeps({"epochs": "3", "lambda-conn": "5", "dataset": "moons"})
    assert any("dataset=moons, lambda-conn=5.0, epochs=3" in c.value for c in at.caption)
    assert any(
        "5 values × 2 seeds" in c.value or "10 trials of 3 epochs" in c.value for c in at.caption
    )
    at.text_input(key="sweeps.values.lambda-conn").set_value("0,-1").run()
    assert any("at least 0" in e.value for e in at.error)
    assert not any(b.label == "Start sweep" for b in at.button)


def test_no_sweeps_yet_says_how_to_start_one(runs_dir: Path) -> None:
    at = open_sweeps()
    assert any("No sweeps yet" in i.value for i in at.info)
    assert any(b.label == "Start sweep" for b in at.button)


def test_train_page_links_its_settings_to_the_sweeps_page(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py")
    at.query_params.update({"lambda-conn": "20", "epochs": "4"})
    at.run()
    (link,) = [p for p in at.get("page_link") if p.proto.label == "Sweep these settings"]
    assert link.proto.page == "sweeps"
    assert link.proto.query_string == "lambda-conn=20.0&epochs=4"
