"""Exports: latents CSV round trip with numpy; the reproduce snippet is Python that trains."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from corel_core.analysis.exports import figure_config, latents_to_csv, reproduce_snippet
from corel_core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.store import RunStore


def test_latents_csv_round_trips(runs_dir):
    store = RunStore()
    run = store.create(RunConfig())
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20, 3)).astype(np.float32)
    arrays = {
        "z": z,
        "index": np.arange(100, 120, dtype=np.int64),
        "y": rng.integers(0, 10, 20),
        "recon_error": rng.random(20).astype(np.float32),
    }
    run.save_latents(**arrays)
    text = latents_to_csv(run)
    header = text.splitlines()[0].split(",")
    assert header == ["index", "y", "recon_error", "z0", "z1", "z2"]
    table = np.loadtxt(text.splitlines()[1:], delimiter=",")
    np.testing.assert_array_equal(table[:, 0], arrays["index"])
    np.testing.assert_array_equal(table[:, 1], arrays["y"])
    np.testing.assert_array_equal(table[:, 2].astype(np.float32), arrays["recon_error"])
    np.testing.assert_array_equal(table[:, 3:].astype(np.float32), z)  # exact float32 round trip


def test_variational_latents_include_logvar_once(runs_dir):
    run = RunStore().create(RunConfig())
    z = np.ones((4, 2), np.float32)
    run.save_latents(z=z, mu=z, logvar=np.zeros((4, 2), np.float32))
    header = latents_to_csv(run).splitlines()[0].split(",")
    assert header == ["z0", "z1", "logvar0", "logvar1"]  # mu equals z: not repeated


def test_figure_config_sets_the_download_format():
    assert figure_config("svg", "x")["toImageButtonOptions"] == {
        "format": "svg",
        "filename": "x",
        "scale": 1,
    }
    with pytest.raises(ValueError):
        figure_config("gif")


def test_reproduce_snippet_is_python_that_trains_the_same_config(runs_dir):
    config = RunConfig(
        data=DataConfig(name="moons", limit=120),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=1, batch_size=40, device="cpu"),
        name='odd """ name',
    )
    snippet = reproduce_snippet(config)
    ast.parse(snippet)
    exec(compile(snippet, "<snippet>", "exec"), {"__name__": "__main__"})
    runs = RunStore().list()
    assert len(runs) == 1 and runs[0].status == "completed"
    assert RunStore().get(runs[0].id).config == config
