"""Plotly charts in Streamlit: the toolbar's download button and reading a selection event."""

from __future__ import annotations

from typing import Any

from corel_core.analysis.exports import figure_config

#: config for `st.plotly_chart(..., config=FIGURE_CONFIG)`: the toolbar's camera button downloads
#: the figure as PNG at 2× scale; use `figure_config("svg")` for vector output.
FIGURE_CONFIG: dict[str, Any] = figure_config("png")


def selected_rows(points: list[dict[str, Any]] | None) -> list[int]:
    """Latents rows picked in a plotly selection event (their `customdata`), in click order."""
    rows: list[int] = []
    for point in points or []:
        value = point.get("customdata")
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None:
            continue
        row = int(value)
        if row not in rows:
            rows.append(row)
    return rows
