"""AppTest of the Home, Train and Runs pages through the app's own navigation."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from corel_core.config import SETTINGS, DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.jobs import default_pool
from corel_core.store import RunStore
from corel_core.training.runner import train_run
from ui.train_form import key_of

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
    widgets = [*at.selectbox, *at.number_input, *at.text_input, *at.checkbox]
    assert {w.key for w in widgets} >= {key_of(s) for s in SETTINGS}  # one per setting
    labels = {w.label for w in widgets}
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
    assert all(w.help for w in widgets)
    assert any(b.label == "Start training" for b in at.button)


def test_train_page_preset_fills_the_form(runs_dir: Path) -> None:
    at = open_page("pages/train.py")
    at.selectbox(key="form.preset").select("toy_connectivity").run()
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
    job = default_pool().get(job_id)
    assert job.wait(timeout=120)
    assert job.status == "completed", job.snapshot()["message"]
    summaries = RunStore(runs_dir).list()
    assert [s.dataset for s in summaries] == ["moons"]
    assert summaries[0].epochs_done == 2
    at.run()  # the finished job's panel: its loss curves, on a log axis on request
    assert not at.exception, [e.value for e in at.exception]
    loss = next(c for c in at.get("plotly_chart") if "live.loss" in c.proto.id)
    assert "log" not in json.dumps(json.loads(loss.proto.spec)["layout"].get("yaxis", {}))
    at.toggle(key="live.log").set_value(True).run()
    loss = next(c for c in at.get("plotly_chart") if "live.loss" in c.proto.id)
    assert json.loads(loss.proto.spec)["layout"]["yaxis"]["type"] == "log"


def test_train_page_reads_settings_from_the_url(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py")
    at.query_params.update({"seed": "17", "epochs": "4", "dataset": "circles"})
    at.run()
    assert at.number_input(key="form.train.seed").value == 17
    assert at.selectbox(key="form.data.name").value == "circles"


def test_train_page_link_sets_every_kind_of_widget_and_is_rewritten(runs_dir: Path) -> None:
    link = {
        "activation": "tanh",
        "decoder": "gaussian",
        "noise": "gaussian",
        "noise-factor": "0.2",
        "name": "from a link",
        "hidden": "16,8",
        "drop-last": "false",
        "limit": "300",
        "data-seed": "4",
    }
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py")
    at.query_params.update(link)
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="form.model.activation").value == "tanh"
    assert at.selectbox(key="form.model.decoder").value == "gaussian"
    assert at.number_input(key="form.loss.noise_factor").value == pytest.approx(0.2)
    assert at.text_input(key="form.name").value == "from a link"
    assert at.text_input(key="form.model.hidden").value == "16,8"
    assert at.checkbox(key="form.train.drop_last").value is False
    assert at.number_input(key="form.data.limit").value == 300
    assert at.number_input(key="form.data.seed").value == 4
    shown = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert shown == link  # the page writes the same link back


def test_train_page_names_a_bad_link_value_and_keeps_the_rest(runs_dir: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py")
    at.query_params.update({"eta": "0", "epochs": "4"})
    at.run()
    assert not at.exception
    assert any("greater than 0" in w.value and "eta" in w.value for w in at.warning)
    assert at.number_input(key="form.train.epochs").value == 4  # the good setting is kept
    assert at.number_input(key="form.loss.eta").value == RunConfig().loss.eta


def test_runs_page_empty_store(runs_dir: Path) -> None:
    at = open_page("pages/runs.py")
    assert any("No runs yet" in i.value for i in at.info)


def test_runs_page_lists_compares_and_deletes(runs_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("COREL_ACCESS", "open")  # runs made outside the app: deletable when open
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
