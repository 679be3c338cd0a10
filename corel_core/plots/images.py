"""Image figures: grids of samples, input/reconstruction pairs, interpolation strips, hover URIs."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from corel_core.plots._checks import (
    PlotInputError,
    as_array,
    as_points,
    dropped_note,
    finite_rows,
)
from corel_core.plots.theme import MUTED, add_note, color, style

ROW_HEIGHT = 110  # pixels per image row


def to_rgb_uint8(images: object, name: str = "images") -> np.ndarray:
    """(N, C, H, W) with C in {1, 3}, or (N, H, W), floats in [0, 1] → (N, H, W, 3) uint8.

    Values are clipped to [0, 1] (decoders without output activation overshoot); NaN becomes 0.
    """
    arr = as_array(images, name)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise PlotInputError(
            f"{name} must have shape (N, C, H, W) with C = 1 or 3, or (N, H, W); got {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise PlotInputError(f"{name} is empty: there is no image to show.")
    arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=0.0)
    arr = np.clip(arr, 0.0, 1.0)
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 3, axis=1)
    return np.round(arr.transpose(0, 2, 3, 1) * 255).astype(np.uint8)


def image_to_data_uri(img: object, scale: int = 1) -> str:
    """Encode one image ((H, W), (C, H, W) or (H, W, C), C in {1, 3}, in [0, 1]) as a PNG data URI.

    Used for hover previews; `scale` enlarges it by pixel repetition.
    """
    arr = as_array(img, "img")
    if arr.ndim == 3 and arr.shape[0] not in (1, 3) and arr.shape[-1] in (1, 3):
        arr = arr.transpose(2, 0, 1)
    if arr.ndim not in (2, 3):
        raise PlotInputError(
            f"img must be a single image of shape (H, W) or (C, H, W), got {arr.shape}."
        )
    rgb = to_rgb_uint8(arr[None], "img")[0]
    if scale > 1:
        rgb = rgb.repeat(scale, axis=0).repeat(scale, axis=1)
    pil = Image.fromarray(rgb[..., 0] if arr.ndim == 2 or arr.shape[0] == 1 else rgb)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _hide_axes(fig: go.Figure) -> None:
    """No ticks, grid or zero lines on image subplots; keep y pixels square with x pixels."""
    axis = {"showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, autorange="reversed")
    for i, trace in enumerate(fig.data):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].scaleanchor = trace.xaxis
        fig.layout[f"yaxis{suffix}"].constrain = "domain"
        fig.layout[f"xaxis{suffix}"].constrain = "domain"


def image_grid(
    images: object,
    titles: Sequence[str] | None = None,
    cols: int = 8,
    rows_labels: Sequence[str] | None = None,
    title: str = "",
) -> go.Figure:
    """Images in a grid of subplots (one go.Image each), row-major; optional titles, row labels."""
    rgb = to_rgb_uint8(images)
    n = rgb.shape[0]
    if cols < 1:
        raise PlotInputError("cols must be at least 1.")
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    if titles is not None and len(titles) != n:
        raise PlotInputError(f"titles has {len(titles)} entries for {n} images.")
    if rows_labels is not None and len(rows_labels) != rows:
        raise PlotInputError(f"rows_labels has {len(rows_labels)} entries for {rows} rows.")
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[str(t) for t in titles] if titles is not None else None,
        horizontal_spacing=0.01,
        vertical_spacing=0.08 / rows if titles is not None else 0.02 / rows,
    )
    for i in range(n):
        fig.add_trace(
            go.Image(
                z=rgb[i],
                name=str(titles[i]) if titles is not None else f"image {i}",
                hovertemplate=f"image {i}<br>(%{{x}}, %{{y}}): %{{z[0]}}<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    _hide_axes(fig)
    if rows_labels is not None:
        for r, label in enumerate(rows_labels):
            fig.update_yaxes(title_text=str(label), title_standoff=4, row=r + 1, col=1)
    fig.update_annotations(font_size=10)
    height = rows * ROW_HEIGHT + (60 if title else 25) + (15 * rows if titles is not None else 0)
    style(fig, title, height=height, legend=False)
    fig.update_layout(margin={"l": 90 if rows_labels is not None else 10, "r": 10, "b": 10})
    return fig


def reconstruction_grid(
    originals: object,
    reconstructions: object,
    max_images: int = 10,
    title: str = "Reconstructions",
    labels: Sequence[str] | None = None,
) -> go.Figure:
    """Two rows, "input" above "reconstruction", for the first `max_images` pairs.

    `labels` (one per pair, e.g. "row 17 · 3") title the inputs' column heads.
    """
    a = to_rgb_uint8(originals, "originals")
    b = to_rgb_uint8(reconstructions, "reconstructions")
    if a.shape != b.shape:
        raise PlotInputError(
            f"originals and reconstructions must have the same shape, got {a.shape[:3]} and "
            f"{b.shape[:3]}."
        )
    k = min(max_images, a.shape[0])
    if labels is not None and len(labels) < k:
        raise PlotInputError(f"labels has {len(labels)} entries for {k} images.")
    both = np.concatenate([a[:k], b[:k]]).transpose(0, 3, 1, 2) / 255.0
    titles = None if labels is None else [str(t) for t in labels[:k]] + [""] * k
    return image_grid(
        both, titles=titles, cols=k, rows_labels=["input", "reconstruction"], title=title
    )


def interpolation_strip(
    images: object,
    title: str = "Latent interpolation",
    ends: tuple[str, str] | None = None,
) -> go.Figure:
    """One row of decoded images along a latent path, titled with the mixing weight t ∈ [0, 1].

    `ends` names the two endpoints (e.g. ("A: row 3 · 7", "B: row 17 · 1")) on the first and
    last image.
    """
    n = to_rgb_uint8(images).shape[0]
    t = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    titles = [f"t={v:.2f}" for v in t]
    if ends is not None:
        titles[0] = f"{ends[0]}<br>t=0"
        titles[-1] = f"{ends[1]}<br>t=1"
    return image_grid(images, titles=titles, cols=n, title=title)


def reconstruction_scatter(
    original_points: object, reconstructed_points: object, title: str = "Reconstructions"
) -> go.Figure:
    """Inputs and reconstructions of a points dataset (first two coordinates), each pair joined."""
    a = as_array(original_points, "original_points")
    b = as_array(reconstructed_points, "reconstructed_points")
    if a.ndim != 2 or a.shape[1] < 2 or a.shape != b.shape:
        raise PlotInputError(
            "original_points and reconstructed_points must both have shape (n, d) with d ≥ 2, "
            f"got {a.shape} and {b.shape}."
        )
    a2, b2 = as_points(a[:, :2], "original_points"), as_points(b[:, :2], "reconstructed_points")
    keep = finite_rows(a2) & finite_rows(b2)
    idx = np.flatnonzero(keep)
    a2, b2 = a2[keep], b2[keep]
    seg_x = np.column_stack([a2[:, 0], b2[:, 0], np.full(len(idx), np.nan)]).ravel()
    seg_y = np.column_stack([a2[:, 1], b2[:, 1], np.full(len(idx), np.nan)]).ravel()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=seg_x,
            y=seg_y,
            mode="lines",
            name="error",
            line={"color": MUTED, "width": 0.8},
            hoverinfo="skip",
        )
    )
    for k, (pts, name) in enumerate([(a2, "input"), (b2, "reconstruction")]):
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="markers",
                name=name,
                customdata=idx,
                marker={"size": 5, "color": color(k), "opacity": 0.8},
                hovertemplate=f"{name} #%{{customdata}}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            )
        )
    style(fig, title, x_title="x₁", y_title="x₂")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    notes = []
    if a.shape[1] > 2:
        notes.append(f"first 2 of {a.shape[1]} coordinates")
    if (~keep).any():
        notes.append(dropped_note(int((~keep).sum()), "pairs"))
    if notes:
        add_note(fig, "; ".join(notes))
    return fig
