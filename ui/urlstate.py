"""Bind a RunConfig to URL query parameters, so a link reproduces every setting in a new tab.

The parameters are the schema's public names, the same as the `train` CLI flags without their
dashes (`?lambda-conn=20&seed=3` ↔ `--lambda-conn 20 --seed 3`), and take the same text. A link
holds `preset` (if any) plus every setting that differs from where that preset (or the defaults)
starts, so it stays short; reading it applies the same two steps.
"""

from __future__ import annotations

from collections.abc import Mapping

from corel_core.config import RunConfig
from corel_core.presets import get_preset


def start_of(preset: str) -> RunConfig:
    """The configuration a preset name starts from ('' = the defaults); ConfigError if unknown."""
    return get_preset(preset).config if preset else RunConfig()


def config_to_params(config: RunConfig) -> dict[str, str]:
    """`preset` and every setting that differs from the preset's (or the default) value."""
    params = config.texts_changed_from(start_of(config.preset))
    params.pop("preset", None)
    return {"preset": config.preset, **params} if config.preset else params


def config_from_params(params: Mapping[str, str]) -> RunConfig:
    """The RunConfig a link describes; an unknown name or a bad value raises ConfigError."""
    texts = {str(k): str(v) for k, v in params.items()}
    preset = texts.pop("preset", "")
    return start_of(preset).with_texts(texts)
