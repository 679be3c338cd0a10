"""Comparison figures: per-method reconstruction errors, principal angles, side-by-side
reconstructions and per-stage loss curves (autoencoders vs PCA, stacked pretraining)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from corel_core.plots._checks import PlotInputError, as_array, as_vector
from corel_core.plots.images import image_grid, to_rgb_uint8
from corel_core.plots.theme import color, style


def error_comparison(
    errors: Mapping[str, object], title: str = "Held-out reconstruction error"
) -> go.Figure:
    """One box per method of its per-sample errors; the legend name carries the mean."""
    if not errors:
        raise PlotInputError("errors must map at least one method name to its per-sample errors.")
    fig = go.Figure()
    for i, (name, values) in enumerate(errors.items()):
        vec = as_vector(values, f"errors[{name!r}]")
        vec = vec[np.isfinite(vec)]
        if vec.size == 0:
            raise PlotInputError(f"{name} has no finite error to show.")
        fig.add_trace(
            go.Box(
                y=vec,
                name=f"{name} (mean {vec.mean():.4g})",
                marker_color=color(i),
                boxmean=True,
                boxpoints=False,
            )
        )
    style(fig, title, y_title="per-pixel MSE", legend=False)
    return fig


def principal_angles_figure(angles_degrees: object, title: str = "Principal angles") -> go.Figure:
    """Bars of principal angles (degrees), smallest first, on a 0–90° axis."""
    vec = np.sort(as_vector(angles_degrees, "angles_degrees"))
    if vec.size == 0:
        raise PlotInputError("there are no principal angles to show.")
    if np.any(vec < -1e-9) or np.any(vec > 90 + 1e-9):
        raise PlotInputError("principal angles lie between 0 and 90 degrees.")
    fig = go.Figure(
        go.Bar(
            x=[f"θ{i + 1}" for i in range(vec.size)],
            y=vec,
            marker_color=color(0),
            text=[f"{v:.2f}°" for v in vec],
            textposition="outside",
            hovertemplate="%{x}: %{y:.3f}°<extra></extra>",
        )
    )
    style(fig, title, x_title="angle (smallest first)", y_title="degrees", legend=False)
    fig.update_yaxes(range=[0, 90])
    return fig


def method_reconstructions(
    originals: object,
    reconstructions: Mapping[str, object],
    max_images: int = 10,
    title: str = "Reconstructions",
) -> go.Figure:
    """Image rows: the inputs, then one row per method's reconstructions of the same inputs."""
    base = to_rgb_uint8(originals, "originals")
    k = min(max_images, base.shape[0])
    rows = [base[:k]]
    labels = ["input"]
    for name, images in reconstructions.items():
        rgb = to_rgb_uint8(images, f"reconstructions[{name!r}]")
        if rgb.shape[1:] != base.shape[1:] or rgb.shape[0] < k:
            raise PlotInputError(
                f"{name} reconstructions must match the inputs' image size and count."
            )
        rows.append(rgb[:k])
        labels.append(str(name))
    stacked = np.concatenate(rows).transpose(0, 3, 1, 2) / 255.0
    return image_grid(stacked, cols=k, rows_labels=labels, title=title)


def stage_losses(
    curves: Mapping[str, Sequence[float]],
    title: str = "Loss per stage",
    y_title: str = "reconstruction MSE",
) -> go.Figure:
    """One line per training stage (e.g. each pretrained layer, then fine-tuning) vs epoch,
    epoch 0 being the loss before that stage's first update."""
    if not curves:
        raise PlotInputError("curves must map at least one stage name to its losses.")
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        vec = as_array(values, f"curves[{name!r}]").reshape(-1)
        fig.add_trace(
            go.Scatter(
                x=np.arange(vec.size),
                y=vec,
                mode="lines+markers",
                name=str(name),
                line={"color": color(i)},
                hovertemplate=f"{name}<br>epoch %{{x}}: %{{y:.4g}}<extra></extra>",
            )
        )
    style(fig, title, x_title="epoch", y_title=y_title)
    fig.update_yaxes(type="log")
    return fig


__all__ = ["error_comparison", "method_reconstructions", "principal_angles_figure", "stage_losses"]
