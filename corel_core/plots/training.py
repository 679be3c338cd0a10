"""Training-progress figures: death-time statistics and the per-batch loss sparkline.

Loss curves per term and run are in corel_core.plots.curves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from corel_core.plots.curves import WAITING_EPOCH
from corel_core.plots.curves import finite_value as _value
from corel_core.plots.theme import (
    SMALL_HEIGHT,
    add_eta_hline,
    color,
    empty_figure,
    integer_ticks,
    style,
)

WAITING_BATCH = "waiting for the first batch…"


def death_stats_figure(history: Sequence[Mapping[str, object]], eta: float) -> go.Figure:
    """Per-epoch min–max band and mean of the latent death times, with η as a horizontal line.

    Reads keys death_min / death_mean / death_max; shows whether batches approach the scale η.
    """
    title = "Death times per epoch"  # short: it often sits in a narrow column
    rows = [r for r in history if _value(r, "death_mean") is not None]
    if not history:
        return empty_figure(WAITING_EPOCH, title)
    if not rows:
        return empty_figure("no death statistics recorded (connectivity loss off?)", title)
    epochs = [i + 1 for i, r in enumerate(history) if _value(r, "death_mean") is not None]
    lo = [_value(r, "death_min") for r in rows]
    mean = [_value(r, "death_mean") for r in rows]
    hi = [_value(r, "death_max") for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=epochs,
            y=hi,
            name="max",
            mode="lines",
            line={"width": 0.5, "color": color(0)},
            legendgroup="range",
            showlegend=False,
            hovertemplate="epoch %{x}<br>max %{y:.3g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=epochs,
            y=lo,
            name="min–max",
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(0, 114, 178, 0.18)",
            line={"width": 0.5, "color": color(0)},
            legendgroup="range",
            hovertemplate="epoch %{x}<br>min %{y:.3g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=epochs,
            y=mean,
            name="mean",
            mode="lines+markers" if len(epochs) < 30 else "lines",
            line={"width": 2.5, "color": color(0)},
            marker={"size": 5},
            hovertemplate="epoch %{x}<br>mean %{y:.3g}<extra></extra>",
        )
    )
    add_eta_hline(fig, eta)
    style(fig, title, x_title="epoch", y_title="death time (latent distance)")
    fig.update_yaxes(rangemode="tozero")
    integer_ticks(fig, len(history))
    return fig


def batch_loss_figure(batch_losses: Sequence[float]) -> go.Figure:
    """A small live sparkline of the per-batch total loss (x = 1-based batch number)."""
    y = [float(v) if v is not None and math.isfinite(float(v)) else None for v in batch_losses]
    if not y:
        return empty_figure(WAITING_BATCH, height=SMALL_HEIGHT)
    fig = go.Figure(
        go.Scatter(
            x=list(range(1, len(y) + 1)),
            y=y,
            mode="lines",
            name="batch loss",
            line={"width": 1.5, "color": color(0)},
            hovertemplate="batch %{x}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    style(fig, "", x_title="batch", y_title="loss", height=SMALL_HEIGHT, legend=False)
    fig.update_layout(margin={"l": 50, "r": 10, "t": 10, "b": 35})
    return fig
