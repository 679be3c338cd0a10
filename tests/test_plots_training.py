"""Tests for corel_core.plots.training: loss curves, death statistics, batch sparkline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corel_core.plots.training import batch_loss_figure, death_stats_figure, loss_curves


def _history(n: int, scale: float = 1.0) -> list[dict]:
    return [
        {
            "epoch": i,
            "total": scale * (3 + 1 / (i + 1)),
            "recon": scale * 2.0,
            "conn": scale / (i + 1),
            "lr": 1e-3,
        }
        for i in range(n)
    ]


def test_single_run_one_trace_per_term_coloured_by_term():
    hist = _history(5)
    fig = loss_curves({"run": hist})
    names = [t.name for t in fig.data]
    assert names == ["total", "recon", "conn"]  # lr and epoch are bookkeeping, total first
    assert len({t.line.color for t in fig.data}) == 3
    for trace in fig.data:
        assert list(trace.x) == [1, 2, 3, 4, 5]  # 1-based epochs
        assert np.allclose(trace.y, [rec[trace.name] for rec in hist])
    assert fig.layout.xaxis.title.text == "epoch"
    assert "loss" in fig.layout.yaxis.title.text
    json.loads(fig.to_json())


def test_several_runs_colour_by_run_dash_by_term():
    fig = loss_curves({"a": _history(3), "b": _history(4, 2.0)}, terms=["total", "conn"])
    assert len(fig.data) == 4
    by_name = {t.name: t for t in fig.data}
    assert by_name["a · total"].line.color == by_name["a · conn"].line.color
    assert by_name["a · total"].line.color != by_name["b · total"].line.color
    assert by_name["a · total"].line.dash != by_name["a · conn"].line.dash
    assert by_name["b · conn"].line.dash == by_name["a · conn"].line.dash
    assert len(by_name["b · total"].x) == 4
    assert np.allclose(by_name["b · conn"].y, [2.0 / (i + 1) for i in range(4)])


def test_missing_term_values_become_gaps_and_log_scale():
    hist = [{"total": 1.0}, {"total": float("nan")}, {"total": 0.5, "kl": 0.1}]
    fig = loss_curves({"r": hist}, log_y=True)
    total = next(t for t in fig.data if t.name == "total")
    assert total.y[1] is None
    kl = next(t for t in fig.data if t.name == "kl")
    assert list(kl.y) == [None, None, 0.1]
    assert fig.layout.yaxis.type == "log"


@pytest.mark.parametrize("histories", [{}, {"run": []}, {"a": [], "b": []}])
def test_empty_history_shows_waiting_annotation(histories):
    fig = loss_curves(histories)
    assert len(fig.data) == 0
    assert any("waiting for the first epoch" in a.text for a in fig.layout.annotations)
    json.loads(fig.to_json())


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
