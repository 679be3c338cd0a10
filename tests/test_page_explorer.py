"""Latent explorer and lessons (issue #14): links with the run chosen, highlight, named axes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import torch
from streamlit.testing.v1 import AppTest

from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.presets import get_preset
from corel_core.store import RunStore
from corel_core.training.runner import train_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TINY = {"data": {"limit": 200}, "train": {"epochs": 1, "device": "cpu"}}


def _train(config: RunConfig) -> str:
    torch.set_num_threads(1)
    return train_run(config, RunStore()).run.id


def _array(value) -> list:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata" (base64)}."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_opens_the_run_highlights_labels_and_names_pca_axes(runs_dir: Path) -> None:
    digits = _train(
        RunConfig(
            data=DataConfig(name="digits", limit=200),
            model=ModelConfig(kind="mlp", latent_dim=4, hidden=(16,)),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
    )
    _train(  # a newer run: the default choice, which the link overrides
        RunConfig(
            data=DataConfig(name="moons", limit=100),
            model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
    )
    at = _open("pages/explorer.py", {"run": digits, "method": "pca", "highlight": "3,7"})
    assert at.selectbox(key="explorer.run").value == digits
    assert at.selectbox(key="explorer.method").value == "pca"
    assert at.multiselect(key="explorer.highlight").value == ["3", "7"]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("PC1 (")
    y = RunStore().get(digits).load_latents()["y"]
    on_top = [t for t in fig["data"] if t.get("marker", {}).get("opacity") == 1.0]
    shown = sorted(r for t in on_top for r in _array(t["customdata"]))
    assert shown == sorted(np.flatnonzero(np.isin(y, [3, 7])).tolist())
    assert any("carry the highlighted labels" in c.value for c in at.caption)


def test_a_lesson_links_to_the_explorer_with_its_run(runs_dir: Path) -> None:
    run_id = _train(get_preset("undercomplete").config.replace(**TINY, name="lesson undercomplete"))
    at = _open("pages/lessons.py")
    links = [p for p in at.get("page_link") if "Latent explorer" in p.proto.label]
    assert links, "every finished lesson links to the explorer"
    query = {k: v[0] for k, v in parse_qs(links[0].proto.query_string).items()}
    assert query == {"run": run_id}
    at = _open("pages/explorer.py", query)
    assert at.selectbox(key="explorer.run").value == run_id


def test_interpolation_steps_keep_their_default_after_another_page(runs_dir: Path) -> None:
    """Streamlit drops the state of widgets another page did not draw; the explorer's Steps
    slider, drawn again without state, started at its minimum (3) instead of 8."""
    run_id = _train(
        RunConfig(
            data=DataConfig(name="digits", limit=200),
            model=ModelConfig(kind="mlp", latent_dim=2, hidden=(16,)),
            train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        )
    )
    at = _open("pages/explorer.py", {"run": run_id})
    assert at.slider(key="explorer.steps").value == 8
    for page in ("pages/lessons.py", "pages/explorer.py", "pages/home.py", "pages/explorer.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="explorer.steps").value == 8
