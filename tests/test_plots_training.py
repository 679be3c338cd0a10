"""Tests for corel_core.plots.training: death statistics and the batch sparkline."""

from __future__ import annotations

import json

import numpy as np

from corel_core.plots.training import batch_loss_figure, death_stats_figure


def test_death_stats_band_mean_and_eta_line():
    hist = [
        {"death_min": 0.0, "death_mean": 0.07, "death_max": 0.54},
        {"death_min": 0.1, "death_mean": 0.9, "death_max": 2.5},
        {"death_min": 0.22, "death_mean": 1.6, "death_max": 3.88},
    ]
    fig = death_stats_figure(hist, eta=2.0)
    by_name = {t.name: t for t in fig.data}
    assert np.allclose(by_name["max"].y, [r["death_max"] for r in hist])
    assert np.allclose(by_name["min–max"].y, [r["death_min"] for r in hist])
    assert by_name["min–max"].fill == "tonexty"
    assert np.allclose(by_name["mean"].y, [r["death_mean"] for r in hist])
    assert list(by_name["mean"].x) == [1, 2, 3]
    eta_lines = [s for s in fig.layout.shapes if s.y0 == 2.0 and s.y1 == 2.0]
    assert eta_lines, "η must be drawn as a horizontal line"
    assert any("η" in a.text for a in fig.layout.annotations)
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == "d"  # no epoch 1.5
    json.loads(fig.to_json())


def test_death_stats_empty_and_without_deaths():
    assert "waiting" in death_stats_figure([], 2.0).layout.annotations[0].text
    fig = death_stats_figure([{"total": 1.0}], 2.0)
    assert len(fig.data) == 0 and "no death" in fig.layout.annotations[0].text


def test_batch_loss_sparkline():
    losses = [95.0, 80.0, float("inf"), 60.0]
    fig = batch_loss_figure(losses)
    assert len(fig.data) == 1
    assert list(fig.data[0].x) == [1, 2, 3, 4]
    assert list(fig.data[0].y) == [95.0, 80.0, None, 60.0]
    assert fig.layout.height < 250
    empty = batch_loss_figure([])
    assert len(empty.data) == 0 and "waiting" in empty.layout.annotations[0].text
    json.loads(fig.to_json())
