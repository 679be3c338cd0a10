"""Mutual-information figures: the Theorem-1 KL decomposition, I(S;Z) estimates, metric bars.

Decomposition (Takahashi et al., KDD 2022): E KL(q(z|x,s)‖p(z)) = I(S;Z) + KL(q(z)‖p(z))
+ Σ_k π_k I(X;Z|S=k); all in nats.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError
from corel_core.plots.theme import add_ref_hline, color, style

#: (key, legend label) of the decomposition terms, stacked bottom to top.
DECOMPOSITION_TERMS: tuple[tuple[str, str], ...] = (
    ("i_sz", "I(S;Z)"),
    ("kl_qz_pz", "KL(q(z) ‖ p(z))"),
    ("i_xz_s", "Σ π_k I(X;Z | S=k)"),
)
TOTAL_KEY = "avg_kl"


def _number(value: object, what: str) -> float:
    """A float from a user-supplied value, with a readable error otherwise."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise PlotInputError(f"{what} must be a number, got {value!r}.") from exc


def decomposition_bars(
    rows: Mapping[str, Mapping[str, float]], title: str = "KL regulariser decomposition"
) -> go.Figure:
    """Stacked bars of I(S;Z), KL(q(z)‖p(z)) and Σπ_k I(X;Z|S=k) per model, E KL total as a diamond.

    The diamond should sit on top of the stack: a visible gap is Monte Carlo error.
    """
    models = [str(m) for m in rows]
    for model, row in rows.items():
        missing = [k for k, _ in DECOMPOSITION_TERMS if k not in row]
        if missing:
            raise PlotInputError(f"decomposition row of {model!r} lacks {', '.join(missing)}.")
    fig = go.Figure()
    for k, (key, label) in enumerate(DECOMPOSITION_TERMS):
        fig.add_trace(
            go.Bar(
                x=models,
                y=[_number(row[key], f"{key} of {m!r}") for m, row in rows.items()],
                name=label,
                marker={"color": color(k)},
                hovertemplate=f"%{{x}}<br>{label} = %{{y:.4g}} nats<extra></extra>",
            )
        )
    totals = [row.get(TOTAL_KEY) for row in rows.values()]
    if any(t is not None for t in totals):
        fig.add_trace(
            go.Scatter(
                x=models,
                y=[None if t is None else _number(t, TOTAL_KEY) for t in totals],
                mode="markers",
                name="E KL(q(z|x,s) ‖ p(z)) (total)",
                marker={"symbol": "diamond", "size": 13, "color": "black"},
                hovertemplate="%{x}<br>E KL total = %{y:.4g} nats<extra></extra>",
            )
        )
    fig.update_layout(barmode="relative")
    style(fig, title, x_title="model", y_title="nats")
    return fig


def mi_estimates_figure(
    estimates: Mapping[str, Mapping[str, tuple[float, float, float]]],
    h_s: float | None = None,
    title: str = "I(S;Z) estimates",
) -> go.Figure:
    """Grouped bars per model × estimator with asymmetric (low, high) error bars and H(S) marked.

    Every estimate must satisfy low ≤ value ≤ high; I(S;Z) ≤ H(S) is the ceiling line.
    """
    models = [str(m) for m in estimates]
    estimators: list[str] = []
    for by_est in estimates.values():
        for est in by_est:
            if est not in estimators:
                estimators.append(str(est))
    fig = go.Figure()
    for k, est in enumerate(estimators):
        value, plus, minus = [], [], []
        for model, by_est in estimates.items():
            if est not in by_est:
                value.append(None)
                plus.append(0.0)
                minus.append(0.0)
                continue
            triple = by_est[est]
            if len(triple) != 3:
                raise PlotInputError(
                    f"estimate {est!r} of {model!r} must be a (value, low, high) triple."
                )
            v, lo, hi = (_number(x, f"estimate {est!r} of {model!r}") for x in triple)
            if not lo <= v <= hi:
                raise PlotInputError(
                    f"estimate {est!r} of {model!r} has low ≤ value ≤ high violated "
                    f"({lo:g}, {v:g}, {hi:g})."
                )
            value.append(v)
            plus.append(hi - v)
            minus.append(v - lo)
        fig.add_trace(
            go.Bar(
                x=models,
                y=value,
                name=est,
                marker={"color": color(k)},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": plus,
                    "arrayminus": minus,
                    "visible": True,
                    "thickness": 1.2,
                },
                customdata=np.column_stack(
                    [
                        np.array(value, dtype=float) - np.array(minus),
                        np.array(value, dtype=float) + np.array(plus),
                    ]
                ),
                hovertemplate=f"%{{x}} · {est}<br>I(S;Z) = %{{y:.4g}} nats"
                "<br>[%{customdata[0]:.4g}, %{customdata[1]:.4g}]<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    if h_s is not None:
        add_ref_hline(fig, h_s, label="H(S)", line_color="black")
    style(fig, title, x_title="model", y_title="I(S;Z) (nats)", legend_title="estimator")
    fig.update_yaxes(rangemode="tozero")
    return fig


def metric_bars(values: Mapping[str, float], title: str = "", y_title: str = "") -> go.Figure:
    """A plain bar per entry (e.g. test log-likelihood or accuracy per model), values printed."""
    names = [str(k) for k in values]
    ys = [_number(v, f"value of {k!r}") for k, v in values.items()]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=ys,
            marker={"color": [color(i) for i in range(len(names))]},
            text=[f"{y:.4g}" for y in ys],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{y:.4g}<extra></extra>",
            name=y_title or "value",
        )
    )
    style(fig, title, y_title=y_title, legend=False)
    fig.update_xaxes(type="category")
    return fig
