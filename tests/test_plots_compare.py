"""Comparison figures: one trace per method/stage, honest summaries, readable input errors."""

from __future__ import annotations

import numpy as np
import pytest

from corel_core import plots
from corel_core.plots import PlotInputError


def test_error_comparison_has_one_box_per_method_with_its_mean():
    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(40) + 1
    fig = plots.error_comparison({"PCA": a, "deep AE": b})
    assert [t.type for t in fig.data] == ["box", "box"]
    assert f"{a.mean():.4g}" in fig.data[0].name and fig.data[0].name.startswith("PCA")
    np.testing.assert_allclose(fig.data[1].y, b)
    with pytest.raises(PlotInputError):
        plots.error_comparison({})
    with pytest.raises(PlotInputError):
        plots.error_comparison({"x": [np.nan]})


def test_principal_angles_are_sorted_and_bounded():
    fig = plots.principal_angles_figure([30.0, 1.0, 5.0])
    np.testing.assert_allclose(fig.data[0].y, [1.0, 5.0, 30.0])
    assert tuple(fig.layout.yaxis.range) == (0, 90)
    with pytest.raises(PlotInputError):
        plots.principal_angles_figure([100.0])


def test_method_reconstructions_rows():
    x = np.random.default_rng(1).random((5, 1, 8, 8))
    fig = plots.method_reconstructions(x, {"PCA": x * 0.5, "AE": x}, max_images=4)
    assert len(fig.data) == 3 * 4
    assert fig.layout.yaxis.title.text == "input"
    with pytest.raises(PlotInputError):
        plots.method_reconstructions(x, {"bad": x[:, :, :4, :4]})


def test_stage_losses_one_line_per_stage_from_epoch_zero():
    fig = plots.stage_losses({"layer 1": [1.0, 0.5, 0.2], "fine-tuning": [0.3, 0.1]})
    assert [t.name for t in fig.data] == ["layer 1", "fine-tuning"]
    assert list(fig.data[0].x) == [0, 1, 2]
    assert fig.layout.yaxis.type == "log"
