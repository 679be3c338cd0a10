"""RunConfig: JSON round trip and readable validation errors."""

from __future__ import annotations

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
        ({"model": {"kind": "resnet"}}, "model kind"),
        ({"model": {"latent_dim": 10, "branches": 3}}, "divide"),
        ({"train": {"lr": -1}}, "learning rate"),
        ({"loss": {"eta": 0}}, "eta"),
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
