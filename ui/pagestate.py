"""Bind a page's widgets to URL query parameters, so a link reproduces what the page shows.

A page declares its parameters once (`Param`: URL name, widget key, kind, default). `restore`
runs before the widgets are drawn: on the page's first render in a session (its widgets are not
in `st.session_state` yet: Streamlit drops a page's widget values when another page is shown) it
puts the link's values, or the defaults, into the widgets' state, so widgets are created without
`value=`/`index=`/`default=` arguments. `publish` runs after them and writes every value that is
not its default back into the address; parameters it does not manage (the tab's session token)
stay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class Param:
    """One URL parameter bound to one widget.

    kind: "str", "int", "float", "bool", or "strs" / "ints" for multiselects (comma-separated).
    `choices` (optional) returns the values the widget offers now; a linked value outside them is
    ignored with a note instead of breaking the widget.
    """

    name: str
    key: str
    kind: str
    default: Any  # a value, or a function returning one (evaluated on the first render)
    choices: Callable[[], Sequence[Any]] | None = None

    def parse(self, text: str) -> Any:
        """The widget value a URL text stands for (ValueError if it cannot be one)."""
        if self.kind == "str":
            return text
        if self.kind == "int":
            return int(text)
        if self.kind == "float":
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(f"{text!r} is not a finite number")
            return value
        if self.kind == "bool":
            if text.lower() in ("true", "1", "yes", "on"):
                return True
            if text.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"{text!r} is not true or false")
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return [int(p) for p in parts] if self.kind == "ints" else parts

    def format(self, value: Any) -> str:
        """The URL text of a widget value (the inverse of `parse`)."""
        if self.kind in ("strs", "ints"):
            return ",".join(str(v) for v in value)
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "float":
            return f"{float(value):g}"
        return str(value)

    def allowed(self, value: Any) -> bool:
        """Whether the widget can show `value` (every item of a list must be offered)."""
        if self.choices is None:
            return True
        offered = list(self.choices())
        items = value if self.kind in ("strs", "ints") else [value]
        return all(item in offered for item in items)


def values_from_params(
    params: Sequence[Param], query: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Widget values (by key) a link holds, and a sentence for each value that was ignored."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for p in params:
        text = query.get(p.name)
        if text is None:
            continue
        try:
            value = p.parse(str(text))
        except ValueError as exc:
            notes.append(f"{p.name}={text!r} was ignored ({exc}).")
            continue
        if not p.allowed(value):
            notes.append(f"{p.name}={text!r} was ignored (not available here).")
            continue
        values[p.key] = value
    return values, notes


def params_from_values(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, str]:
    """URL texts of the widget values that differ from their defaults.

    A parameter whose default is computed (a callable, e.g. "the newest run") is always
    written: the link must not depend on what the default will be later.
    """
    out = {}
    for p in params:
        value = values.get(p.key)
        if value is not None and (callable(p.default) or value != p.default):
            out[p.name] = p.format(value)
    return out


def restore(params: Sequence[Param]) -> list[str]:
    """Before the widgets: on the page's first render, fill their state from the link/defaults.

    Returns sentences about linked values that were ignored (show them with st.warning).
    """
    missing = [p for p in params if p.key not in st.session_state]
    if not missing:
        return []  # the widgets keep what the person chose
    linked, notes = values_from_params(params, st.query_params.to_dict())
    # Later renders fill only what is missing: Streamlit drops the state of widgets a render did
    # not draw (another page's), and one drawn again without state starts at its minimum.
    for p in missing:
        default = p.default() if callable(p.default) else p.default
        st.session_state[p.key] = linked.get(p.key, default)
    return notes if len(missing) == len(params) else []


def publish(params: Sequence[Param]) -> None:
    """After the widgets: the address holds every non-default value (others' parameters stay)."""
    values = {p.key: st.session_state.get(p.key) for p in params if p.key in st.session_state}
    wanted = params_from_values(params, values)
    for p in params:
        if p.name in wanted:
            if st.query_params.get(p.name) != wanted[p.name]:
                st.query_params[p.name] = wanted[p.name]
        elif p.name in st.query_params:
            del st.query_params[p.name]


def link_params(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for a link that opens the page with `values` (widget key → value)."""
    return params_from_values(params, values)
