"""Tests for corel_core.plots.density: bandwidth bars, CV curve, ROC curves, AUROC bars."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from corel_core.plots import PlotInputError
from corel_core.plots.density import auroc_bars, bandwidth_bars, cv_curve, roc_curves

RNG = np.random.default_rng(3)


def test_bandwidth_bars_grouped_by_run_one_trace_per_rule():
    rows = [
        {"rule": "scott", "bandwidth": 0.31, "run": "λ=0"},
        {"rule": "silverman", "bandwidth": 0.27, "run": "λ=0"},
        {"rule": "scott", "bandwidth": 0.52, "run": "λ=20", "cluster": 3},
        {"rule": "cv", "bandwidth": 0.4, "group": "pooled"},
    ]
    fig = bandwidth_bars(rows)
    assert [t.name for t in fig.data] == ["scott", "silverman", "cv"]
    scott = fig.data[0]
    assert list(scott.x) == ["λ=0", "λ=20 · 3", "pooled"]
    assert list(scott.y) == [0.31, 0.52, None]
    assert fig.layout.barmode == "group"
    assert "bandwidth" in fig.layout.yaxis.title.text
    with pytest.raises(PlotInputError, match="rule"):
        bandwidth_bars([{"bandwidth": 1.0}])
    gap = bandwidth_bars(
        [{"rule": "cv", "bandwidth": None}, {"rule": "cv", "bandwidth": 0.5, "group": "b"}]
    )
    assert list(gap.data[0].y) == [None, 0.5]
    json.loads(fig.to_json())


def test_cv_curve_sorted_log_axis_best_marked():
    h = np.array([1.0, 0.1, 0.3, 3.0])
    ll = -((np.log(h) - np.log(0.3)) ** 2) - 1.0
    fig = cv_curve(h, ll, best=0.3)
    curve, star = fig.data
    assert np.allclose(curve.x, np.sort(h))
    assert np.allclose(curve.y, ll[np.argsort(h)])
    assert list(star.x) == [0.3] and star.y[0] == pytest.approx(-1.0)
    assert fig.layout.xaxis.type == "log"
    assert any(s.x0 == 0.3 for s in fig.layout.shapes)
    with pytest.raises(PlotInputError):
        cv_curve(h, ll[:2], best=0.3)
    with pytest.raises(PlotInputError):
        cv_curve(np.array([0.0, 1.0]), np.array([1.0, 2.0]), best=1.0)
    json.loads(fig.to_json())


def test_roc_curves_auc_in_legend_and_chance_diagonal():
    y = np.r_[np.ones(40), np.zeros(60)]
    curves = {}
    for name, shift in [("kde", 1.0), ("ball count", 0.3)]:
        s = RNG.normal(size=100) + shift * y
        fpr, tpr, _ = roc_curve(y, s)
        curves[name] = (fpr, tpr, roc_auc_score(y, s))
    fig = roc_curves(curves)
    chance = fig.data[0]
    assert list(chance.x) == [0, 1] and list(chance.y) == [0, 1]
    assert len(fig.data) == 3
    for trace, (name, (fpr, tpr, auc)) in zip(fig.data[1:], curves.items(), strict=True):
        assert trace.name == f"{name} (AUC = {auc:.3f})"
        assert np.allclose(trace.x, fpr) and np.allclose(trace.y, tpr)
        # the AUC shown equals the trapezoid area under the plotted curve
        assert np.trapezoid(trace.y, trace.x) == pytest.approx(auc)
    assert fig.layout.xaxis.title.text == "false positive rate"
    json.loads(fig.to_json())


def test_auroc_bars_grouped_with_error_bars_and_chance():
    per_class = {"kde": RNG.uniform(0.5, 0.9, 10), "ball": RNG.uniform(0.5, 0.9, 10)}
    sd = {"kde": RNG.uniform(0, 0.05, 10)}
    names = [f"c{i}" for i in range(10)]
    fig = auroc_bars(per_class, sd=sd, class_names=names)
    kde, ball = fig.data
    assert list(kde.x) == names
    assert np.allclose(kde.y, per_class["kde"])
    assert np.allclose(kde.error_y.array, sd["kde"])
    assert not ball.error_y.array
    assert f"{per_class['ball'].mean():.3f}" in ball.name
    assert fig.layout.barmode == "group"
    assert any(s.y0 == 0.5 == s.y1 for s in fig.layout.shapes)
    with pytest.raises(PlotInputError):
        auroc_bars({"a": np.ones(3), "b": np.ones(4)})
    with pytest.raises(PlotInputError):
        auroc_bars({"a": np.ones(3)}, class_names=["x"])
    json.loads(fig.to_json())
