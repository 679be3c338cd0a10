"""Shared look of every corel figure: template, palette, sizes and a `style` helper.

One place decides how figures look so that pages stay consistent; plot modules call `style` last.
"""

from __future__ import annotations

import plotly.graph_objects as go

TEMPLATE = "plotly_white"
#: Okabe–Ito colour-blind-safe qualitative palette, then a few extra distinct hues.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#17BECF",
    "#BCBD22",
)
ETA_COLOR = "#D62728"  # every η marker (threshold lines) uses this colour
MUTED = "#9E9E9E"  # reference lines: diagonals, chance level, joining segments
SEQUENTIAL = "Viridis"  # continuous colour scales
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
HEIGHT = 400
SMALL_HEIGHT = 160
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"


def color(i: int) -> str:
    """Colour `i` of the shared palette (cycling), so a series keeps its colour across figures."""
    return PALETTE[i % len(PALETTE)]


def dash(i: int) -> str:
    """Line dash number `i` (cycling), used to tell apart terms when colour encodes runs."""
    return DASHES[i % len(DASHES)]


def style(
    fig: go.Figure,
    title: str = "",
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = HEIGHT,
    legend: bool = True,
    legend_title: str | None = None,
) -> go.Figure:
    """Apply the house template, title, axis titles, height and legend placement; returns `fig`.

    Axis titles apply to every x/y axis of the figure (use subplot-specific updates for others).
    """
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        font={"family": FONT_FAMILY, "size": 12},
        margin={"l": 60, "r": _right_margin(fig), "t": 60 if title else 30, "b": 50},
        showlegend=legend,
        colorway=list(PALETTE),
        legend=legend_below(legend_title),
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def _right_margin(fig: go.Figure) -> int:
    """20 px, or room for labels placed right of the plot (reference lines' values)."""
    widths = [
        14 + 7 * len(str(a.text))  # ≈ 7 px per character at font size 12
        for a in fig.layout.annotations
        if a.xanchor == "left" and isinstance(a.x, (int, float)) and a.x >= 1 and a.text
    ]
    return max([20, *widths])


def legend_below(title: str | None = None) -> dict:
    """Legend layout: a horizontal legend under the plot, left-aligned.

    Above the plot it covered the figure title (long legends wrap) and the toolbar covered it;
    under the x-axis it collides with neither, and plotly grows the bottom margin to fit it.
    """
    return {
        "orientation": "h",
        "yref": "container",
        "yanchor": "bottom",
        "y": 0.0,
        "xanchor": "left",
        "x": 0.0,
        "title": {"text": title or ""},
    }


def integer_ticks(fig: go.Figure, n: int, axis: str = "x", max_ticks: int = 8) -> go.Figure:
    """Whole-number ticks (1, 2, 5, 10, 20, 50, … apart, at most ~`max_ticks`) on every `axis`
    axis, never rotated.

    For counts such as epochs, where plotly's automatic ticks would show 1.5; narrow subplots
    pass a smaller `max_ticks` so their labels do not run into each other.
    """
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = candidate
        if max(int(n), 1) / candidate <= max(int(max_ticks), 1):
            break
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tick0=0 if step > 1 else 1, dtick=step, tickformat="d", tickangle=0)
    return fig


def add_eta_vline(
    fig: go.Figure,
    eta: float,
    *,
    row: int | None = None,
    col: int | None = None,
    label: bool = True,
):
    """Draw η as a vertical dashed line labelled "η = …" above the plot area (off the data).

    On one subplot when row/col are given; there subplot titles take the space above, so pass
    label=False and name η in the figure title instead.
    """
    kwargs = {} if row is None else {"row": row, "col": col}
    if label:
        kwargs.update(
            annotation_text=f"η = {eta:g}",
            annotation_position="top",
            annotation_yanchor="bottom",
            annotation_font_color=ETA_COLOR,
        )
    fig.add_vline(x=float(eta), line={"color": ETA_COLOR, "dash": "dash", "width": 1.5}, **kwargs)


def add_eta_hline(fig: go.Figure, eta: float, *, label: str = "η") -> None:
    """Draw η as a horizontal dashed line labelled "η = …" (`label` renames the left side)."""
    add_ref_hline(fig, eta, label=label, line_color=ETA_COLOR)


def add_ref_hline(fig: go.Figure, y: float, *, label: str, line_color: str = MUTED) -> None:
    """Draw a horizontal dashed reference level (chance, H(S), …) labelled "label = y"."""
    fig.add_hline(
        y=float(y),
        line={"color": line_color, "dash": "dash", "width": 1.5},
        annotation_text=f"{label} = {y:.3g}",
        annotation_position="right",  # in the right margin, never over the data
        annotation_xanchor="left",
        annotation_font_color=line_color,
    )


def empty_figure(message: str, title: str = "", height: int = HEIGHT) -> go.Figure:
    """A blank, styled figure carrying one centred annotation (e.g. before the first epoch)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": MUTED},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title, height=height, legend=False)


def add_note(fig: go.Figure, text: str) -> None:
    """Add a small grey note at the plot's top-left (e.g. how many NaN rows were left out)."""
    fig.add_annotation(
        text=text,
        x=0.0,
        y=1.0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": MUTED},
    )
