"""Density-estimation figures: KDE bandwidths, cross-validation curve, ROC curves, AUROC bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError, as_vector
from corel_core.plots.theme import MUTED, add_ref_hline, color, style


def _group_of(row: Mapping[str, object]) -> str:
    """The bar group of a bandwidth row: "group", else "run" and/or "cluster" joined, else "all"."""
    if "group" in row:
        return str(row["group"])
    parts = [str(row[k]) for k in ("run", "cluster") if k in row]
    return " · ".join(parts) if parts else "all"


def bandwidth_bars(
    rows: Sequence[Mapping[str, object]], title: str = "KDE bandwidths"
) -> go.Figure:
    """Grouped bars of the bandwidth each rule picks (keys "rule", "bandwidth", optional group).

    Groups come from "group", or "run"/"cluster"; one trace per rule so rules share a colour.
    """
    groups: list[str] = []
    rules: dict[str, dict[str, float | None]] = {}
    for i, row in enumerate(rows):
        if "rule" not in row or "bandwidth" not in row:
            raise PlotInputError(f"bandwidth row {i} needs the keys 'rule' and 'bandwidth'.")
        g = _group_of(row)
        if g not in groups:
            groups.append(g)
        bw = row["bandwidth"]
        ok = isinstance(bw, (int, float, np.number)) and np.isfinite(bw)
        rules.setdefault(str(row["rule"]), {})[g] = float(bw) if ok else None  # type: ignore[arg-type]
    fig = go.Figure()
    for k, (rule, by_group) in enumerate(rules.items()):
        fig.add_trace(
            go.Bar(
                x=groups,
                y=[by_group.get(g) for g in groups],
                name=rule,
                marker={"color": color(k)},
                hovertemplate=f"{rule}<br>%{{x}}<br>bandwidth %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    style(fig, title, y_title="bandwidth (latent distance)", legend_title="rule")
    return fig


def cv_curve(
    bandwidths: object, loglik: object, best: float, title: str = "Bandwidth cross-validation"
) -> go.Figure:
    """Held-out log-likelihood against bandwidth (log x axis) with the chosen bandwidth marked."""
    h = as_vector(bandwidths, "bandwidths")
    ll = as_vector(loglik, "loglik")
    if h.shape != ll.shape:
        raise PlotInputError(
            f"bandwidths and loglik must have the same length, got {h.size} and {ll.size}."
        )
    if np.any(h <= 0):
        raise PlotInputError("bandwidths must be positive.")
    order = np.argsort(h)
    h, ll = h[order], ll[order]
    fig = go.Figure(
        go.Scatter(
            x=h,
            y=np.where(np.isfinite(ll), ll, np.nan),
            mode="lines+markers",
            name="held-out log-likelihood",
            line={"color": color(0), "width": 2},
            hovertemplate="bandwidth %{x:.4g}<br>log-likelihood %{y:.4g}<extra></extra>",
        )
    )
    at_best = float(np.interp(np.log(best), np.log(h), ll)) if np.isfinite(ll).all() else None
    fig.add_vline(
        x=float(best),
        line={"color": color(3), "dash": "dash", "width": 1.5},
        annotation_text=f"best h = {best:.3g}",
        annotation_position="top",  # above the plot area, never over the curve
        annotation_yanchor="bottom",
    )
    if at_best is not None:
        fig.add_trace(
            go.Scatter(
                x=[float(best)],
                y=[at_best],
                mode="markers",
                name="best",
                marker={"symbol": "star", "size": 14, "color": color(3)},
                hovertemplate="best bandwidth %{x:.4g}<extra></extra>",
            )
        )
    style(
        fig,
        title,
        x_title="bandwidth h (latent distance, log scale)",
        y_title="mean held-out log-likelihood (nats)",
        legend=False,
    )
    fig.update_xaxes(type="log")
    return fig


def roc_curves(
    curves: Mapping[str, tuple[object, object, float]], title: str = "ROC curves"
) -> go.Figure:
    """ROC curves per scorer (AUC in the legend) with the chance diagonal."""
    fig = go.Figure(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="chance (AUC = 0.5)",
            line={"color": MUTED, "dash": "dash", "width": 1},
            hoverinfo="skip",
        )
    )
    for k, (name, (fpr, tpr, auc)) in enumerate(curves.items()):
        f, t = as_vector(fpr, f"fpr of {name!r}"), as_vector(tpr, f"tpr of {name!r}")
        if f.shape != t.shape:
            raise PlotInputError(f"fpr and tpr of {name!r} must have the same length.")
        fig.add_trace(
            go.Scatter(
                x=f,
                y=t,
                mode="lines",
                name=f"{name} (AUC = {float(auc):.3f})",
                line={"color": color(k), "width": 2},
                meta=float(auc),
                hovertemplate=f"{name}<br>FPR %{{x:.3f}}<br>TPR %{{y:.3f}}<extra></extra>",
            )
        )
    style(fig, title, x_title="false positive rate", y_title="true positive rate", height=450)
    fig.update_xaxes(range=[0, 1], constrain="domain")
    fig.update_yaxes(range=[0, 1.02], scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(legend={"orientation": "v", "x": 0.98, "y": 0.02, "yanchor": "bottom"})
    return fig


def auroc_bars(
    per_class: Mapping[str, object],
    sd: Mapping[str, object] | None = None,
    class_names: Sequence[str] | None = None,
    title: str = "One-class AUROC per class",
) -> go.Figure:
    """Grouped bars of AUROC per class, one trace per scorer (mean in legend), chance at 0.5."""
    fig = go.Figure()
    n_classes = None
    for k, (scorer, values) in enumerate(per_class.items()):
        v = as_vector(values, f"AUROC values of {scorer!r}")
        if n_classes is None:
            n_classes = v.size
        if v.size != n_classes:
            raise PlotInputError("every scorer must give one AUROC per class (same length).")
        names = list(class_names) if class_names is not None else [str(i) for i in range(v.size)]
        if len(names) != v.size:
            raise PlotInputError(f"class_names has {len(names)} entries for {v.size} classes.")
        err = None
        if sd is not None and scorer in sd:
            e = as_vector(sd[scorer], f"sd of {scorer!r}")
            if e.shape != v.shape:
                raise PlotInputError(f"sd of {scorer!r} must have one entry per class.")
            err = {"type": "data", "array": e, "visible": True, "thickness": 1.2}
        fig.add_trace(
            go.Bar(
                x=names,
                y=v,
                error_y=err,
                name=f"{scorer} (mean {np.nanmean(v):.3f})",
                marker={"color": color(k)},
                hovertemplate=f"{scorer}<br>class %{{x}}<br>AUROC %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    add_ref_hline(fig, 0.5, label="chance")
    style(fig, title, x_title="class (in-distribution)", y_title="AUROC", legend_title="scorer")
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(type="category")
    return fig
