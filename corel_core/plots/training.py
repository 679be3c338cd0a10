"""Training-progress figures: loss curves per term and run, death-time statistics, batch losses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError
from corel_core.plots.theme import (
    SMALL_HEIGHT,
    add_eta_hline,
    color,
    dash,
    empty_figure,
    style,
)

WAITING_EPOCH = "waiting for the first epoch…"
WAITING_BATCH = "waiting for the first batch…"
#: Metric keys that are bookkeeping, not loss terms (left out of the default term list).
NON_TERMS = frozenset({"epoch", "lr", "time", "seconds", "elapsed", "step", "batches", "n"})


def _value(record: Mapping[str, object], key: str) -> float | None:
    """The finite float stored under `key`, or None (plotly draws a gap)."""
    v = record.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def default_terms(histories: Mapping[str, Sequence[Mapping[str, object]]]) -> list[str]:
    """Loss terms present in any record, "total" first, bookkeeping and death stats left out."""
    seen: list[str] = []
    for history in histories.values():
        for record in history:
            for key, v in record.items():
                numeric = isinstance(v, (int, float, np.floating, np.integer))
                skip = key in NON_TERMS or key.startswith("death_") or isinstance(v, bool)
                if numeric and not skip and key not in seen:
                    seen.append(key)
    return sorted(seen, key=lambda k: (k != "total", seen.index(k)))


def loss_curves(
    histories: Mapping[str, Sequence[Mapping[str, object]]],
    terms: Sequence[str] | None = None,
    log_y: bool = False,
) -> go.Figure:
    """Per-epoch loss curves, one trace per (run, term); x is the 1-based epoch (record position).

    One run: one colour per term. Several runs: colour by run, dash by term, legend grouped by run.
    """
    if not isinstance(histories, Mapping):
        raise PlotInputError("histories must map a run label to its list of per-epoch metrics.")
    if not any(len(h) for h in histories.values()):
        return empty_figure(WAITING_EPOCH, "Training loss")
    terms = list(terms) if terms is not None else default_terms(histories)
    fig = go.Figure()
    several = len(histories) > 1
    for r, (run, history) in enumerate(histories.items()):
        epochs = list(range(1, len(history) + 1))
        for t, term in enumerate(terms):
            y = [_value(rec, term) for rec in history]
            if all(v is None for v in y):
                continue
            if log_y:
                y = [v if v is not None and v > 0 else None for v in y]
            name = f"{run} · {term}" if several else term
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=y,
                    mode="lines+markers" if len(epochs) < 30 else "lines",
                    name=name,
                    legendgroup=str(run) if several else term,
                    line={
                        "color": color(r if several else t),
                        "dash": dash(t) if several else "solid",
                        "width": 2,
                    },
                    marker={"size": 5},
                    meta=[str(run), term],
                    hovertemplate=f"<b>{name}</b><br>epoch %{{x}}<br>%{{y:.4g}}<extra></extra>",
                )
            )
    style(fig, "Training loss", x_title="epoch", y_title="loss (per batch, mean over epoch)")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def death_stats_figure(history: Sequence[Mapping[str, object]], eta: float) -> go.Figure:
    """Per-epoch min–max band and mean of the latent death times, with η as a horizontal line.

    Reads keys death_min / death_mean / death_max; shows whether batches approach the scale η.
    """
    title = "Death times of latent batches"
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
