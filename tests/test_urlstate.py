"""URL query parameters reproduce every setting of a RunConfig (ui.urlstate)."""

from __future__ import annotations

import pytest

from corel_core.config import (
    SETTINGS,
    ConfigError,
    DataConfig,
    LossConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
)
from corel_core.presets import get_preset
from corel_core.schema import replace_settings
from tests.test_schema import non_default
from ui.urlstate import config_from_params, config_to_params


def test_a_link_reproduces_every_setting() -> None:
    changed = replace_settings(RunConfig(), {s: non_default(s) for s in SETTINGS})
    params = config_to_params(changed)
    # with a preset, the link lists the preset and what differs from it
    assert params["preset"] == changed.preset
    assert config_from_params(params) == changed
    plain = changed.replace(preset="")
    params = config_to_params(plain)
    assert set(params) == {s.name for s in SETTINGS} - {"preset"}  # everything differs
    assert config_from_params(params) == plain


def test_params_are_the_flag_names_and_text() -> None:
    config = RunConfig(
        data=DataConfig(name="moons", seed=7),
        model=ModelConfig(kind="vae", latent_dim=4, hidden=(32, 16), activation="tanh"),
        loss=LossConfig(lambda_conn=20.0, eta=1.5, metric="l2", noise="gaussian"),
        train=TrainConfig(epochs=7, lr=0.003, seed=42, batch_size=64, drop_last=False),
        name="my run",
    )
    assert config_to_params(config) == {
        "dataset": "moons",
        "data-seed": "7",
        "model": "vae",
        "latent-dim": "4",
        "hidden": "32,16",
        "activation": "tanh",
        "lambda-conn": "20.0",
        "eta": "1.5",
        "metric": "l2",
        "noise": "gaussian",
        "epochs": "7",
        "batch-size": "64",
        "lr": "0.003",
        "seed": "42",
        "drop-last": "false",
        "name": "my run",
    }
    assert config_to_params(RunConfig()) == {}


def test_a_preset_link_starts_from_the_preset() -> None:
    toy = get_preset("toy_connectivity").config
    assert config_from_params({"preset": "toy_connectivity"}) == toy
    config = config_from_params({"preset": "toy_connectivity", "seed": "9"})
    assert config == toy.replace(train={"seed": 9})
    assert config_to_params(config) == {"preset": "toy_connectivity", "seed": "9"}


@pytest.mark.parametrize(
    "params",
    [
        {"epochs": "many"},
        {"lr": "-1"},
        {"model": "resnet"},
        {"eta": "0"},
        {"lambda": "20"},  # unknown name: the old short names are not read
        {"preset": "nope"},
    ],
)
def test_bad_params_raise_config_error(params: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        config_from_params(params)


def test_a_study_run_links_from_the_defaults_and_the_session_token_is_not_a_setting() -> None:
    """A task-dependency run's preset is "taskdep" (no such preset): the Runs page must not fail."""
    study = RunConfig(preset="taskdep").with_texts({"epochs": "7", "lambda-conn": "3"})
    params = config_to_params(study)
    assert "preset" not in params and params["epochs"] == "7"
    back = config_from_params({**params, "session": "ABCDEF0123", "admin": "x"})
    assert back.train.epochs == 7 and back.loss.lambda_conn == 3.0 and back.preset == ""
