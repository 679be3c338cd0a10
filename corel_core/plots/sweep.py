"""Sweep figures: a final metric against the swept setting, mean ± sd over seeds.

Input rows are plain dicts as `corel_core.studies.sweep.results.aggregate` makes them (one per
grid point: the swept values, `<metric>`, `<metric>_sd`, `seeds`), optionally with the single
trials (`trial_rows`) drawn as faint points behind the means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError
from corel_core.plots.theme import MUTED, color, style

#: Hofer et al. (ICML 2019), authors' notebook: one-class AUROC (count score, n = 120) of the
#: CIFAR-100 autoencoder evaluated on CIFAR-10 for each λ (REFERENCE.md §1, "Ablation").
PAPER_LAMBDA_ABLATION: tuple[tuple[float, float], ...] = (
    (0.0, 0.5467),
    (1.0, 0.7092),
    (10.0, 0.7545),
    (20.0, 0.7600),
    (40.0, 0.7476),
)
PAPER_LAMBDA_NAME = "paper: CIFAR-100 AE → CIFAR-10, n = 120 (reference, other data)"


def reference_for(field: str, metric: str) -> tuple[tuple[float, float], ...] | None:
    """The paper's λ ablation when plotting a count-score AUROC against λ, else None."""
    if field in ("lambda-conn", "lambda_conn") and metric.startswith("auroc_count"):
        return PAPER_LAMBDA_ABLATION
    return None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(float(value)) else None


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, (int, float)) else (1, str(value))


def metric_vs_field(
    points: Sequence[Mapping[str, Any]],
    field: str,
    metric: str,
    *,
    group_by: Sequence[str] = (),
    trials: Sequence[Mapping[str, Any]] = (),
    reference: Sequence[tuple[float, float]] | None = None,
    reference_name: str = PAPER_LAMBDA_NAME,
    metric_label: str | None = None,
    title: str = "",
) -> go.Figure:
    """Mean of `metric` against `field` with ±1 sd error bars (sample sd over seeds).

    One line per combination of the `group_by` settings (the other swept settings); completed
    `trials` (rows with `field`, `metric`) appear as faint dots; `reference` (x, y) pairs are a
    dashed labelled line. Points without a value are left out. Raises PlotInputError when no
    point has `field` and a finite `metric`.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for p in points:
        if field in p and _finite(p.get(metric)) is not None:
            groups.setdefault(tuple(p.get(g) for g in group_by), []).append(p)
    if not groups:
        raise PlotInputError(f"no sweep point has a value of {metric!r} to plot against {field}.")
    fig = go.Figure()
    label = metric_label or metric
    for k, (key, rows) in enumerate(groups.items()):
        rows = sorted(rows, key=lambda r: _sort_key(r[field]))
        name = ", ".join(f"{g}={v}" for g, v in zip(group_by, key, strict=True)) or "mean ± sd"
        sds = [_finite(r.get(f"{metric}_sd")) for r in rows]
        seeds = [r.get("seeds", "") for r in rows]
        fig.add_trace(
            go.Scatter(
                x=[r[field] for r in rows],
                y=[float(r[metric]) for r in rows],
                error_y={"type": "data", "array": [s or 0.0 for s in sds], "visible": True},
                mode="lines+markers",
                name=name,
                customdata=[
                    [s, "—" if d is None else f"{d:.3g}"] for s, d in zip(seeds, sds, strict=True)
                ],
                line={"color": color(k), "width": 2},
                marker={"size": 8},
                hovertemplate=f"{field} %{{x}}<br>{label} %{{y:.4g}} ± %{{customdata[1]}}"
                "<br>seeds %{customdata[0]}<extra></extra>",
            )
        )
        members = [
            t
            for t in trials
            if t.get("status") == "completed"
            and _finite(t.get(metric)) is not None
            and tuple(t.get(g) for g in group_by) == key
        ]
        if members:
            fig.add_trace(
                go.Scatter(
                    x=[t[field] for t in members],
                    y=[float(t[metric]) for t in members],
                    mode="markers",
                    name=f"{name}: single runs" if group_by else "single runs",
                    marker={"color": color(k), "size": 5, "opacity": 0.35},
                    hovertemplate=f"{field} %{{x}}<br>{label} %{{y:.4g}}<extra>run</extra>",
                )
            )
    if reference:
        fig.add_trace(
            go.Scatter(
                x=[x for x, _ in reference],
                y=[y for _, y in reference],
                mode="lines+markers",
                name=reference_name,
                line={"color": MUTED, "dash": "dash"},
                marker={"symbol": "diamond", "color": MUTED},
                hovertemplate=f"{field} %{{x}}<br>paper %{{y:.4f}}<extra></extra>",
            )
        )
    style(fig, title or f"{label} against {field}", x_title=field, y_title=label)
    return fig
