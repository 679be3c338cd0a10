"""RunConfig: JSON round trip and readable validation errors."""

from __future__ import annotations

import json

import pytest

from corel_core.config import ConfigError, LossConfig, ModelConfig, RunConfig, TrainConfig


def test_json_round_trip_keeps_every_field() -> None:
    config = RunConfig(
        model=ModelConfig(kind="branch_conv", latent_dim=160, branches=16, hidden=(64, 32)),
        loss=LossConfig(reconstruction="l1", lambda_conn=20.0, eta=2.0),
        train=TrainConfig(epochs=3, lr_milestones=(20, 40)),
        name="paper",
    )
    again = RunConfig.from_json(config.to_json())
    assert again == config
    assert again.model.hidden == (64, 32)
    assert again.train.lr_milestones == (20, 40)


def test_replace_changes_single_fields() -> None:
    config = RunConfig().replace(train={"epochs": 7}, name="x")
    assert config.train.epochs == 7
    assert config.train.batch_size == TrainConfig().batch_size
    assert config.name == "x"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"model": {"kind": "resnet"}}, r"Model must be one of mlp, .*\(setting model\)"),
        ({"model": {"latent_dim": 10, "branches": 3}}, "divide"),
        ({"train": {"lr": -1}}, r"Learning rate must be greater than 0, not -1"),
        ({"loss": {"eta": 0}}, r"greater than 0, not 0 \(setting eta\)"),
        ({"loss": {"eta": float("nan")}}, "finite"),
        ({"train": {"epochs": 2.5}}, "whole number"),
        ({"train": {"epochs": True}}, "whole number"),
        ({"model": {"hidden": [64, 0]}}, "each entry at least 1"),
        ({"loss": {"noise": "mask", "noise_factor": 1.5}}, "fraction"),
        ({"train": {"seed": -1}}, "setting seed"),
        ({"loss": {"lambda": 1}}, "unknown setting"),
        ({"optimizer": {}}, "unknown configuration section"),
        ([], "JSON object"),
    ],
)
def test_bad_configs_raise_readable_errors(raw: object, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        RunConfig.from_dict(raw)  # type: ignore[arg-type]


def test_invalid_json_text() -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        RunConfig.from_json("{model:")


# A config.json written by the code before the schema (commit 17e048a): a run made from the form
# with seed 3 (its data seed stayed 0), a preset label, tuples stored as lists.
OLD_CONFIG_JSON = """{"data": {"data_dir": null, "limit": 500, "n_target": 100, "name": "moons",
 "seed": 0, "split": "all"}, "loss": {"beta": 1.0, "contractive": 0.0, "eta": 1.5,
 "kl_warmup_epochs": 0, "lambda_conn": 20.0, "metric": "l1", "noise": "mask",
 "noise_factor": 0.25, "ratio_steps": 3, "recon_weight": 1.0, "reconstruction": "mse",
 "sparse_kl": 0.0, "sparse_l1": 0.0, "sparse_rho": 0.05}, "model": {"activation": "relu",
 "branches": 2, "conv_channels": [32, 64, 128], "decoder": "gaussian", "hidden": [64, 32],
 "kind": "mlp", "latent_dim": 4}, "name": "old run", "preset": "toy_connectivity",
 "train": {"batch_size": 100, "device": "auto", "drop_last": true, "epochs": 7, "lr": 0.001,
 "lr_gamma": 0.1, "lr_milestones": [20, 40], "seed": 3, "weight_decay": 0.0}}"""


def test_config_json_written_before_the_schema_still_loads_unchanged() -> None:
    old = json.loads(OLD_CONFIG_JSON)
    config = RunConfig.from_json(OLD_CONFIG_JSON)
    assert config.data.seed == 0 and config.train.seed == 3  # both seeds kept as stored
    assert config.model.hidden == (64, 32) and config.train.lr_milestones == (20, 40)
    assert config.data.limit == 500 and config.data.data_dir is None
    assert (config.name, config.preset) == ("old run", "toy_connectivity")
    written = config.to_dict()
    for section in ("data", "model", "loss", "train"):  # same keys and values (new fields aside)
        assert {k: written[section][k] for k in old[section]} == old[section], section
    assert (written["name"], written["preset"]) == (old["name"], old["preset"])


def test_integer_valued_floats_are_stored_as_floats() -> None:
    config = RunConfig.from_dict({"loss": {"lambda_conn": 20}, "train": {"lr": 1}})
    assert type(config.loss.lambda_conn) is float and config.loss.lambda_conn == 20.0
    assert json.loads(config.to_json())["train"]["lr"] == 1.0
