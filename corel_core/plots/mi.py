"""Mutual-information figures: the Theorem-1 KL decomposition, I(S;Z) estimates, metric bars,
log-likelihoods under several priors and the density-ratio discriminator's fidelity.

Decomposition (Takahashi et al., KDD 2022): E KL(q(z|x,s)‖p(z)) = I(S;Z) + KL(q(z)‖p(z))
+ Σ_k π_k I(X;Z|S=k); all in nats.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError
from corel_core.plots.theme import MUTED, add_ref_hline, color, style

#: (key, legend label) of the decomposition terms, stacked bottom to top.
DECOMPOSITION_TERMS: tuple[tuple[str, str], ...] = (
    ("i_sz", "I(S;Z)"),
    ("kl_qz_pz", "KL(q(z) ‖ p(z))"),
    ("i_xz_s", "Σ π_k I(X;Z | S=k)"),
)
TOTAL_KEY = "avg_kl"
NO_EVIDENCE = "≤ 0 (no evidence of dependence)"
LEGEND_BELOW_HEIGHT = 520  # figures whose legend sits under the plot


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
    style(fig, title, x_title="model", y_title="nats", height=LEGEND_BELOW_HEIGHT)
    return fig


def _triple(triple: object, what: str) -> tuple[float, float, float]:
    """A checked (value, low, high) triple with low ≤ value ≤ high."""
    if not isinstance(triple, (tuple, list)) or len(triple) != 3:
        raise PlotInputError(f"{what} must be a (value, low, high) triple.")
    v, lo, hi = (_number(x, what) for x in triple)
    if not lo <= v <= hi:
        raise PlotInputError(f"{what} has low ≤ value ≤ high violated ({lo:g}, {v:g}, {hi:g}).")
    return v, lo, hi


def mi_estimates_figure(
    estimates: Mapping[str, Mapping[str, tuple[float, float, float]]],
    h_s: float | None = None,
    title: str = "I(S;Z) estimates",
    bounds: Collection[str] = (),
) -> go.Figure:
    """Grouped bars per model × estimator with asymmetric (low, high) error bars and H(S) marked.

    Every estimate must satisfy low ≤ value ≤ high; I(S;Z) ≤ H(S) is the ceiling line. An
    estimator named in `bounds` is a lower bound: where its value is ≤ 0 it says nothing about
    dependence, so its bar is drawn at 0 labelled "≤ 0" (no error bar) and the raw value and
    interval are in the hover text.
    """
    models = [str(m) for m in estimates]
    estimators: list[str] = []
    for by_est in estimates.values():
        for est in by_est:
            if est not in estimators:
                estimators.append(str(est))
    fig = go.Figure()
    for k, est in enumerate(estimators):
        value, plus, minus, text, hover = [], [], [], [], []
        for model, by_est in estimates.items():
            if est not in by_est:
                value.append(None)
                plus.append(0.0)
                minus.append(0.0)
                text.append("")
                hover.append("")
                continue
            v, lo, hi = _triple(by_est[est], f"estimate {est!r} of {model!r}")
            interval = f"[{lo:.4g}, {hi:.4g}]"
            if est in bounds and v <= 0:
                value.append(0.0)
                plus.append(0.0)
                minus.append(0.0)
                text.append("≤ 0")
                hover.append(f"{NO_EVIDENCE}<br>raw value {v:.4g} nats {interval}")
                continue
            value.append(v)
            plus.append(hi - v)
            minus.append(v - lo)
            text.append("")
            hover.append(f"I(S;Z) = {v:.4g} nats {interval}")
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
                text=text,
                textposition="outside",
                cliponaxis=False,
                customdata=hover,
                hovertemplate=f"%{{x}} · {est}<br>%{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    if h_s is not None:
        add_ref_hline(fig, h_s, label="H(S)", line_color="black")
    style(
        fig,
        title,
        x_title="model",
        y_title="I(S;Z) (nats)",
        legend_title="estimator",
        height=LEGEND_BELOW_HEIGHT,
    )
    fig.update_yaxes(rangemode="tozero")
    return fig


def likelihood_figure(
    rows: Mapping[str, Mapping[str, tuple[float, float, float]]],
    title: str = "Test log-likelihood",
    y_title: str = "ln p(x|s) (nats per image)",
) -> go.Figure:
    """Markers with (low, high) error bars per model, one series per prior, side by side.

    rows: {model: {prior label: (value, low, high)}}. Markers rather than bars: log-likelihoods
    are large negative numbers whose differences matter, so the axis does not start at 0.
    """
    priors: list[str] = []
    for by_prior in rows.values():
        for name in by_prior:
            if name not in priors:
                priors.append(str(name))
    fig = go.Figure()
    extent: list[float] = []
    for k, name in enumerate(priors):
        ys, plus, minus, models = [], [], [], []
        for model, by_prior in rows.items():
            if name not in by_prior:
                continue
            v, lo, hi = _triple(by_prior[name], f"{name!r} of {model!r}")
            models.append(str(model))
            ys.append(v)
            plus.append(hi - v)
            minus.append(v - lo)
            extent += [lo, hi]
        fig.add_trace(
            go.Scatter(
                x=models,
                y=ys,
                mode="markers",
                name=name,
                marker={"color": color(k), "size": 11, "symbol": k},
                error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
                hovertemplate=f"%{{x}} · {name}<br>%{{y:.4g}} nats<extra></extra>",
            )
        )
    fig.update_layout(scattermode="group")
    style(
        fig,
        title,
        x_title="model",
        y_title=y_title,
        legend_title="prior",
        height=LEGEND_BELOW_HEIGHT,
    )
    fig.update_xaxes(type="category")
    if extent:  # zoom on the values: differences of a few nats matter, 0 does not
        lo, hi = min(extent), max(extent)
        pad = max(0.1 * (hi - lo), 1.0)
        fig.update_yaxes(range=[lo - pad, hi + pad])
    return fig


def ratio_fidelity_bars(
    per_seed: Mapping[str, tuple[float, float]],
    title: str = "Learned log-ratio T against the exact ln q(z)/p(z)",
    warn_below: float = 0.9,
) -> go.Figure:
    """E_q[T] beside the exact KL(q(z)‖p(z)) per seed, the recovered share printed on top.

    per_seed: {seed label: (E_q[T], exact KL)} in nats. A share below `warn_below` is printed
    with a warning sign: the learned prior then misses much of q(z).
    """
    labels = [str(k) for k in per_seed]
    pairs = [
        (_number(t, f"E_q[T] of {k!r}"), _number(kl, f"KL of {k!r}"))
        for k, (t, kl) in per_seed.items()
    ]
    shares = [t / kl if kl > 0 else float("nan") for t, kl in pairs]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[kl for _, kl in pairs],
            name="exact KL(q(z) ‖ p(z)) (mixture)",
            marker={"color": MUTED},
            hovertemplate="%{x}<br>exact KL = %{y:.4g} nats<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[t for t, _ in pairs],
            name="E_q[T] (learned)",
            marker={"color": color(0)},
            text=[("⚠ " if not share >= warn_below else "") + f"{share:.0%}" for share in shares],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>E_q[T] = %{y:.4g} nats (%{text} of KL)<extra></extra>",
        )
    )
    fig.update_layout(barmode="group")
    style(fig, title, x_title="seed", y_title="nats")
    fig.update_xaxes(type="category")
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
