"""Persistent-homology figures: barcodes, persistence diagrams, death and nearest-neighbour plots.

Bars follow Hofer et al. (ICML 2019): death time = full pairwise distance; η is the target scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from corel_core.plots._checks import (
    PlotInputError,
    as_diagram,
    as_vector,
    dropped_note,
    finite_rows,
)
from corel_core.plots.theme import (
    MUTED,
    add_eta_hline,
    add_eta_vline,
    add_note,
    color,
    style,
)

INF_HOVER = "∞ (essential class)"


def _clean(diagram: object, name: str) -> tuple[np.ndarray, int]:
    """Validate a (k, 2) diagram and drop rows with NaN (or a -inf/inf birth); keep +inf deaths."""
    arr = as_diagram(diagram, name)
    ok = np.isfinite(arr[:, 0]) & ~np.isnan(arr[:, 1]) & (arr[:, 1] > -np.inf)
    return arr[ok], int((~ok).sum())


def infinity_cap(diagrams: Sequence[np.ndarray], eta: float | None = None) -> float:
    """Where infinite deaths are drawn: 10 % beyond the largest finite value (and beyond η)."""
    finite = [d[np.isfinite(d)] for d in diagrams if d.size]
    values = np.concatenate(finite) if finite else np.zeros(0)
    top = max(float(values.max()) if values.size else 0.0, float(eta) if eta is not None else 0.0)
    return top * 1.1 if top > 0 else 1.0


def _bar_traces(
    diagram: np.ndarray, cap: float, name: str, colour: str, offset: int = 0
) -> tuple[list[go.BaseTraceType], int]:
    """Horizontal bars sorted by persistence (longest on top); infinite ones stop at `cap`."""
    births, deaths = diagram[:, 0], diagram[:, 1]
    inf = ~np.isfinite(deaths)
    length = np.where(inf, np.inf, deaths - births)
    order = np.argsort(length, kind="stable")
    b, d, infinite = births[order], deaths[order], inf[order]
    shown = np.where(infinite, cap, d)
    y = offset + np.arange(len(b))
    death_text = [INF_HOVER if f else f"{v:.4g}" for v, f in zip(d, infinite, strict=True)]
    hover = [
        f"{name}<br>birth {bb:.4g}<br>death {dt}<br>persistence {'∞' if f else f'{dd - bb:.4g}'}"
        for bb, dd, dt, f in zip(b, d, death_text, infinite, strict=True)
    ]
    traces: list[go.BaseTraceType] = [
        go.Bar(
            x=shown - b,
            base=b,
            y=y,
            orientation="h",
            name=name,
            legendgroup=name,
            marker={"color": colour, "line": {"width": 0}},
            width=0.8,
            hovertext=hover,
            hoverinfo="text",
            customdata=np.column_stack([b, d]),
        )
    ]
    if infinite.any():
        traces.append(
            go.Scatter(
                x=np.full(int(infinite.sum()), cap),
                y=y[infinite],
                mode="markers",
                name=f"{name} · infinite",
                legendgroup=name,
                showlegend=False,
                marker={"symbol": "triangle-right", "size": 10, "color": colour},
                hovertext=[h for h, f in zip(hover, infinite, strict=True) if f],
                hoverinfo="text",
            )
        )
    return traces, len(b)


def barcode_by_dim(
    diagrams: Mapping[int, object], eta: float | None = None, title: str = "Barcode"
) -> go.Figure:
    """Barcodes of several homology dimensions stacked vertically, coloured by dimension."""
    cleaned = {int(k): _clean(v, f"diagram of H{k}") for k, v in sorted(diagrams.items())}
    cap = infinity_cap([c[0] for c in cleaned.values()], eta)
    fig = go.Figure()
    offset, dropped = 0, 0
    for dim, (diagram, n_bad) in cleaned.items():
        traces, n = _bar_traces(diagram, cap, f"H{dim}", color(dim), offset)
        fig.add_traces(traces)
        offset += n + (1 if n else 0)
        dropped += n_bad
    if eta is not None:
        add_eta_vline(fig, eta)
    style(fig, title, x_title="filtration scale (distance)", y_title="bar", legend=len(cleaned) > 1)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_xaxes(range=[min(0.0, _min_birth(cleaned)), cap * 1.04])
    fig.update_layout(bargap=0.1)
    if offset == 0:
        add_note(fig, "no bars")
    if dropped:
        add_note(fig, dropped_note(dropped, "bars"))
    return fig


def _min_birth(cleaned: Mapping[int, tuple[np.ndarray, int]]) -> float:
    births = [d[:, 0] for d, _ in cleaned.values() if len(d)]
    return float(np.concatenate(births).min()) if births else 0.0


def barcode(
    diagram: object, eta: float | None = None, title: str = "Barcode", dim: int = 0
) -> go.Figure:
    """Barcode of one (k, 2) birth/death diagram, bars sorted by persistence, η dashed."""
    return barcode_by_dim({dim: diagram}, eta=eta, title=title)


def persistence_diagram(
    diagrams: Mapping[int, object], eta: float | None = None, title: str = "Persistence diagram"
) -> go.Figure:
    """Birth/death scatter per homology dimension with the diagonal; infinite deaths on a "∞" line.

    η (when given) is drawn as the horizontal line death = η.
    """
    cleaned = {int(k): _clean(v, f"diagram of H{k}") for k, v in sorted(diagrams.items())}
    cap = infinity_cap([c[0] for c in cleaned.values()], eta)
    lo = min(0.0, _min_birth(cleaned))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[lo, cap],
            y=[lo, cap],
            mode="lines",
            name="diagonal",
            line={"color": MUTED, "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    any_inf, dropped = False, 0
    for dim, (d, n_bad) in cleaned.items():
        dropped += n_bad
        inf = ~np.isfinite(d[:, 1])
        any_inf |= bool(inf.any())
        pers = np.where(inf, np.inf, d[:, 1] - d[:, 0])
        hover = [
            f"H{dim}<br>(birth, death) = ({b:.4g}, {'∞' if f else f'{e:.4g}'})"
            f"<br>persistence {'∞' if f else f'{p:.4g}'}"
            for b, e, p, f in zip(d[:, 0], d[:, 1], pers, inf, strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=d[:, 0],
                y=np.where(inf, cap, d[:, 1]),
                mode="markers",
                name=f"H{dim}",
                marker={
                    "color": color(dim),
                    "size": 7,
                    "opacity": 0.8,
                    "symbol": np.where(inf, "triangle-up", "circle").tolist(),
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=np.column_stack([d[:, 0], d[:, 1], pers]),
                hovertext=hover,
                hoverinfo="text",
                cliponaxis=False,  # H0 is born at 0, on the axis: whole markers, not half
            )
        )
    if any_inf:
        fig.add_hline(  # labelled right of the plot: on the left "∞" sat on a tick label
            y=cap,
            line={"color": MUTED, "dash": "dot", "width": 1},
            annotation_text="∞ (never dies)",
            annotation_position="right",
            annotation_xanchor="left",
            annotation_font_color=MUTED,
        )
    if eta is not None:
        add_eta_hline(fig, eta)
    style(fig, title, x_title="birth (distance)", y_title="death (distance)", height=450)
    # 1:1 aspect by shrinking the plot area (constrain="domain"): stretching an axis instead had
    # drawn birth or death below 0 in narrow or wide panels
    fig.update_xaxes(range=[lo, cap * 1.05], constrain="domain")
    fig.update_yaxes(range=[lo, cap * 1.05], scaleanchor="x", scaleratio=1, constrain="domain")
    if dropped:
        add_note(fig, dropped_note(dropped, "points"))
    return fig


def death_histogram(deaths: object, eta: float, bins: int = 30, source: str = "") -> go.Figure:
    """Histogram of finite death times with η marked; the title gives the share below η, after
    `source` (what the deaths are of, e.g. "Last batch") when given."""
    d = as_vector(deaths, "deaths")
    keep = finite_rows(d)
    d = d[keep]
    if d.size == 0:
        fig = go.Figure()
        add_note(fig, "no finite death times")
    else:
        hi = max(float(d.max()), float(eta))
        lo = min(float(d.min()), 0.0)
        size = (hi - lo) / bins if hi > lo else 1.0
        fig = go.Figure(
            go.Histogram(
                x=d,
                xbins={"start": lo, "end": hi + size * 1e-9, "size": size},
                name="deaths",
                marker={"color": color(0), "line": {"color": "white", "width": 0.5}},
                hovertemplate="deaths in [%{x}]<br>count %{y}<extra></extra>",
            )
        )
    below = float(np.mean(d < eta)) if d.size else 0.0
    add_eta_vline(fig, eta)
    style(
        fig,
        (f"{source}: " if source else "")
        + f"{below:.0%} of {d.size} deaths below η".replace("%", " %"),
        x_title="death time (distance)",
        y_title="count",
        legend=False,
    )
    if (~keep).any():
        add_note(fig, dropped_note(int((~keep).sum()), "deaths"))
    return fig


def nn_distance_figure(nn: Mapping[int, object], eta: float) -> go.Figure:
    """ECDFs of nearest-neighbour distances per sample size n, with η (densification: large n)."""
    fig = go.Figure()
    for k, (n, values) in enumerate(sorted(nn.items())):
        v = as_vector(values, f"nearest-neighbour distances for n={n}")
        v = np.sort(v[np.isfinite(v)])
        ecdf = np.arange(1, v.size + 1) / max(v.size, 1)
        share = float(np.mean(v <= eta)) if v.size else 0.0
        fig.add_trace(
            go.Scatter(
                x=v,
                y=ecdf,
                mode="lines",
                line={"shape": "hv", "color": color(k), "width": 2},
                name=f"n = {n} ({share:.0%} ≤ η)",
                meta=int(n),
                hovertemplate=f"n = {n}<br>distance %{{x:.4g}}<br>fraction ≤ x: %{{y:.2f}}"
                "<extra></extra>",
            )
        )
    add_eta_vline(fig, eta)
    style(
        fig,
        "Nearest-neighbour distances by sample size",
        x_title="distance to nearest neighbour (latent)",
        y_title="fraction of points (ECDF)",
        legend_title="sample size",
    )
    fig.update_yaxes(range=[0, 1.02])
    return fig


def compare_barcodes(
    a: object,
    b: object,
    labels: Sequence[str] = ("A", "B"),
    eta: float | None = None,
    dim: int = 0,
) -> go.Figure:
    """Two barcodes side by side on a shared scale (e.g. before/after training, λ = 0 vs 20)."""
    if len(labels) != 2:
        raise PlotInputError("labels must hold exactly two names, one per barcode.")
    da, bad_a = _clean(a, f"diagram {labels[0]}")
    db, bad_b = _clean(b, f"diagram {labels[1]}")
    cap = infinity_cap([da, db], eta)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[str(x) for x in labels])
    for col, (d, label) in enumerate([(da, labels[0]), (db, labels[1])], start=1):
        traces, _ = _bar_traces(d, cap, f"{label} · H{dim}", color(col - 1))
        for t in traces:
            fig.add_trace(t, row=1, col=col)
        if eta is not None:
            add_eta_vline(fig, eta, row=1, col=col, label=False)
    title = f"Barcodes (H{dim})" + ("" if eta is None else f" · dashed line: η = {eta:g}")
    style(fig, title, x_title="filtration scale (distance)", legend=False)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_xaxes(range=[min(0.0, _min_birth({0: (da, 0), 1: (db, 0)})), cap * 1.04])
    fig.update_yaxes(title_text="bar", row=1, col=1)
    fig.update_layout(bargap=0.1)
    if bad_a or bad_b:
        add_note(fig, dropped_note(bad_a + bad_b, "bars"))
    return fig
