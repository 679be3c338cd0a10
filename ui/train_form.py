"""The Train form, built from the config schema: one widget per RunConfig setting.

Each setting's label, help, bounds, choices and widget hint come from `corel_core.config`; the
widget key is `form.<section>.<field>` (e.g. `form.loss.eta`, `form.name`). The conversions
between a RunConfig and the widgets' values are plain functions, tested without a browser.

Widget values: numbers as numbers, tuples as "256,128" text, an optional number's None as 0 and
an optional text's None as "" (the only form-specific conventions; their help says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from corel_core.config import SETTINGS, ConfigError, RunConfig
from corel_core.presets import get_preset
from corel_core.schema import Setting, replace_settings

#: The form's expanders in order ("Run" settings, name and preset, are placed by the page).
GROUPS: tuple[str, ...] = ("Data", "Model", "Loss", "Connectivity", "Optimiser")
EXPANDED = ("Data", "Model", "Optimiser")


def key_of(s: Setting) -> str:
    """Widget key of a setting: readable and unique."""
    return f"form.{s.key}"


def widget_value(s: Setting, value: Any) -> Any:
    """What the setting's widget shows for `value`."""
    if value is None:
        return 0 if s.kind == "int" else ""
    if s.kind == "ints":
        return ",".join(str(v) for v in value)
    if s.kind == "float":
        return float(value)
    return value


def setting_value(s: Setting, shown: Any) -> Any:
    """The setting's value for what its widget holds (checked when the RunConfig is built)."""
    if s.kind == "ints":
        return s.parse(str(shown))
    if s.optional and shown in (0, "", None):
        return None
    if s.kind == "int" and isinstance(shown, float) and shown.is_integer():
        return int(shown)
    return shown


def values_from_config(config: RunConfig) -> dict[str, Any]:
    """Widget values (by key) showing `config`."""
    return {key_of(s): widget_value(s, s.get(config)) for s in SETTINGS}


def config_from_values(values: Mapping[str, Any], base: RunConfig | None = None) -> RunConfig:
    """The RunConfig the widgets describe; settings without a widget value keep `base`'s."""
    present = {s: setting_value(s, values[key_of(s)]) for s in SETTINGS if key_of(s) in values}
    return replace_settings(base or RunConfig(), present)


def changed_groups(values: Mapping[str, Any]) -> set[str]:
    """Form groups holding a setting that differs from where the form's preset starts.

    Their expanders open, so a link or a preset with λ = 20 shows the Connectivity section. A
    form whose values do not build a RunConfig yet opens nothing extra.
    """
    try:
        current = config_from_values(values)
        start = get_preset(current.preset).config if current.preset else RunConfig()
    except ConfigError:
        return set()
    return {s.group for s in SETTINGS if s.get(current) != s.get(start)}


def render_setting(
    s: Setting,
    options: Sequence[str] | None = None,
    on_change: Callable[[], None] | None = None,
    format_func: Callable[[Any], str] = str,
) -> None:
    """Draw the setting's widget; its value lives in `st.session_state[key_of(s)]`."""
    key, help_text = key_of(s), s.describe()
    if s.widget == "select":
        choices = list(options if options is not None else s.choices or ())
        st.selectbox(
            s.label, choices, key=key, help=help_text, on_change=on_change, format_func=format_func
        )
    elif s.widget == "checkbox":
        st.checkbox(s.label, key=key, help=help_text, on_change=on_change)
    elif s.widget == "number":
        low, high = (s.bounds.widget_min, s.bounds.widget_max) if s.bounds else (None, None)
        if s.optional:
            low = 0  # 0 stands for "none"
        cast = int if s.kind == "int" else float
        st.number_input(
            s.label,
            key=key,
            help=help_text,
            on_change=on_change,
            min_value=None if low is None else cast(low),
            max_value=None if high is None else cast(high),
            step=1 if s.kind == "int" else None,
            format="%d" if s.kind == "int" else "%g",
        )
    else:
        st.text_input(s.label, key=key, help=help_text, on_change=on_change)


def render_group(group: str, options: Mapping[str, Sequence[str]]) -> None:
    """Draw every setting of a form group, in declaration order."""
    for s in SETTINGS:
        if s.group == group:
            render_setting(s, options.get(s.name))
