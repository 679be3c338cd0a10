"""Latent-space figures: 2-D/3-D scatter with selectable samples, toy snapshots, density maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from corel_core.plots._checks import (
    PlotInputError,
    as_array,
    as_points,
    as_vector,
    dropped_note,
    finite_rows,
)
from corel_core.plots.theme import SEQUENTIAL, add_note, style
from corel_core.plots.theme import color as palette_color

WEBGL_ABOVE = 5000  # 2-D scatters with more points use WebGL (go.Scattergl)


def _is_categorical(values: np.ndarray) -> bool:
    """Integer, boolean and string labels are categories; floats are a continuous colour."""
    return values.dtype.kind in "iub" or values.dtype.kind in "OUS"


def _scatter(
    pts: np.ndarray, three_d: bool, **kwargs: object
) -> go.Scatter | go.Scattergl | go.Scatter3d:
    """One marker trace in 2-D (WebGL when large) or 3-D carrying the given keyword arguments."""
    if three_d:
        return go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], mode="markers", **kwargs)
    cls = go.Scattergl if len(pts) > WEBGL_ABOVE else go.Scatter
    return cls(x=pts[:, 0], y=pts[:, 1], mode="markers", **kwargs)


def axis_titles(
    method: str,
    n: int = 2,
    explained: Sequence[float] | None = None,
    dims: Sequence[int] | None = None,
) -> list[str]:
    """Names of a projection's axes: "PC1 (43 %)", "UMAP 1", "t-SNE 1" or the code's "z₁".

    `explained`: PCA's explained-variance ratios (0..1); `dims`: the 0-based code dimensions a
    raw view shows (default 0, 1, …).
    """
    if method == "pca":
        shares = [] if explained is None else [float(v) for v in explained]
        return [
            f"PC{i + 1}" + (f" ({shares[i]:.0%})".replace("%", " %") if i < len(shares) else "")
            for i in range(n)
        ]
    if method in ("umap", "tsne"):
        return [f"{'UMAP' if method == 'umap' else 't-SNE'} {i + 1}" for i in range(n)]
    subscripts = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    chosen = list(dims) if dims is not None else list(range(n))
    return [f"z{str(d + 1).translate(subscripts)}" for d in chosen[:n]]


def latent_scatter(
    coords: object,
    color: object | None = None,
    color_name: str = "",
    hover_text: Sequence[str] | None = None,
    title: str = "",
    class_names: Sequence[str] | None = None,
    marker_size: int | None = None,
    axis_names: Sequence[str] | None = None,
    highlight: object | None = None,
) -> go.Figure:
    """Scatter of (N, 2) or (N, 3) latent coordinates; `customdata` holds each sample's index.

    Integer/string `color` → one trace per label (categorical legend); floats → a colour bar.
    Rows with NaN/inf are dropped and noted; the indices in customdata stay the original ones.
    `axis_names` titles the axes (default z₁, z₂, z₃; see `axis_titles`). `highlight`: a boolean
    mask (N,) of points to emphasise; the others are dimmed, highlighted ones drawn on top.
    """
    pts = as_points(coords, "coords")
    n = len(pts)
    keep = finite_rows(pts)
    labels = None
    if color is not None:
        labels = np.asarray(color)
        if labels.shape != (n,):
            raise PlotInputError(f"color must have one value per point ({n}), got {labels.shape}.")
        if not _is_categorical(labels):
            labels = labels.astype(np.float64)
    if hover_text is not None and len(hover_text) != n:
        raise PlotInputError(f"hover_text must have one entry per point ({n}).")
    mask = None
    if highlight is not None:
        mask = np.asarray(highlight, dtype=bool)
        if mask.shape != (n,):
            raise PlotInputError(f"highlight must have one entry per point ({n}).")
    idx = np.flatnonzero(keep)
    three_d = pts.shape[1] == 3
    size = marker_size or (3 if n > 2000 else 5 if n > 300 else 7)
    extra = "" if hover_text is None else "<br>%{text}"
    xyz = "(%{x:.3g}, %{y:.3g}" + (", %{z:.3g})" if three_d else ")")
    fig = go.Figure()

    def text_for(sel: np.ndarray) -> list[str] | None:
        return None if hover_text is None else [str(hover_text[i]) for i in sel]

    if labels is not None and _is_categorical(labels):
        for k, label in enumerate(np.unique(labels[idx])):
            sel = idx[labels[idx] == label]
            name = _label_name(label, class_names)
            fig.add_trace(
                _scatter(
                    pts[sel],
                    three_d,
                    name=name,
                    customdata=sel,
                    text=text_for(sel),
                    marker={"size": size, "color": palette_color(k), "opacity": 0.8},
                    hovertemplate=f"#%{{customdata}} · {color_name or 'label'} {name}<br>{xyz}"
                    f"{extra}<extra></extra>",
                )
            )
    else:
        marker: dict[str, object] = {"size": size, "opacity": 0.8, "color": palette_color(0)}
        if labels is not None:
            finite_colour = np.isfinite(labels[idx])
            marker.update(
                color=np.where(finite_colour, labels[idx], np.nan),
                colorscale=SEQUENTIAL,
                showscale=True,
                colorbar={"title": {"text": color_name}, "thickness": 14},
            )
        colour_hover = (
            "" if labels is None else f"<br>{color_name or 'value'} %{{marker.color:.3g}}"
        )
        fig.add_trace(
            _scatter(
                pts[idx],
                three_d,
                name="points",
                customdata=idx,
                text=text_for(idx),
                marker=marker,
                hovertemplate=f"#%{{customdata}}<br>{xyz}{colour_hover}{extra}<extra></extra>",
            )
        )
    style(fig, title or "Latent space", legend_title=color_name or None, height=450)
    # the legend sits under the plot (theme.legend_below): a tall one on the right grew the top
    # margin past the title and sat under the toolbar; dimmed points keep full-size legend marks
    fig.update_layout(legend={"itemsizing": "constant"})
    names = list(axis_names) if axis_names is not None else ["z₁", "z₂", "z₃"]
    if len(names) < pts.shape[1]:
        raise PlotInputError(f"axis_names needs {pts.shape[1]} names, got {len(names)}.")
    if three_d:
        fig.update_layout(
            scene={"xaxis_title": names[0], "yaxis_title": names[1], "zaxis_title": names[2]},
            margin={"l": 0, "r": 0, "b": 0},
        )
    else:
        fig.update_xaxes(title_text=names[0])
        fig.update_yaxes(title_text=names[1], scaleanchor="x", scaleratio=1)
    if mask is not None:
        _emphasise(fig, mask, size)
    if (~keep).any():
        add_note(fig, dropped_note(int((~keep).sum())))
    return fig


DIMMED = 0.12  # opacity of the points that are not highlighted


def _emphasise(fig: go.Figure, mask: np.ndarray, size: int) -> None:
    """Dim every point, then redraw the highlighted ones on top, full opacity with a dark rim."""
    for trace in list(fig.data):
        rows = np.asarray(trace.customdata, dtype=np.int64)
        chosen = np.flatnonzero(mask[rows])
        trace.marker.opacity = DIMMED
        if not chosen.size:
            continue
        colour, scale = trace.marker.color, {}
        if colour is not None and not isinstance(colour, str):  # a colour bar: keep its range
            values = np.asarray(colour, dtype=np.float64)
            scale = {"cmin": np.nanmin(values), "cmax": np.nanmax(values)}
            colour = values[chosen]
        coords = {a: np.asarray(getattr(trace, a))[chosen] for a in ("x", "y", "z") if a in trace}
        text = None if trace.text is None else [trace.text[i] for i in chosen]
        copy = type(trace)(
            **{a: v for a, v in coords.items() if v.size},
            mode="markers",
            name=trace.name,
            showlegend=False,  # (a legend group would stack the legend vertically)
            customdata=rows[chosen],
            text=text,
            hovertemplate=trace.hovertemplate,
            marker={
                "size": size + 3,
                "color": colour,
                "opacity": 1.0,
                "line": {"width": 1.5, "color": "#222222"},
                "colorscale": trace.marker.colorscale,
                **scale,
            },
        )
        fig.add_trace(copy)


def _label_name(label: object, class_names: Sequence[str] | None) -> str:
    """Class name for an integer label when names are given, else the label itself as text."""
    if (
        class_names is not None
        and isinstance(label, (int, np.integer))
        and 0 <= label < len(class_names)
    ):
        return str(class_names[int(label)])
    return str(label)


def toy_snapshots(
    snapshots: Sequence[tuple[str, object, object | None]],
    title: str = "Latent space during training",
) -> go.Figure:
    """2-D clouds side by side (e.g. epochs 0, 5, 50) on shared axes, one colour per label."""
    if not snapshots:
        raise PlotInputError("snapshots is empty: give at least one (title, coords, labels).")
    clouds, dropped = [], 0
    for name, coords, labels in snapshots:
        pts = as_points(coords, f"coords of snapshot {name!r}", dims=(2,))
        lab = None if labels is None else np.asarray(labels)
        if lab is not None and lab.shape != (len(pts),):
            raise PlotInputError(f"labels of snapshot {name!r} must have one entry per point.")
        keep = finite_rows(pts)
        dropped += int((~keep).sum())
        clouds.append(
            (str(name), pts[keep], None if lab is None else lab[keep], np.flatnonzero(keep))
        )
    all_labels = sorted({v for _, _, lab, _ in clouds if lab is not None for v in lab.tolist()})
    fig = make_subplots(
        rows=1,
        cols=len(clouds),
        subplot_titles=[c[0] for c in clouds],
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.03,
    )
    for col, (name, pts, lab, idx) in enumerate(clouds, start=1):
        groups = (
            [(None, np.ones(len(pts), bool))]
            if lab is None
            else [(v, lab == v) for v in all_labels]
        )
        for value, sel in groups:
            k = 0 if value is None else all_labels.index(value)
            fig.add_trace(
                go.Scatter(
                    x=pts[sel, 0],
                    y=pts[sel, 1],
                    mode="markers",
                    name="points" if value is None else str(value),
                    legendgroup=str(value),
                    showlegend=col == 1 and value is not None,
                    customdata=idx[sel],
                    marker={"size": 4, "color": palette_color(k), "opacity": 0.75},
                    hovertemplate=f"{name} · #%{{customdata}}<br>(%{{x:.3g}}, %{{y:.3g}})"
                    "<extra></extra>",
                ),
                row=1,
                col=col,
            )
    finite = [c[1] for c in clouds if len(c[1])]
    if finite:
        allp = np.concatenate(finite)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.05 * np.maximum(hi - lo, 1e-9)
        fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]], title_text="z₁")
        fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]])
    fig.update_yaxes(title_text="z₂", row=1, col=1)
    style(fig, title, legend_title="class")
    fig.update_layout(legend_y=1.1, margin_t=95)  # above the subplot titles, not over them
    if dropped:
        add_note(fig, dropped_note(dropped))
    return fig


def density_map(
    xx: object,
    yy: object,
    log_density: object,
    points: object | None = None,
    title: str = "Log density",
) -> go.Figure:
    """Filled contour of a log density on a grid (meshgrid or axis vectors), points optional on top.

    -inf (underflow) is shown as the lowest finite level.
    """
    z = as_array(log_density, "log_density")
    xs, ys = as_array(xx, "xx"), as_array(yy, "yy")
    xs = xs[0, :] if xs.ndim == 2 else xs
    ys = ys[:, 0] if ys.ndim == 2 else ys
    if z.ndim != 2 or xs.ndim != 1 or ys.ndim != 1 or z.shape != (len(ys), len(xs)):
        raise PlotInputError(
            "log_density must have shape (len(y), len(x)) matching the grid "
            f"(x: {xs.shape}, y: {ys.shape}, log_density: {z.shape})."
        )
    finite = np.isfinite(z)
    floor = float(z[finite].min()) if finite.any() else 0.0
    z = np.where(np.isneginf(z), floor, z)
    fig = go.Figure(
        go.Contour(
            x=xs,
            y=ys,
            z=z,
            colorscale=SEQUENTIAL,
            contours={"coloring": "heatmap"},
            line={"width": 0.5},
            colorbar={"title": {"text": "log density"}, "thickness": 14},
            name="log density",
            hovertemplate="(%{x:.3g}, %{y:.3g})<br>log density %{z:.3g}<extra></extra>",
        )
    )
    if points is not None:
        pts = as_points(points, "points", dims=(2,))
        keep = finite_rows(pts)
        fig.add_trace(
            go.Scatter(
                x=pts[keep, 0],
                y=pts[keep, 1],
                mode="markers",
                name="points",
                customdata=np.flatnonzero(keep),
                marker={"size": 4, "color": "white", "line": {"width": 0.5, "color": "black"}},
                hovertemplate="#%{customdata}<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    style(fig, title, x_title="z₁", y_title="z₂", height=450, legend=False)
    fig.update_xaxes(range=[xs.min(), xs.max()], constrain="domain")  # 1:1 by a smaller plot area
    fig.update_yaxes(range=[ys.min(), ys.max()], scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def log_density_histograms(
    scores_by_label: Mapping[str, object], title: str = "Log-density scores", bins: int = 40
) -> go.Figure:
    """Overlaid normalised histograms of scores per group (e.g. in-class vs out-of-class)."""
    fig = go.Figure()
    dropped = 0
    values = {}
    for label, scores in scores_by_label.items():
        v = as_vector(scores, f"scores for {label!r}")
        dropped += int((~np.isfinite(v)).sum())
        values[str(label)] = v[np.isfinite(v)]
    nonempty = [v for v in values.values() if v.size]
    xbins = None
    if nonempty:
        lo = min(float(v.min()) for v in nonempty)
        hi = max(float(v.max()) for v in nonempty)
        size = (hi - lo) / bins if hi > lo else 1.0
        xbins = {"start": lo, "end": hi + size * 1e-9, "size": size}
    for k, (label, v) in enumerate(values.items()):
        fig.add_trace(
            go.Histogram(
                x=v,
                name=f"{label} (n={v.size})",
                xbins=xbins,
                histnorm="probability density",
                opacity=0.55,
                marker={"color": palette_color(k)},
                hovertemplate=f"{label}<br>%{{x}}<br>density %{{y:.3g}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay")
    style(fig, title, x_title="log density score", y_title="probability density")
    if dropped:
        add_note(fig, dropped_note(dropped, "scores"))
    return fig
