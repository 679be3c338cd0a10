"""Tests for corel_core.plots.latent: latent scatters, toy snapshots, density maps, histograms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corel_core.plots import PlotInputError
from corel_core.plots.latent import (
    WEBGL_ABOVE,
    density_map,
    latent_scatter,
    log_density_histograms,
    toy_snapshots,
)

RNG = np.random.default_rng(2)


def test_categorical_colour_one_trace_per_label_with_indices():
    coords = RNG.normal(size=(60, 2))
    labels = RNG.integers(0, 4, size=60)
    fig = latent_scatter(coords, color=labels, color_name="digit", class_names=list("abcd"))
    assert [t.name for t in fig.data] == list("abcd")
    assert {t.type for t in fig.data} == {"scatter"}
    for k, trace in enumerate(fig.data):
        idx = np.asarray(trace.customdata)
        assert np.array_equal(idx, np.flatnonzero(labels == k))
        assert np.allclose(trace.x, coords[idx, 0]) and np.allclose(trace.y, coords[idx, 1])
    assert len({t.marker.color for t in fig.data}) == 4
    assert fig.layout.legend.title.text == "digit"
    assert fig.layout.xaxis.title.text == "z₁"
    json.loads(fig.to_json())


def test_float_colour_gives_colourbar_and_nan_rows_dropped():
    coords = RNG.normal(size=(30, 2))
    coords[[4, 7]] = np.nan
    values = RNG.random(30)
    fig = latent_scatter(coords, color=values, color_name="log density", hover_text=list("x" * 30))
    assert len(fig.data) == 1
    trace = fig.data[0]
    kept = np.setdiff1d(np.arange(30), [4, 7])
    assert np.array_equal(trace.customdata, kept)
    assert np.allclose(trace.marker.color, values[kept])
    assert trace.marker.showscale is True
    assert trace.marker.colorbar.title.text == "log density"
    assert "%{text}" in trace.hovertemplate
    assert any("2 points" in a.text for a in fig.layout.annotations)
    json.loads(fig.to_json())


def test_three_d_scatter_and_webgl_for_large_2d():
    fig = latent_scatter(RNG.normal(size=(20, 3)), color=np.arange(20) % 2)
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert fig.layout.scene.zaxis.title.text == "z₃"
    big = latent_scatter(RNG.normal(size=(WEBGL_ABOVE + 1, 2)))
    assert big.data[0].type == "scattergl"
    assert len(big.data[0].customdata) == WEBGL_ABOVE + 1


@pytest.mark.parametrize(
    ("coords", "kwargs"),
    [
        (np.zeros((5, 4)), {}),
        (np.zeros(5), {}),
        (np.zeros((5, 2)), {"color": np.zeros(4)}),
        (np.zeros((5, 2)), {"hover_text": ["a"]}),
    ],
)
def test_latent_scatter_rejects_bad_shapes(coords, kwargs):
    with pytest.raises(PlotInputError):
        latent_scatter(coords, **kwargs)


def test_toy_snapshots_shared_axes_and_consistent_colours():
    labels = np.repeat([0, 1, 2], 10)
    snaps = [(f"epoch {e}", RNG.normal(scale=1 + e, size=(30, 2)), labels) for e in (0, 5, 50)]
    fig = toy_snapshots(snaps)
    assert len(fig.data) == 9  # 3 panels × 3 labels
    assert [a.text for a in fig.layout.annotations] == ["epoch 0", "epoch 5", "epoch 50"]
    allp = np.concatenate([s[1] for s in snaps])
    for ax in ("xaxis", "xaxis2", "xaxis3"):
        lo, hi = fig.layout[ax].range
        assert lo <= allp[:, 0].min() and hi >= allp[:, 0].max()
        assert fig.layout[ax].range == fig.layout.xaxis.range
    colours = {(t.xaxis, t.name): t.marker.color for t in fig.data}
    assert colours[("x", "1")] == colours[("x3", "1")] != colours[("x", "2")]
    assert sum(bool(t.showlegend) for t in fig.data) == 3
    with pytest.raises(PlotInputError):
        toy_snapshots([])
    json.loads(fig.to_json())


def test_density_map_grid_values_and_points():
    xs, ys = np.linspace(-2, 2, 21), np.linspace(-1, 1, 11)
    xx, yy = np.meshgrid(xs, ys)
    z = -(xx**2 + yy**2) / 2
    z[0, 0] = -np.inf
    pts = RNG.normal(size=(15, 2))
    fig = density_map(xx, yy, z, points=pts, title="KDE")
    contour, scatter = fig.data
    assert contour.type == "contour"
    assert np.allclose(contour.x, xs) and np.allclose(contour.y, ys)
    zz = np.asarray(contour.z)
    assert np.isfinite(zz).all() and zz[0, 0] == z[np.isfinite(z)].min()
    assert np.allclose(zz[1:, 1:], z[1:, 1:])
    assert np.array_equal(scatter.customdata, np.arange(15))
    assert fig.layout.title.text == "KDE"
    with pytest.raises(PlotInputError):
        density_map(xs, ys, z.T)
    json.loads(fig.to_json())


def test_log_density_histograms_one_per_group_shared_bins():
    scores = {"in-class": RNG.normal(1, 1, 50), "other": np.append(RNG.normal(-1, 1, 80), np.nan)}
    fig = log_density_histograms(scores)
    assert [t.type for t in fig.data] == ["histogram", "histogram"]
    assert fig.data[0].name == "in-class (n=50)" and fig.data[1].name == "other (n=80)"
    assert np.allclose(np.sort(fig.data[0].x), np.sort(scores["in-class"]))
    assert fig.data[0].xbins.size == fig.data[1].xbins.size
    assert fig.layout.barmode == "overlay"
    assert any("1 scores" in a.text for a in fig.layout.annotations)
    json.loads(fig.to_json())


def test_projection_axes_are_named_after_the_method():
    from corel_core.plots.latent import axis_titles

    assert axis_titles("pca", 2, [0.4321, 0.1]) == ["PC1 (43 %)", "PC2 (10 %)"]
    assert axis_titles("pca", 3, [0.5]) == ["PC1 (50 %)", "PC2", "PC3"]
    assert axis_titles("umap", 2) == ["UMAP 1", "UMAP 2"]
    assert axis_titles("tsne", 3) == ["t-SNE 1", "t-SNE 2", "t-SNE 3"]
    assert axis_titles("raw", 2, dims=[3, 11]) == ["z₄", "z₁₂"]
    fig = latent_scatter(RNG.normal(size=(10, 2)), axis_names=["PC1 (43 %)", "PC2 (10 %)"])
    assert fig.layout.xaxis.title.text == "PC1 (43 %)"
    assert fig.layout.yaxis.title.text == "PC2 (10 %)"
    fig3 = latent_scatter(RNG.normal(size=(10, 3)), axis_names=["UMAP 1", "UMAP 2", "UMAP 3"])
    assert fig3.layout.scene.zaxis.title.text == "UMAP 3"
    with pytest.raises(PlotInputError, match="axis_names"):
        latent_scatter(RNG.normal(size=(10, 3)), axis_names=["a", "b"])


def test_highlight_dims_the_rest_and_redraws_chosen_points_on_top():
    coords = RNG.normal(size=(40, 2))
    labels = np.arange(40) % 4
    mask = labels == 2
    mask[5] = True  # one point of class 1 as well
    fig = latent_scatter(coords, color=labels, highlight=mask)
    base, top = fig.data[:4], fig.data[4:]
    assert all(t.marker.opacity < 0.2 for t in base)
    shown = np.sort(np.concatenate([np.asarray(t.customdata) for t in top]))
    assert np.array_equal(shown, np.flatnonzero(mask))
    for trace in top:
        rows = np.asarray(trace.customdata)
        assert np.allclose(trace.x, coords[rows, 0]) and trace.marker.opacity == 1.0
        assert trace.showlegend is False
    # a colour bar keeps its range on the highlighted copy
    values = np.linspace(0.0, 1.0, 40)
    fig = latent_scatter(coords, color=values, highlight=values > 0.9)
    copy = fig.data[1]
    assert copy.marker.cmin == 0.0 and copy.marker.cmax == 1.0
    assert np.allclose(copy.marker.color, values[values > 0.9])
    with pytest.raises(PlotInputError, match="highlight"):
        latent_scatter(coords, highlight=np.ones(3, bool))
