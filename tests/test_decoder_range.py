"""Decoder "auto" follows the data's range: Gaussian outside [0, 1], and says so (issue #14)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch

from corel_core.config import ConfigError, ModelConfig, RunConfig
from corel_core.data import save_upload
from corel_core.data.ranges import auto_decoder, decoder_note, in_unit_interval
from corel_core.models import resolved_decoder
from corel_core.store import RunStore
from corel_core.training.runner import load_trained_model, train_run


def test_auto_rule() -> None:
    assert in_unit_interval((0.0, 1.0)) and in_unit_interval(None)
    assert not in_unit_interval((-0.01, 1.0)) and not in_unit_interval((0.0, 255.0))
    assert auto_decoder("mlp", (1, 8, 8), (0.0, 1.0)) == "bernoulli"
    assert auto_decoder("mlp", (1, 8, 8), (-3.0, 7.0)) == "gaussian"
    assert auto_decoder("mlp", (5,), (0.2, 0.8)) == "gaussian"  # points: always Gaussian
    assert auto_decoder("branch_conv", (1, 8, 8), (0.0, 1.0)) == "gaussian"  # no output activation
    image = ModelConfig(kind="conv")
    assert resolved_decoder(image, (1, 8, 8), (-3.0, 7.0)) == "gaussian"
    assert resolved_decoder(image, (1, 8, 8)) == "bernoulli"
    chosen = ModelConfig(decoder="bernoulli")
    assert resolved_decoder(chosen, (5,), (-3.0, 7.0)) == "bernoulli"  # refused at training


def test_notes_say_which_decoder_and_why() -> None:
    note = decoder_note("auto", "mlp", (5,), (-3.0, 7.0))
    assert note.startswith("Decoder auto → Gaussian") and "-3 to 7" in note
    assert "outside [0, 1]" in note
    assert "point cloud" in decoder_note("auto", "mlp", (5,), (0.0, 1.0))
    assert "Bernoulli" in decoder_note("auto", "conv", (1, 28, 28), (0.0, 1.0))
    assert "refuses" in decoder_note("bernoulli", "mlp", (5,), (-3.0, 7.0))


def _csv_upload(low: float, high: float) -> str:
    x = np.random.default_rng(0).uniform(low, high, size=(120, 4))
    buf = io.StringIO()
    np.savetxt(buf, x, delimiter=",", header="a,b,c,d", comments="")
    return save_upload("wide.csv", buf.getvalue().encode())


def test_wide_csv_trains_unsquashed_with_the_gaussian_decoder(tmp_path: Path) -> None:
    name = _csv_upload(-3.0, 7.0)
    store = RunStore(tmp_path / "runs")
    config = RunConfig().with_texts({"dataset": name, "epochs": "1", "hidden": "8"})
    run = train_run(config, store).run
    meta = run.load_json("dataset")
    assert meta["decoder"] == "gaussian"
    assert meta["value_range"][0] < -2.9 and meta["value_range"][1] > 6.9
    model = load_trained_model(run)
    assert model.decoder_kind == "gaussian"
    with torch.no_grad():
        out = model(torch.full((1, 4), 6.0))
    assert torch.equal(out.recon, out.logits)  # no sigmoid: outputs are not squashed


def test_explicit_bernoulli_on_wide_data_is_refused_with_a_sentence(tmp_path: Path) -> None:
    name = _csv_upload(-3.0, 7.0)
    config = RunConfig().with_texts({"dataset": name, "epochs": "1", "decoder": "bernoulli"})
    with pytest.raises(ConfigError, match=r"Bernoulli decoder outputs values in \[0, 1\]"):
        train_run(config, RunStore(tmp_path / "runs"))
    assert not list((tmp_path / "runs").glob("*"))  # refused before a run folder exists
