"""Tests for corel_core.plots.mi: KL decomposition bars, I(S;Z) estimates, metric bars."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from corel_core.plots import PlotInputError
from corel_core.plots.mi import (
    decomposition_bars,
    likelihood_figure,
    metric_bars,
    mi_estimates_figure,
    ratio_fidelity_bars,
)


def test_decomposition_stacks_three_terms_and_marks_total():
    rows = {
        "CVAE": {"i_sz": 0.2, "kl_qz_pz": 1.5, "i_xz_s": 10.0, "avg_kl": 11.7},
        "proposed": {"i_sz": 0.4, "kl_qz_pz": 0.1, "i_xz_s": 9.0, "avg_kl": 9.5},
    }
    fig = decomposition_bars(rows)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 3 and fig.layout.barmode == "relative"
    assert bars[0].name == "I(S;Z)"
    assert list(bars[2].y) == [10.0, 9.0]
    total = next(t for t in fig.data if t.type == "scatter")
    assert total.marker.symbol == "diamond"
    # Theorem 1: the marked total equals the height of the stack
    stack = np.sum([np.asarray(b.y) for b in bars], axis=0)
    assert np.allclose(total.y, stack)
    assert fig.layout.yaxis.title.text == "nats"
    with pytest.raises(PlotInputError, match="i_xz_s"):
        decomposition_bars({"m": {"i_sz": 0.1, "kl_qz_pz": 0.2}})
    json.loads(fig.to_json())


def test_decomposition_without_total_has_only_bars():
    fig = decomposition_bars({"m": {"i_sz": 0.1, "kl_qz_pz": 0.2, "i_xz_s": 0.3}})
    assert [t.type for t in fig.data] == ["bar"] * 3


def test_mi_estimates_asymmetric_errors_and_entropy_line():
    est = {
        "CVAE": {"kNN": (0.10, 0.07, 0.15), "classifier": (0.08, 0.02, 0.09)},
        "proposed": {"kNN": (0.05, 0.0, 0.06)},
    }
    h_s = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    fig = mi_estimates_figure(est, h_s=h_s)
    knn, clf = fig.data
    assert (knn.name, clf.name) == ("kNN", "classifier")
    assert list(knn.x) == ["CVAE", "proposed"]
    assert np.allclose(knn.y, [0.10, 0.05])
    assert knn.error_y.symmetric is False
    assert np.allclose(knn.error_y.array, [0.05, 0.01])
    assert np.allclose(knn.error_y.arrayminus, [0.03, 0.05])
    assert clf.y[1] is None  # no classifier estimate for "proposed"
    assert any(s.y0 == pytest.approx(h_s) == s.y1 for s in fig.layout.shapes)
    assert any("H(S)" in a.text for a in fig.layout.annotations)
    assert fig.layout.barmode == "group"
    json.loads(fig.to_json())


@pytest.mark.parametrize("triple", [(0.1, 0.2, 0.3), (0.1, 0.0), ("x", 0.0, 1.0)])
def test_mi_estimates_reject_bad_triples(triple):
    with pytest.raises(PlotInputError):
        mi_estimates_figure({"m": {"e": triple}})


def test_metric_bars_values_and_labels():
    values = {"VAE": -163.25, "CVAE": -152.32}
    fig = metric_bars(values, title="Test log-likelihood", y_title="nats / image")
    bar = fig.data[0]
    assert list(bar.x) == ["VAE", "CVAE"] and list(bar.y) == [-163.25, -152.32]
    assert list(bar.text) == ["-163.2", "-152.3"]
    assert fig.layout.title.text == "Test log-likelihood"
    assert fig.layout.yaxis.title.text == "nats / image"
    with pytest.raises(PlotInputError):
        metric_bars({"a": "high"})
    json.loads(fig.to_json())


def test_a_bound_at_or_below_zero_reads_no_evidence_with_the_raw_value_on_hover():
    est = {
        "CVAE": {"classifier": (-1.15, -1.4, -0.9), "kNN": (-0.02, -0.05, 0.01)},
        "proposed": {"classifier": (0.2, 0.1, 0.3), "kNN": (0.1, 0.05, 0.15)},
    }
    fig = mi_estimates_figure(est, bounds={"classifier"})
    clf, knn = fig.data
    assert list(clf.y) == [0.0, 0.2]  # drawn at 0, not as a −1.15 nats "information"
    assert list(clf.text) == ["≤ 0", ""]
    assert list(clf.error_y.array) == [0.0, pytest.approx(0.1)]
    assert "no evidence of dependence" in clf.customdata[0] and "-1.15" in clf.customdata[0]
    assert "%{customdata}" in clf.hovertemplate
    # kNN is not a bound: its (slightly negative) value is drawn as it is
    assert list(knn.y) == [-0.02, 0.1] and list(knn.text) == ["", ""]


def test_likelihood_figure_groups_priors_per_model_with_error_bars():
    rows = {
        "CVAE": {"own": (-30.0, -31.0, -29.5)},
        "optimal": {"own": (-28.0, -28.5, -27.0), "learned": (-28.4, -29.0, -28.0)},
    }
    fig = likelihood_figure(rows)
    own, learned = fig.data
    assert own.name == "own" and list(own.x) == ["CVAE", "optimal"]
    assert list(own.y) == [-30.0, -28.0]
    assert np.allclose(own.error_y.array, [0.5, 1.0])
    assert np.allclose(own.error_y.arrayminus, [1.0, 0.5])
    assert list(learned.x) == ["optimal"]
    assert fig.layout.scattermode == "group"
    with pytest.raises(PlotInputError):
        likelihood_figure({"m": {"own": (-1.0, 0.0, 1.0)}})
    json.loads(fig.to_json())


def test_ratio_fidelity_bars_print_the_recovered_share_and_flag_low_ones():
    fig = ratio_fidelity_bars({"seed 0": (4.75, 7.82), "seed 1": (2.36, 2.15)})
    exact, learned = fig.data
    assert list(exact.y) == [7.82, 2.15] and list(learned.y) == [4.75, 2.36]
    assert learned.text[0] == f"⚠ {4.75 / 7.82:.0%}" and learned.text[1] == "110%"
    json.loads(fig.to_json())


def test_legends_sit_inside_the_figure_under_the_plot():
    """A legend placed below the paper (y < 0 in paper units) is cut off by the figure's edge."""
    figures = [
        decomposition_bars({"CVAE": {"i_sz": 0.2, "kl_qz_pz": 1.5, "i_xz_s": 10.0}}),
        mi_estimates_figure({"CVAE": {"mixture (held-out)": (0.2, 0.1, 0.3)}}, h_s=0.5),
        likelihood_figure({"CVAE": {"N(0, I)": (-90.0, -91.0, -89.0)}}),
    ]
    for fig in figures:
        legend = fig.layout.legend
        assert fig.layout.showlegend is not False
        assert legend.orientation == "h" and legend.yref == "container", fig.layout.title.text
        assert legend.y == 0.0 and legend.yanchor == "bottom"
