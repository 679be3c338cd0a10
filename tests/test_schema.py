"""The config schema: every RunConfig field declared once, read back from text by one rule."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest

from corel_core.config import SETTINGS, ConfigError, ModelConfig, RunConfig, setting_named
from corel_core.schema import Interval, Setting, replace_settings

FORM_GROUPS = {"Data", "Model", "Loss", "Connectivity", "Optimiser", "Run"}


def leaf_paths(cls: type, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Independent of the schema: every non-dataclass field of the tree, depth first."""
    hints = typing.get_type_hints(cls)
    out: list[tuple[str, ...]] = []
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out += leaf_paths(hints[f.name], (*prefix, f.name))
        else:
            out.append((*prefix, f.name))
    return out


def test_every_field_is_one_setting_with_its_metadata() -> None:
    assert [s.path for s in SETTINGS] == leaf_paths(RunConfig)
    names = [s.name for s in SETTINGS]
    assert len(set(names)) == len(names), "public names must be unique"
    for s in SETTINGS:
        assert s.help and s.label and s.group in FORM_GROUPS, s.key
        assert s.flag == f"--{s.name}" and "_" not in s.name
        assert s.get(RunConfig()) == s.default, s.key
    # the field name with dashes, except where two sections share a field name
    renamed = {s.key: s.name for s in SETTINGS if s.name != s.path[-1].replace("_", "-")}
    assert renamed == {"data.name": "dataset", "data.seed": "data-seed", "model.kind": "model"}


def non_default(s: Setting) -> Any:
    special = {"dataset": "moons", "latent-dim": 4, "branches": 2, "preset": "vae"}
    if s.name in special:
        return special[s.name]
    if s.choices:
        return next(c for c in s.choices if c != s.default)
    if s.kind == "bool":
        return not s.default
    if s.kind == "int":
        return (s.default or 0) + 1
    if s.kind == "float":
        return s.default + 0.25
    if s.kind == "ints":
        return (3, 5)
    return "/tmp/somewhere" if s.optional else "some label"


def test_every_setting_survives_text_and_back() -> None:
    changed = replace_settings(RunConfig(), {s: non_default(s) for s in SETTINGS})
    texts = changed.texts_changed_from(RunConfig())
    assert set(texts) == {s.name for s in SETTINGS}
    assert RunConfig().with_texts(texts) == changed
    assert RunConfig.from_json(changed.to_json()) == changed


def test_one_section_is_replaced_at_once_whatever_the_order() -> None:
    # branches=5 alone would not divide the default latent size 2
    config = RunConfig().with_texts({"branches": "5", "latent-dim": "10"})
    assert (config.model.branches, config.model.latent_dim) == (5, 10)


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("eta", "0.001", 0.001),
        ("eta", "1e-9", 1e-9),
        ("lambda-conn", "0", 0.0),
        ("sparse-rho", "0.5", 0.5),
        ("batch-size", "2", 2),
        ("seed", "4294967295", 4294967295),
        ("limit", "none", None),
        ("limit", "", None),
        ("limit", "12", 12),
        ("data-dir", "", None),
        ("hidden", "", ()),
        ("hidden", "64, 32", (64, 32)),
        ("lr-milestones", "20,40", (20, 40)),
        ("drop-last", "false", False),
        ("drop-last", "Yes", True),
        ("noise-factor", "3", 3.0),  # gaussian std may exceed 1; mask is checked with noise
    ],
)
def test_accepted_texts(name: str, text: str, value: Any) -> None:
    assert setting_named(name).parse(text) == value


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("eta", "0"),  # one rule for η: greater than 0
        ("eta", "-1"),
        ("eta", "nan"),
        ("eta", "inf"),
        ("lr", "0"),
        ("sparse-rho", "0"),
        ("sparse-rho", "1"),
        ("batch-size", "1"),
        ("epochs", "0"),
        ("epochs", "2.5"),
        ("seed", "-1"),
        ("data-seed", "4294967296"),
        ("limit", "0"),
        ("hidden", "64,x"),
        ("hidden", "64,0"),
        ("drop-last", "maybe"),
        ("model", "resnet"),
        ("split", "train"),
        ("lambda-conn", "-0.5"),
    ],
)
def test_rejected_texts(name: str, text: str) -> None:
    with pytest.raises(ConfigError, match=f"setting {name}"):
        setting_named(name).parse(text)


def test_unknown_names_list_the_real_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'lambda'.*lambda-conn"):
        RunConfig().with_texts({"lambda": "20"})


def test_cross_field_rules_stay_explicit() -> None:
    with pytest.raises(ConfigError, match="must divide the latent size"):
        ModelConfig(latent_dim=6, branches=4)
    with pytest.raises(ConfigError, match="fraction"):
        RunConfig().with_texts({"noise": "mask", "noise-factor": "1.5"})
    assert RunConfig().with_texts({"noise": "mask", "noise-factor": "1"}).loss.noise_factor == 1


@pytest.mark.parametrize(
    ("interval", "inside", "outside", "words"),
    [
        (Interval(0), [0, 5], [-1e-12], "at least 0"),
        (Interval(0, closed="neither"), [1e-300], [0, -1], "greater than 0"),
        (Interval(0, 1, closed="neither"), [0.5], [0, 1], "in (0, 1)"),
        (Interval(0, 1, closed="right"), [1], [0], "in (0, 1]"),
        (Interval(high=2.5), [2.5, -9], [2.6], "at most 2.5"),
    ],
)
def test_interval(interval: Interval, inside: list, outside: list, words: str) -> None:
    assert all(interval.contains(v) for v in inside)
    assert not any(interval.contains(v) for v in outside)
    assert interval.describe() == words


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("lambda", "lambda-conn"),
        ("lamda-conn", "lambda-conn"),
        ("latent", "latent-dim"),
        ("epoch", "epochs"),
    ],
)
def test_an_unknown_name_suggests_the_closest_setting(typed: str, meant: str) -> None:
    with pytest.raises(ConfigError, match=f"unknown setting '{typed}'. Did you mean '{meant}'"):
        setting_named(typed)


def test_a_name_like_no_setting_gets_no_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        setting_named("zzz")
    assert "Did you mean" not in str(info.value)
