"""Bind a RunConfig to URL query parameters, so a link reproduces every setting in a new tab.

The parameters are the schema's public names, the same as the `train` CLI flags without their
dashes (`?lambda-conn=20&seed=3` ↔ `--lambda-conn 20 --seed 3`), and take the same text. A link
holds `preset` (if any) plus every setting that differs from where that preset (or the defaults)
starts, so it stays short; reading it applies the same two steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from corel_core.config import SETTINGS, ConfigError, RunConfig, setting_named
from corel_core.presets import PRESETS, get_preset
from corel_core.schema import replace_settings
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


def read_link(
    params: Mapping[str, str], options: Mapping[str, Sequence[str]] | None = None
) -> tuple[RunConfig, list[str]]:
    """The RunConfig a link describes, keeping every good setting, and one sentence per bad one.

    A link typed or edited by hand may hold an unknown name, a bad value, two settings that do not
    fit together (branches must divide the latent size) or a select value this page does not
    offer (`options`: {public name: offered values}, e.g. a dataset not on this machine). Each
    such setting is left at the preset's (or default) value and named in the returned list;
    the others are applied. Never raises.
    """
    texts = {str(k): str(v) for k, v in params.items() if k not in APP_PARAMS}
    problems: list[str] = []
    preset = texts.pop("preset", "")
    try:
        start = start_of(preset)
    except ConfigError as exc:
        problems.append(str(exc))
        start = RunConfig()
    pending: dict[str, str] = {}
    for name, text in texts.items():
        try:
            setting_named(name).parse(text)
            pending[name] = text
        except ConfigError as exc:
            problems.append(str(exc))
    config = start
    try:
        config = start.with_texts(pending)
        pending = {}
    except ConfigError:  # a rule between settings: add them one at a time, until none fits
        while pending:
            fitted = {}
            for name, text in pending.items():
                try:
                    config = config.with_texts({name: text})
                    fitted[name] = text
                except ConfigError:
                    pass
            pending = {k: v for k, v in pending.items() if k not in fitted}
            if not fitted:
                break
        for name, text in pending.items():
            try:
                config.with_texts({name: text})
            except ConfigError as exc:
                problems.append(str(exc))
    for s in SETTINGS:
        offered = (options or {}).get(s.name, s.choices)
        if s.widget == "select" and offered is not None and s.get(config) not in offered:
            problems.append(f"{s.label} {s.get(config)!r} is not available (setting {s.name}).")
            fallback = s.get(start) if s.get(start) in offered else s.get(RunConfig())
            config = replace_settings(config, {s: fallback})
    return config, problems


def ignored_text(problems: Sequence[str]) -> str:
    """Markdown naming each setting of a link that was not used (`read_link`'s problems)."""
    lines = "\n".join(f"- {p}" for p in problems)
    return f"The link's other settings were applied; these were not:\n{lines}"
