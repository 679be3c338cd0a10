"""ui.train_form: widget values ↔ RunConfig, one widget per setting, without a browser."""

from __future__ import annotations

import pytest

from corel_core.config import SETTINGS, ConfigError, RunConfig, setting_named
from corel_core.schema import replace_settings
from tests.test_schema import non_default
from ui.train_form import (
    GROUPS,
    config_from_values,
    key_of,
    values_from_config,
)


def test_every_setting_has_a_widget_and_survives_the_form() -> None:
    changed = replace_settings(RunConfig(), {s: non_default(s) for s in SETTINGS})
    values = values_from_config(changed)
    assert len(values) == len(SETTINGS)
    assert config_from_values(values) == changed
    assert config_from_values(values_from_config(RunConfig())) == RunConfig()
    assert {s.group for s in SETTINGS} == {*GROUPS, "Run"}


def test_widget_conventions() -> None:
    values = values_from_config(RunConfig())
    assert values["form.model.hidden"] == "256,128"
    assert values["form.data.limit"] == 0 and values["form.data.data_dir"] == ""
    assert values["form.model.decoder"] == "auto"  # offered: the select lists it
    values.update({"form.data.limit": 300, "form.model.hidden": "", "form.loss.eta": 1})
    config = config_from_values(values)
    assert (config.data.limit, config.model.hidden, config.loss.eta) == (300, (), 1.0)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("form.model.hidden", "64,x", "setting hidden"),
        ("form.loss.eta", 0.0, "setting eta"),  # the same rule as CLI and URL
        ("form.loss.sparse_rho", 1.0, "setting sparse-rho"),
    ],
)
def test_bad_widget_values_raise_config_error(key: str, value: object, fragment: str) -> None:
    values = values_from_config(RunConfig())
    values[key] = value
    with pytest.raises(ConfigError, match=fragment):
        config_from_values(values)


def test_setting_keys_follow_the_config_tree() -> None:
    assert key_of(setting_named("dataset")) == "form.data.name"
    assert key_of(setting_named("name")) == "form.name"
