"""Tests for corel_core.plots.images: grids, reconstructions, interpolation, scatter, data URIs."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from corel_core.plots import PlotInputError
from corel_core.plots.images import (
    image_grid,
    image_to_data_uri,
    interpolation_strip,
    reconstruction_grid,
    reconstruction_scatter,
)

RNG = np.random.default_rng(0)


def test_grid_has_one_image_subplot_per_image_and_pixels_preserved():
    imgs = RNG.random((10, 1, 6, 5))
    fig = image_grid(imgs, cols=4, titles=[f"#{i}" for i in range(10)])
    assert len(fig.data) == 10
    assert {t.type for t in fig.data} == {"image"}
    # 10 images in 4 columns → 3 rows × 4 columns of axes
    axes = [k for k in fig.layout.to_plotly_json() if k.startswith("xaxis")]
    assert len(axes) == 12
    z = np.asarray(fig.data[7].z)
    assert z.shape == (6, 5, 3)
    assert np.array_equal(z[..., 0], np.round(imgs[7, 0] * 255).astype(np.uint8))
    assert [a.text for a in fig.layout.annotations][:2] == ["#0", "#1"]
    assert fig.layout.xaxis.showticklabels is False
    assert fig.layout.yaxis2.scaleanchor == "x2"
    json.loads(fig.to_json())


def test_grid_accepts_rgb_and_nchw_and_clips():
    imgs = RNG.random((3, 3, 4, 4)) * 1.4 - 0.2
    fig = image_grid(imgs, cols=8)
    z = np.asarray(fig.data[2].z)
    expected = np.round(np.clip(imgs[2], 0, 1).transpose(1, 2, 0) * 255).astype(np.uint8)
    assert np.array_equal(z, expected)
    assert len(fig.data) == 3


def test_grid_from_nhw_and_row_labels():
    fig = image_grid(RNG.random((4, 5, 5)), cols=2, rows_labels=["top", "bottom"])
    assert fig.layout.yaxis.title.text == "top"
    assert fig.layout.yaxis3.title.text == "bottom"


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 2, 5, 5)), np.zeros((5, 5)), np.zeros((0, 1, 4, 4)), np.zeros((2,))]
)
def test_grid_rejects_bad_shapes(bad):
    with pytest.raises(PlotInputError):
        image_grid(bad)


def test_grid_rejects_mismatched_titles():
    with pytest.raises(PlotInputError, match="titles"):
        image_grid(RNG.random((3, 4, 4)), titles=["a"])


def test_reconstruction_grid_two_labelled_rows():
    a, b = RNG.random((12, 1, 4, 4)), RNG.random((12, 1, 4, 4))
    fig = reconstruction_grid(a, b, max_images=5)
    assert len(fig.data) == 10
    assert fig.layout.yaxis.title.text == "input"
    assert fig.layout.yaxis6.title.text == "reconstruction"
    # second row, first column holds the first reconstruction
    assert np.array_equal(np.asarray(fig.data[5].z)[..., 0], np.round(b[0, 0] * 255))
    with pytest.raises(PlotInputError, match="same shape"):
        reconstruction_grid(a, b[:, :, :3])
    json.loads(fig.to_json())


def test_interpolation_strip_titles_are_mixing_weights():
    fig = interpolation_strip(RNG.random((5, 1, 4, 4)))
    assert len(fig.data) == 5
    assert [a.text for a in fig.layout.annotations] == [
        "t=0.00",
        "t=0.25",
        "t=0.50",
        "t=0.75",
        "t=1.00",
    ]


@pytest.mark.parametrize(
    ("shape", "hw"),
    [
        ((28, 28), (28, 28)),
        ((1, 28, 28), (28, 28)),
        ((3, 16, 12), (16, 12)),
        ((16, 12, 3), (16, 12)),
    ],
)
def test_data_uri_decodes_to_png_of_right_size(shape, hw):
    uri = image_to_data_uri(RNG.random(shape), scale=2)
    assert uri.startswith("data:image/png;base64,")
    pil = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert pil.format == "PNG"
    assert pil.size == (2 * hw[1], 2 * hw[0])  # PIL reports (width, height)
    assert pil.mode == ("RGB" if 3 in shape else "L")


def test_data_uri_pixel_values_round_trip():
    img = RNG.random((1, 7, 9))
    uri = image_to_data_uri(img)
    pil = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert np.array_equal(np.asarray(pil), np.round(img[0] * 255).astype(np.uint8))
    with pytest.raises(PlotInputError):
        image_to_data_uri(np.zeros((2, 3, 4, 5)))


def test_reconstruction_scatter_joins_each_pair_and_drops_nan():
    a = RNG.normal(size=(6, 3))
    b = a + 0.1
    a[2, 1] = np.nan
    fig = reconstruction_scatter(a, b)
    segments, inputs, recons = fig.data
    assert segments.mode == "lines"
    kept = [0, 1, 3, 4, 5]
    assert list(inputs.customdata) == kept
    assert np.allclose(inputs.x, a[kept, 0]) and np.allclose(recons.y, b[kept, 1])
    seg_x = np.asarray(segments.x, dtype=float).reshape(-1, 3)
    assert np.allclose(seg_x[:, 0], a[kept, 0]) and np.allclose(seg_x[:, 1], b[kept, 0])
    assert np.isnan(seg_x[:, 2]).all()  # breaks between segments
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "1 pairs" in notes and "first 2 of 3" in notes
    json.loads(fig.to_json())
    with pytest.raises(PlotInputError):
        reconstruction_scatter(a, b[:4])


def test_reconstruction_grid_and_strip_carry_labels():
    a = RNG.random((3, 1, 4, 4))
    fig = reconstruction_grid(a, a, labels=["row 3 · 7", "row 5 · 1", "row 9 · 0"])
    texts = [ann.text for ann in fig.layout.annotations]
    assert texts[:3] == ["row 3 · 7", "row 5 · 1", "row 9 · 0"]
    with pytest.raises(PlotInputError, match="labels"):
        reconstruction_grid(a, a, labels=["one"])
    strip = interpolation_strip(RNG.random((4, 1, 4, 4)), ends=("A: row 3", "B: row 9"))
    texts = [ann.text for ann in strip.layout.annotations]
    assert texts[0] == "A: row 3<br>t=0" and texts[-1] == "B: row 9<br>t=1"
    assert texts[1] == "t=0.33"
