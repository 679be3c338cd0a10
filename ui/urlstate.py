"""Bind a RunConfig to URL query parameters, so a link reproduces every setting in a new tab.

The parameters are the schema's public names, the same as the `train` CLI flags without their
dashes (`?lambda-conn=20&seed=3` ↔ `--lambda-conn 20 --seed 3`), and take the same text. A link
holds `preset` (if any) plus every setting that differs from where that preset (or the defaults)
starts, so it stays short; reading it applies the same two steps.
"""

from __future__ import annotations

from collections.abc import Mapping

from corel_core.config import RunConfig
from corel_core.presets import PRESETS, get_preset
from ui.session import ADMIN_PARAM, TOKEN_PARAM

#: parameters of the app itself (the tab's session token, the admin key), not run settings
APP_PARAMS = (TOKEN_PARAM, ADMIN_PARAM)


def start_of(preset: str) -> RunConfig:
    """The configuration a preset name starts from ('' = the defaults); ConfigError if unknown."""
    return get_preset(preset).config if preset else RunConfig()


def config_to_params(config: RunConfig) -> dict[str, str]:
    """`preset` and every setting that differs from the preset's (or the default) value.

    A run made by a study (its `preset` names no preset, e.g. "taskdep") links from the defaults.
    """
    preset = config.preset if config.preset in PRESETS else ""
    params = config.texts_changed_from(start_of(preset))
    params.pop("preset", None)
    return {"preset": preset, **params} if preset else params


def config_from_params(params: Mapping[str, str]) -> RunConfig:
    """The RunConfig a link describes; an unknown name or a bad value raises ConfigError.

    The app's own parameters (`APP_PARAMS`: the session token) are not settings and are skipped.
    """
    texts = {str(k): str(v) for k, v in params.items() if k not in APP_PARAMS}
    preset = texts.pop("preset", "")
    return start_of(preset).with_texts(texts)
