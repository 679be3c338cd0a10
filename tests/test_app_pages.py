"""AppTest of the Home, Train and Runs pages through the app's own navigation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.runner import train_run
from corel_core.runs import RunStore
from corel_core.training import default_manager

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tiny_run(store: RunStore, epochs: int = 2) -> str:
    config = RunConfig(
        data=DataConfig(name="moons", limit=200),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=epochs, batch_size=50),
    )
    return train_run(config, store).run.id


def test_home_lists_the_pages(runs_dir: Path) -> None:
    at = open_page()
    assert at.title[0].value == "corel"
    assert "30-second tour" in " ".join(h.value for h in at.subheader)


def test_train_page_has_every_control_with_help(runs_dir: Path) -> None:
    at = open_page("pages/train.py")
    labels = {w.label for w in [*at.selectbox, *at.number_input, *at.text_input]}
    for needed in (
        "Dataset",
        "Model",
        "Latent size",
        "Epochs",
        "Learning rate",
        "Seed",
        "λ (connectivity weight)",
        "η (target scale)",
    ):
        assert needed in labels
    assert all(w.help for w in [*at.selectbox, *at.number_input])
    assert any(b.label == "Start training" for b in at.button)


def test_train_page_preset_fills_the_form(runs_dir: Path) -> None:
    at = open_page("pages/train.py")
    at.selectbox(key="train.preset").select("toy_connectivity").run()
    assert at.selectbox(key="form.data.name").value == "three_gaussians"
    assert at.number_input(key="form.loss.lambda_conn").value == pytest.approx(1.0)
    assert at.number_input(key="form.train.batch_size").value == 50


def test_train_page_starts_a_run_that_reaches_the_store(runs_dir: Path) -> None:
    at = open_page("pages/train.py")
    at.selectbox(key="form.data.name").select("moons")
    at.number_input(key="form.model.latent_dim").set_value(2)
    at.selectbox(key="form.model.decoder").select("gaussian")
    at.number_input(key="form.train.epochs").set_value(2)
    next(b for b in at.button if b.label == "Start training").click().run()
    assert not at.exception
    job_id = at.session_state["train.job_id"]
    job = default_manager().get(job_id)
    assert job.wait(timeout=120)
    assert job.status == "completed", job.snapshot()["message"]
    summaries = RunStore(runs_dir).list()
    assert [s.dataset for s in summaries] == ["moons"]
    assert summaries[0].epochs_done == 2


def test_train_page_reads_settings_from_the_url(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py")
    at.query_params.update({"seed": "17", "epochs": "4", "dataset": "circles"})
    at.run()
    assert at.number_input(key="form.train.seed").value == 17
    assert at.selectbox(key="form.data.name").value == "circles"


def test_runs_page_empty_store(runs_dir: Path) -> None:
    at = open_page("pages/runs.py")
    assert any("No runs yet" in i.value for i in at.info)


def test_runs_page_lists_compares_and_deletes(runs_dir: Path) -> None:
    store = RunStore(runs_dir)
    first, second = tiny_run(store), tiny_run(store)
    (runs_dir / "20260101-000000-broken-run-abcd").mkdir()  # a folder edited into nonsense
    at = open_page("pages/runs.py")
    shown = at.dataframe[0].value["id"].tolist()
    assert {first, second} <= set(shown)
    assert any("cannot be read" in w.value for w in at.warning)
    assert set(at.multiselect[0].value) <= {first, second}
    at.selectbox[0].select(first).run()
    at.button(key="runs.confirm_delete").click().run()
    assert not at.exception
    deadline = time.time() + 5
    while store.exists(first) and time.time() < deadline:
        time.sleep(0.1)
    assert not store.exists(first) and store.exists(second)
