"""URL query parameters reproduce the bound part of a RunConfig."""

from __future__ import annotations

import pytest

from corel_core.config import ConfigError, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.urlstate import config_from_params, config_to_params


def test_params_round_trip() -> None:
    config = RunConfig(
        model=ModelConfig(kind="vae", latent_dim=4, hidden=(32, 16)),
        loss=LossConfig(lambda_conn=20.0, eta=1.5, metric="l2"),
        train=TrainConfig(epochs=7, lr=0.003, seed=42, batch_size=64),
    )
    params = config_to_params(config)
    assert params["seed"] == "42" and params["hidden"] == "32,16"
    assert config_from_params(params) == config


def test_missing_params_keep_base_values() -> None:
    base = RunConfig(train=TrainConfig(epochs=9))
    assert config_from_params({"seed": "3"}, base).train.epochs == 9
    assert config_from_params({"seed": "3"}, base).train.seed == 3


@pytest.mark.parametrize("params", [{"epochs": "many"}, {"lr": "-1"}, {"model": "resnet"}])
def test_bad_params_raise_config_error(params: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        config_from_params(params)
