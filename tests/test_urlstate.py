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
from ui.urlstate import config_from_params, config_to_params, read_link


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


def test_a_hand_edited_link_keeps_its_good_settings_and_names_every_bad_one() -> None:
    params = {
        "epochs": "many",  # bad value
        "lambda": "20",  # unknown name
        "seed": "7",  # good
        "lambda-conn": "20",  # good
        "dataset": "cifar10",  # a valid name this page does not offer
        "session": "ABCDEF0123",  # the app's own parameter, not a setting
    }
    config, problems = read_link(params, {"dataset": ["digits", "moons"]})
    assert config.train.seed == 7 and config.loss.lambda_conn == 20.0
    assert config.train.epochs == RunConfig().train.epochs
    assert config.data.name == RunConfig().data.name
    assert len(problems) == 3, problems
    text = " ".join(problems)
    assert "setting epochs" in text and "'lambda'" in text and "setting dataset" in text


def test_settings_tied_by_a_rule_fit_in_any_order_and_a_misfit_is_named() -> None:
    # branches must divide latent_dim: "branches=4" alone does not fit the default latent size
    good = {"branches": "4", "latent-dim": "8", "model": "conv"}
    assert read_link(good) == (config_from_params(good), [])
    config, problems = read_link({"branches": "3", "latent-dim": "8", "model": "conv", "seed": "5"})
    assert config.model.latent_dim == 8 and config.train.seed == 5
    assert config.model.branches == RunConfig().model.branches
    assert len(problems) == 1 and "branches" in problems[0].lower(), problems


def test_a_bad_preset_falls_back_to_the_defaults_and_keeps_the_rest() -> None:
    config, problems = read_link({"preset": "nope", "seed": "3"})
    assert config == RunConfig().replace(train={"seed": 3})
    assert len(problems) == 1 and "nope" in problems[0]
    assert read_link({}) == (RunConfig(), [])
