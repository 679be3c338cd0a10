"""Tables with headers in words: the analysis modules return rows keyed by short field names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

#: Field name → header, shared by every page's tables (unknown fields: "_" becomes a space).
HEADERS: dict[str, str] = {
    "cloud": "Cloud",
    "min": "Min death",
    "mean": "Mean",
    "max": "Max death",
    "median": "Median",
    "share_below_eta": "Share of deaths below η",
    "share_within_eta": "Share with a neighbour within η",
    "h1_bars": "H1 bars",
    "N": "Codes (N)",
}
SHARES = ("share_below_eta", "share_within_eta")


def header(key: str, overrides: Mapping[str, str] | None = None) -> str:
    """The words shown for a field name."""
    if overrides and key in overrides:
        return overrides[key]
    return HEADERS.get(key, key.replace("_", " "))


def show_table(rows: Sequence[Mapping[str, Any]], headers: Mapping[str, str] | None = None) -> None:
    """st.dataframe of `rows` with every column titled in words and shares shown in percent."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    config: dict[str, Any] = {}
    for key in keys:
        if key in SHARES:
            config[key] = st.column_config.NumberColumn(header(key, headers), format="percent")
        else:
            config[key] = st.column_config.Column(header(key, headers))
    st.dataframe(rows, hide_index=True, column_config=config)
