"""End to end through the CLI and the runner: runs on disk that reload, diverge and list."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from corel_core.cli import main
from corel_core.config import ConfigError, DataConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.store import RunStore
from corel_core.training.runner import load_trained_model, train_run


def test_cli_train_writes_a_run_whose_weights_reload_identically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    argv = [
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--latent-dim",
        "2",
        "--epochs",
        "3",
        "--runs-dir",
        str(runs),
        "--quiet",
    ]
    assert main(argv) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert run_dir.parent == runs and (run_dir / "config.json").exists()

    run = RunStore(runs).get(run_dir.name)
    saved = torch.load(run_dir / "weights" / "last.pt", weights_only=True)
    model = load_trained_model(run)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, saved[name]), name
    assert len(run.metrics()) == 3
    latents = run.load_latents()
    assert latents["z"].shape == (1797, 2) and np.isfinite(latents["z"]).all()

    assert main(["runs", "--runs-dir", str(runs), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["status"], r["dataset"], r["model_kind"]) for r in listed] == [
        (run.id, "completed", "digits", "mlp")
    ]
    assert listed[0]["final_metrics"]["total"] > 0


def test_huge_learning_rate_ends_as_diverged_with_the_last_good_checkpoint(tmp_path: Path) -> None:
    # lr jumps to 1e27 after two good epochs: the third epoch overflows to inf or NaN.
    config = RunConfig(
        data=DataConfig(name="digits"),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(32,), decoder="gaussian"),
        train=TrainConfig(epochs=5, lr=1e-3, lr_milestones=(2,), lr_gamma=1e30),
    )
    outcome = train_run(config, RunStore(tmp_path))
    assert outcome.result.status == "diverged"
    run = outcome.run
    assert run.status == "diverged"
    assert "nan" in run.message or "inf" in run.message
    assert len(run.metrics()) == 2  # every completed epoch kept
    weights = run.load_weights("last")
    assert all(torch.isfinite(t).all() for t in weights.values())
    model = load_trained_model(run)
    assert torch.isfinite(model.encode(torch.rand(4, 1, 8, 8))).all()


def test_incompatible_choices_fail_before_a_run_is_created(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    with pytest.raises(ConfigError, match="needs a dataset with tasks"):
        train_run(RunConfig(model=ModelConfig(kind="cvae")), store)
    with pytest.raises(ConfigError, match="needs images"):
        train_run(RunConfig(data=DataConfig(name="moons"), model=ModelConfig(kind="conv")), store)
    assert store.list() == []


def test_cli_reports_user_errors_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--dataset", "no_such_set", "--runs-dir", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error:") and "no_such_set" in err[-1]
