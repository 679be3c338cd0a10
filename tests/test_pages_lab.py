"""AppTests of the Persistence and Density pages: empty store, and one finished run present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from corel_core.analysis.oneclass import evaluate_one_class
from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.data import load_dataset
from corel_core.store import RunStore
from corel_core.training.runner import train_run

REPO = Path(__file__).resolve().parents[1]
PAGES = ("pages/persistence.py", "pages/kde.py")
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def one_run_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one finished three-Gaussians run (2-D code, loss on) with a cached
    one-class evaluation at the page's default parameters (n = 120, 5 runs, seed 0)."""
    root = tmp_path_factory.mktemp("pages-runs")
    config = RunConfig(
        data=DataConfig(name="three_gaussians", split="aux"),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(10,), decoder="gaussian"),
        loss=LossConfig(reconstruction="mse", lambda_conn=1.0),
        train=TrainConfig(epochs=2, batch_size=50, device="cpu"),
        name="page-run",
    )
    outcome = train_run(config, RunStore(root))
    assert outcome.result.status == "completed"
    evaluate_one_class(outcome.run, "three_gaussians", n=120, runs=5, seed=0)
    return root


def _run_page(page: str) -> AppTest:
    return AppTest.from_file(str(REPO / page), default_timeout=120).run()


@pytest.mark.parametrize("page", PAGES)
def test_page_with_an_empty_store(page: str, runs_dir: Path) -> None:
    at = _run_page(page)
    assert not at.exception
    assert any("No finished run" in info.value for info in at.info)


def test_persistence_page_with_one_run(one_run_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("COREL_RUNS_DIR", str(one_run_store))
    at = _run_page("pages/persistence.py")
    assert not at.exception and not at.error
    assert at.multiselect(key="persistence.runs").value  # the run is offered and chosen
    charts = at.get("plotly_chart")
    assert len(charts) >= 4  # barcodes, two diagrams, densification
    assert len(at.dataframe) >= 2  # death summary and densification table
    at.selectbox(key="persistence.branch").set_value("all dims").run()
    assert not at.exception and not at.error


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_kde_page_with_one_run(one_run_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("COREL_RUNS_DIR", str(one_run_store))
    at = _run_page("pages/kde.py")
    assert not at.exception and not at.error
    # bandwidths, per-class bandwidths, density map, histograms, AUROC bars, ROC curves
    assert len(at.get("plotly_chart")) >= 6
    assert at.radio(key="kde.oc_protocol").value == "official"  # the authors' protocol first
    assert any("official protocol" in m.value for m in at.markdown)
    table = at.dataframe[0].value  # the cached evaluation's summary
    assert list(table["scorer"]) == ["count", "kde", "ocsvm"]
    assert ((table["mean AUROC"] >= 0) & (table["mean AUROC"] <= 1)).all()
    assert at.button(key="kde.oc_go").disabled  # cached: nothing to start, and it says so
    assert "Evaluated with these settings" in _captions(at)
    at.selectbox(key="kde.oc_n").set_value(80).run()
    assert not at.exception and not at.error
    assert not at.button(key="kde.oc_go").disabled  # not cached for n = 80
    assert "Evaluated with these settings" not in _captions(at)
    # split-half: references from the first half of 'eval', so n follows that half's rarest class
    at.radio(key="kde.oc_protocol").set_value("split-half").run()
    assert not at.exception and not at.error
    data = load_dataset(DataConfig(name="three_gaussians", split="eval"))
    rarest = int(np.bincount(data.y[: len(data.y) // 2]).min())
    expected = [g for g in (80, 120, 500) if g <= rarest]
    assert at.selectbox(key="kde.oc_n").options == [str(g) for g in expected]
    assert not at.button(key="kde.oc_go").disabled
    assert not at.dataframe  # nothing cached for split-half


@pytest.fixture(scope="module")
def digits_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one finished digits run trained on all 1,797 images (1 epoch)."""
    root = tmp_path_factory.mktemp("digits-runs")
    config = RunConfig(
        data=DataConfig(name="digits"),
        model=ModelConfig(kind="mlp", latent_dim=4, hidden=(16,), branches=2),
        loss=LossConfig(reconstruction="bce", lambda_conn=1.0),
        train=TrainConfig(epochs=1, batch_size=64, device="cpu"),
        name="digits-run",
    )
    assert train_run(config, RunStore(root)).result.status == "completed"
    return root


def test_kde_page_one_class_defaults_on_a_digits_run(digits_store: Path, monkeypatch) -> None:
    # digits has about 180 images a class: the paper's n = 500 cannot be drawn, so it is not
    # offered, and the page says why; every scored image was a training image, and it says so
    monkeypatch.setenv("COREL_RUNS_DIR", str(digits_store))
    at = AppTest.from_file(str(REPO / "pages/kde.py"), default_timeout=120)
    at.session_state["kde.runs"] = []  # no bandwidth views: this test is about one-class
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="kde.oc_n").options == ["80", "120"]
    assert at.selectbox(key="kde.oc_n").value == 120
    captions = _captions(at)
    assert "n = 500 is not offered" in captions and "174 codes of class 8" in captions
    assert "899 of the 899 scored images are images this run trained on" in captions
    assert not at.button(key="kde.oc_go").disabled
    # split-half: the first half of 'eval' holds 43 to 47 codes a class, so n = 43 is offered
    at.radio(key="kde.oc_protocol").set_value("split-half").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="kde.oc_n").options == ["43"]
    assert at.selectbox(key="kde.oc_n").value == 43
    assert "fewer than the paper's n = 80 / 120 / 500" in _captions(at)
    assert not at.button(key="kde.oc_go").disabled
    # a dataset of another shape: the error is shown and the disabled button says why
    at.selectbox(key=next(k for k in _keys(at) if k.startswith("kde.oc_data."))).set_value(
        "three_gaussians"
    ).run()
    assert not at.exception
    assert any("shape" in e.value for e in at.error)
    assert at.button(key="kde.oc_go").disabled
    assert "Nothing to evaluate until the problem above is fixed." in _captions(at)


def _keys(at: AppTest) -> list[str]:
    return [w.key for w in at.selectbox if w.key]


def test_persistence_page_shows_a_toy_run(tmp_path: Path, monkeypatch) -> None:
    from corel_core.studies.toy import run_toy

    monkeypatch.setenv("COREL_RUNS_DIR", str(tmp_path))
    result = run_toy(RunStore(tmp_path), epochs=5, at=(0, 5))
    at = _run_page("pages/persistence.py")
    assert not at.exception and not at.error
    assert at.selectbox(key="persistence.toy_pick").value.id == result.run.id
    tables = [t.value for t in at.dataframe]
    toy_table = next(t for t in tables if "when" in t.columns)
    assert list(toy_table["when"]) == ["before training", "epoch 1", "epoch 5"]
    assert toy_table["mean"].iloc[0] == pytest.approx(result.init_stats["death_mean"], abs=1e-3)
