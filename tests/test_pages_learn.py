"""AppTests of the Learn pages (Lessons, Latent explorer) on an empty and a small run store."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.jobs import default_pool
from corel_core.presets import get_preset
from corel_core.store import RunStore
from corel_core.training.runner import train_run

PAGES = Path(__file__).resolve().parents[1] / "pages"
TINY = {"data": {"limit": 200}, "train": {"epochs": 1, "device": "cpu"}}


def _app(page: str) -> AppTest:
    """The page opened through app.py's navigation (its page links need the page list)."""
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=60).run()
    at.switch_page(f"pages/{page}")
    return at.run()


def _charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def _train(config: RunConfig) -> str:
    torch.set_num_threads(1)
    return train_run(config, RunStore()).run.id


def test_explorer_with_no_runs(runs_dir):
    at = _app("explorer.py")
    assert not at.exception
    assert "No run with saved codes" in at.info[0].value


def test_lessons_with_no_runs(runs_dir):
    at = _app("lessons.py")
    assert not at.exception
    titles = [m.value for m in at.markdown]
    assert any(get_preset("undercomplete").title in t for t in titles)
    assert len([b for b in at.button if b.key and b.key.startswith("lessons.run.")]) == 8


def test_explorer_on_a_denoising_vae_and_a_points_run(runs_dir):
    vae_id = _train(
        RunConfig(
            data=DataConfig(name="digits", limit=200),
            model=ModelConfig(kind="vae", latent_dim=3, hidden=(16,)),
            loss=LossConfig(reconstruction="bce", noise="gaussian"),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
    )
    moons_id = _train(
        RunConfig(
            data=DataConfig(name="moons", limit=200),
            model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
    )
    at = _app("explorer.py")
    assert not at.exception
    assert at.selectbox(key="explorer.run").value == moons_id  # newest first
    at.selectbox(key="explorer.run").set_value(vae_id).run()
    assert not at.exception
    # scatter + prior samples + denoising grid, before any point is chosen
    assert _charts(at) == 3
    assert any("All 200 codes shown" in c.value for c in at.caption)
    at.text_input(key="explorer.rows").set_value("0, 5").run()
    assert not at.exception
    assert _charts(at) == 4  # + selected samples grid; no interpolation before A and B are set
    at.button(key="explorer.set_a").click().run()
    at.button(key="explorer.set_b").click().run()
    assert (at.number_input(key="explorer.a").value, at.number_input(key="explorer.b").value) == (
        0,
        5,
    )
    assert _charts(at) == 5  # + interpolation strip from A to B
    assert at.query_params["a"] == "0" and at.query_params["b"] == "5"  # the link keeps them
    at.button(key="explorer.clear").click().run()
    assert at.number_input(key="explorer.a").value is None and _charts(at) == 4
    at.selectbox(key="explorer.method").set_value("pca").run()
    assert any("Explained variance" in c.value for c in at.caption)
    cached = sorted(p.name for p in (RunStore().get(vae_id).path / "extra").glob("proj-*.json"))
    assert len(cached) == 2  # raw and PCA projections, each computed once and kept

    at.selectbox(key="explorer.run").set_value(moons_id).run()
    assert not at.exception
    at.text_input(key="explorer.rows").set_value("1, 2").run()
    at.number_input(key="explorer.a").set_value(1)
    at.number_input(key="explorer.b").set_value(2).run()
    assert not at.exception
    assert len(at.dataframe) == 2  # coordinates of the chosen points and of the interpolation
    assert "train_run(CONFIG" in at.get("code")[0].value


def test_lessons_show_a_finished_run_and_start_a_job(runs_dir):
    _train(get_preset("undercomplete").config.replace(**TINY))
    _train(get_preset("linear_pca").config.replace(**TINY))
    at = _app("lessons.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Final reconstruction loss" in labels
    assert any(label.startswith("Linear AE MSE") for label in labels)
    assert _charts(at) >= 3  # two reconstruction grids + principal angles

    at.button(key="lessons.run.toy_connectivity").click().run()
    assert not at.exception
    job_id = at.session_state["lessons.jobs"]["toy_connectivity"]
    job = default_pool().get(job_id)
    job.stop()
    assert job.wait(30)


def test_lessons_stacked_and_pca_sections_run(runs_dir):
    at = _app("lessons.py")
    at.number_input(key="lessons.deep_epochs").set_value(1)
    at.number_input(key="lessons.deep_code").set_value(10)
    at.button(key="lessons.deep_run").click().run()
    assert not at.exception
    assert at.session_state["lessons.deep"].code_dim == 10
    assert _charts(at) == 2  # error boxes + reconstructions side by side
    at.text_input(key="lessons.stack_widths").set_value("16")
    at.number_input(key="lessons.stack_epochs").set_value(1)
    at.number_input(key="lessons.stack_ft").set_value(0)
    at.button(key="lessons.stack_run").click().run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Accuracy on the fine-tuned code" in labels
    at.text_input(key="lessons.stack_widths").set_value("a,b").run()
    at.button(key="lessons.stack_run").click().run()
    assert any("could not be trained" in e.value for e in at.error)


@pytest.fixture(autouse=True)
def _fewer_threads():
    torch.set_num_threads(1)
