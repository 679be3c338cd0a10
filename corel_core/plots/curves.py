"""Loss curves: one panel per loss term (or all terms on one axis), runs told apart by colour.

With λ > 0 the connectivity term (thousands) and the reconstruction (a few units) live on scales
three orders apart: on one linear axis the smaller curves are flat lines at zero. So each term
gets its own panel and y-axis by default; `panels=False` overlays them, best with `log_y=True`.
`smoothing` draws TensorBoard's debiased exponential moving average over the faint raw curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from corel_core.plots._checks import PlotInputError
from corel_core.plots.theme import HEIGHT, color, dash, empty_figure, integer_ticks, style

WAITING_EPOCH = "waiting for the first epoch…"
#: Metric keys that are bookkeeping, not loss terms (left out of the default term list).
NON_TERMS = frozenset({"epoch", "lr", "time", "seconds", "elapsed", "step", "batches", "n"})
#: How each recorded (weighted) term is named on screen; unknown terms keep their key.
TERM_NAMES = {
    "total": "total",
    "recon": "reconstruction",
    "conn": "connectivity λ·L<sub>η</sub>",
    "sparse_l1": "sparsity (L1)",
    "sparse_kl": "sparsity (KL)",
    "contractive": "contractive",
    "kl": "KL",
}
#: Names of the same terms divided by their weights (see corel_core.analysis.losses).
RAW_TERM_NAMES = {**TERM_NAMES, "conn": "connectivity L<sub>η</sub>", "kl": "KL (unweighted)"}
PANEL_HEIGHT = 230
MAX_COLUMNS = 3


def finite_value(record: Mapping[str, object], key: str) -> float | None:
    """The finite float stored under `key`, or None (plotly draws a gap)."""
    v = record.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def default_terms(histories: Mapping[str, Sequence[Mapping[str, object]]]) -> list[str]:
    """Loss terms present in any record in TERM_NAMES order (total, reconstruction, connectivity,
    …; others after, as first seen); bookkeeping and death statistics left out."""
    seen: list[str] = []
    for history in histories.values():
        for record in history:
            for key, v in record.items():
                numeric = isinstance(v, (int, float, np.floating, np.integer))
                skip = key in NON_TERMS or key.startswith("death_") or isinstance(v, bool)
                if numeric and not skip and key not in seen:
                    seen.append(key)
    order = list(TERM_NAMES)  # total, reconstruction, connectivity, …; unknown terms after
    return sorted(seen, key=lambda k: (order.index(k) if k in order else len(order), seen.index(k)))


def ema(values: Sequence[float | None], weight: float) -> list[float | None]:
    """TensorBoard's smoothing: debiased exponential moving average; gaps stay gaps.

    s_t = w·s_{t−1} + (1 − w)·x_t with s_0 = 0, shown as s_t / (1 − w^k) after k values, so the
    start is not pulled towards 0. weight 0 returns the values; must lie in [0, 1).
    """
    if not 0.0 <= weight < 1.0:
        raise PlotInputError(f"smoothing must be in [0, 1), not {weight!r}.")
    out: list[float | None] = []
    last, count = 0.0, 0
    for v in values:
        if v is None:
            out.append(None)
            continue
        last = weight * last + (1.0 - weight) * v
        count += 1
        out.append(last / (1.0 - weight**count) if weight else v)
    return out


def _series(history: Sequence[Mapping[str, object]], term: str, log_y: bool) -> list:
    y = [finite_value(rec, term) for rec in history]
    if log_y:
        y = [v if v is not None and v > 0 else None for v in y]
    return y


def _drop_redundant_total(terms: list[str]) -> list[str]:
    """With a single term, "total" repeats it: keep one panel."""
    return [t for t in terms if t != "total"] if len(terms) == 2 and "total" in terms else terms


def loss_curves(
    histories: Mapping[str, Sequence[Mapping[str, object]]],
    terms: Sequence[str] | None = None,
    log_y: bool = False,
    *,
    panels: bool = True,
    smoothing: float = 0.0,
    raw: bool = False,
    title: str = "Training loss",
) -> go.Figure:
    """Per-epoch loss curves of one or more runs; x is the 1-based epoch (record position).

    `histories` maps a run label (shown in the legend) to its per-epoch metric records.
    panels=True: one subplot per term, colour by run (total is left out when it equals the only
    term). panels=False: one axis; one run → colour by term, several → colour by run and dash by
    term. `log_y` drops values ≤ 0; `smoothing` in [0, 1) adds an EMA line (raw curve faint);
    `raw` only renames the terms (the caller divides by the weights). Values that are missing or
    not finite become gaps.
    """
    if not isinstance(histories, Mapping):
        raise PlotInputError("histories must map a run label to its list of per-epoch metrics.")
    if not any(len(h) for h in histories.values()):
        return empty_figure(WAITING_EPOCH, title)
    ema((), smoothing)  # validates smoothing before any work
    names = RAW_TERM_NAMES if raw else TERM_NAMES
    terms = list(terms) if terms is not None else default_terms(histories)
    n_epochs = max(len(h) for h in histories.values())
    if panels:
        terms = _drop_redundant_total(terms)
        fig = _panels(histories, terms, names, log_y, smoothing)
        height = max(1, math.ceil(len(terms) / MAX_COLUMNS)) * PANEL_HEIGHT + 110
    else:
        fig = _overlay(histories, terms, names, log_y, smoothing)
        height = HEIGHT
    style(
        fig,
        title + (" (terms divided by their weights)" if raw else ""),
        x_title="epoch",
        legend=len(histories) > 1 or not panels,
        height=height,
    )
    if not panels:
        fig.update_yaxes(title_text="loss, log scale" if log_y else "loss")
    columns = min(MAX_COLUMNS, max(1, len(terms))) if panels else 1
    integer_ticks(fig, n_epochs, max_ticks=8 if columns == 1 else 4)  # ~110 px per panel
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def _line_traces(
    x: list[int], y: list, name: str, colour: str, line_dash: str, smoothing: float, **common
) -> list[go.Scatter]:
    """The curve (faint when smoothed) and, with smoothing, its EMA on top."""
    mode = "lines+markers" if len(x) < 30 else "lines"
    hover = f"<b>{name}</b><br>epoch %{{x}}<br>%{{y:.4g}}<extra></extra>"
    base = go.Scatter(
        x=x,
        y=y,
        mode=mode,
        name=name,
        line={"color": colour, "dash": line_dash, "width": 2},
        marker={"size": 5},
        opacity=0.3 if smoothing else 1.0,
        hovertemplate=hover,
        **common,
    )
    if not smoothing:
        return [base]
    base.update(showlegend=False)
    smooth = go.Scatter(
        x=x,
        y=ema(y, smoothing),
        mode="lines",
        name=name,
        line={"color": colour, "dash": line_dash, "width": 2.5},
        hovertemplate=f"<b>{name}</b> (smoothed)<br>epoch %{{x}}<br>%{{y:.4g}}<extra></extra>",
        **common,
    )
    return [base, smooth]


def _two_lines(title: str, width: int = 14) -> str:
    """A panel title broken at its first space when longer than `width` characters (markup not
    counted), so three panels side by side in a narrow column keep their titles apart."""
    shown = title.replace("<sub>", "").replace("</sub>", "")
    return title.replace(" ", "<br>", 1) if len(shown) > width and " " in title else title


def _panels(histories, terms, names, log_y, smoothing) -> go.Figure:
    cols = min(MAX_COLUMNS, max(1, len(terms)))
    rows = max(1, math.ceil(len(terms) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_two_lines(names.get(t, t)) for t in terms],
        horizontal_spacing=0.09,
        vertical_spacing=0.22 if rows > 1 else 0.1,
    )
    fig.update_annotations(font_size=12)  # panel titles fit side by side in a narrow column
    shown: set[str] = set()
    for r, (run, history) in enumerate(histories.items()):
        x = list(range(1, len(history) + 1))
        for i, term in enumerate(terms):
            y = _series(history, term, log_y)
            if all(v is None for v in y):
                continue
            common = {"legendgroup": str(run), "meta": [str(run), term]}
            traces = _line_traces(x, y, str(run), color(r), "solid", smoothing, **common)
            for trace in traces:
                if trace.showlegend is not False:
                    trace.showlegend = str(run) not in shown
                    shown.add(str(run))
                fig.add_trace(trace, row=i // cols + 1, col=i % cols + 1)
    return fig


def _overlay(histories, terms, names, log_y, smoothing) -> go.Figure:
    fig = go.Figure()
    several = len(histories) > 1
    for r, (run, history) in enumerate(histories.items()):
        x = list(range(1, len(history) + 1))
        for t, term in enumerate(terms):
            y = _series(history, term, log_y)
            if all(v is None for v in y):
                continue
            label = names.get(term, term)
            name = f"{run} · {label}" if several else label
            common = {"legendgroup": str(run) if several else term, "meta": [str(run), term]}
            colour = color(r if several else t)
            fig.add_traces(
                _line_traces(
                    x, y, name, colour, dash(t) if several else "solid", smoothing, **common
                )
            )
    return fig
