"""Tests for corel_core.plots.persistence: barcodes, diagrams, death histograms, NN distances."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ripser import ripser

from corel_core.plots import PlotInputError
from corel_core.plots.persistence import (
    barcode,
    barcode_by_dim,
    compare_barcodes,
    death_histogram,
    nn_distance_figure,
    persistence_diagram,
)

RNG = np.random.default_rng(1)


def _ripser_diagrams(n: int = 30) -> dict[int, np.ndarray]:
    pts = RNG.normal(size=(n, 2))
    return dict(enumerate(ripser(pts, maxdim=1)["dgms"]))


def _eta_vlines(fig) -> list[float]:
    return [s.x0 for s in fig.layout.shapes if s.x0 == s.x1 and s.line.dash == "dash"]


def test_barcode_bars_sorted_by_persistence_with_infinite_capped():
    dgm = _ripser_diagrams()[0]  # H0: finite bars plus one essential (inf) bar
    fig = barcode(dgm, eta=2.0)
    bars = fig.data[0]
    assert bars.type == "bar" and bars.orientation == "h"
    finite = np.isfinite(dgm[:, 1])
    lengths = np.asarray(bars.x, dtype=float)
    assert np.allclose(lengths[:-1], np.sort(dgm[finite, 1] - dgm[finite, 0]))
    assert np.allclose(np.asarray(bars.base, dtype=float), 0.0)
    # the infinite bar is last (longest), ends at the cap beyond every finite death and η
    cap = lengths[-1] + bars.base[-1]
    assert cap > max(dgm[finite, 1].max(), 2.0)
    arrows = fig.data[1]
    assert arrows.marker.symbol == "triangle-right"
    assert list(arrows.x) == [cap] and list(arrows.y) == [len(dgm) - 1]
    assert "∞" in bars.hovertext[-1] and "∞" in arrows.hovertext[0]
    assert "birth" in bars.hovertext[0] and "persistence" in bars.hovertext[0]
    assert _eta_vlines(fig) == [2.0]
    assert fig.layout.xaxis.title.text
    json.loads(fig.to_json())


def test_barcode_with_nonzero_births_uses_base():
    dgm = np.array([[0.5, 0.9], [0.1, 1.5], [0.3, 0.35]])
    fig = barcode(dgm, dim=1)
    order = np.argsort(dgm[:, 1] - dgm[:, 0])
    assert np.allclose(fig.data[0].base, dgm[order, 0])
    assert np.allclose(np.asarray(fig.data[0].x) + fig.data[0].base, dgm[order, 1])
    assert len(fig.data) == 1  # no infinite markers
    assert fig.data[0].name == "H1"
    assert _eta_vlines(fig) == []


@pytest.mark.parametrize(
    "bad", [np.zeros((3, 3)), np.zeros(4), np.array([[1.0, 0.5]])], ids=["3cols", "1d", "reversed"]
)
def test_barcode_rejects_bad_diagrams(bad):
    with pytest.raises(PlotInputError):
        barcode(bad)


def test_barcode_drops_nan_rows_with_note_and_handles_empty():
    fig = barcode(np.array([[0.0, 1.0], [0.0, np.nan]]))
    assert len(fig.data[0].x) == 1
    assert any("1 bars" in a.text for a in fig.layout.annotations)
    empty = barcode(np.zeros((0, 2)))
    assert any("no bars" in a.text for a in empty.layout.annotations)
    json.loads(empty.to_json())


def test_barcode_by_dim_one_colour_per_dimension_no_overlap():
    dgms = _ripser_diagrams()
    fig = barcode_by_dim(dgms, eta=1.0)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["H0", "H1"]
    assert bars[0].marker.color != bars[1].marker.color
    assert len(bars[1].x) == len(dgms[1])
    assert min(bars[1].y) > max(bars[0].y)  # H1 rows stacked above H0 rows


def test_persistence_diagram_points_diagonal_infinity_and_hover():
    dgms = _ripser_diagrams()
    fig = persistence_diagram(dgms, eta=1.5)
    diag = fig.data[0]
    finite_vals = np.concatenate([d[np.isfinite(d)] for d in dgms.values()])
    assert diag.x[0] <= finite_vals.min() and diag.x[1] >= finite_vals.max()
    assert list(diag.x) == list(diag.y)
    h0, h1 = fig.data[1], fig.data[2]
    assert (h0.name, h1.name) == ("H0", "H1")
    assert np.allclose(h1.x, dgms[1][:, 0]) and np.allclose(h1.y, dgms[1][:, 1])
    inf = ~np.isfinite(dgms[0][:, 1])
    cap = np.asarray(h0.y)[inf]
    assert np.all(cap > finite_vals.max()) and np.all(cap == cap[0])
    assert np.array(h0.marker.symbol)[inf].tolist() == ["triangle-up"]
    assert h0.cliponaxis is False and h1.cliponaxis is False  # H0 at birth 0 drawn whole
    inf_label = next(a for a in fig.layout.annotations if a.text.startswith("∞"))
    assert inf_label.x == 1 and inf_label.xanchor == "left"  # right of the plot, not on a tick
    assert fig.layout.margin.r >= 14 + 7 * len(inf_label.text)  # room for it
    b, d = dgms[1][0]
    assert f"({b:.4g}, {d:.4g})" in h1.hovertext[0]
    assert f"{d - b:.4g}" in h1.hovertext[0]
    assert any(s.y0 == 1.5 == s.y1 for s in fig.layout.shapes)  # η line
    json.loads(fig.to_json())


def test_death_histogram_carries_deaths_and_reports_share_below_eta():
    deaths = RNG.gamma(2.0, 0.6, size=200)
    fig = death_histogram(np.append(deaths, np.nan), eta=2.0, bins=25)
    hist = fig.data[0]
    assert hist.type == "histogram"
    assert np.allclose(np.sort(hist.x), np.sort(deaths))
    # 25 equal bins from 0 covering every death and η
    assert hist.xbins.start == 0.0 and hist.xbins.end >= max(deaths.max(), 2.0)
    assert hist.xbins.size == pytest.approx(max(deaths.max(), 2.0) / 25)
    share = round(100 * np.mean(deaths < 2.0))
    assert fig.layout.title.text == f"{share} % of 200 deaths below η"
    named = death_histogram(deaths, eta=2.0, source="Last batch")
    assert named.layout.title.text == f"Last batch: {share} % of 200 deaths below η"
    assert _eta_vlines(fig) == [2.0]
    assert any("1 deaths" in a.text for a in fig.layout.annotations)
    json.loads(fig.to_json())


def test_nn_distance_ecdf_per_sample_size():
    nn = {100: RNG.random(100) * 3, 1000: RNG.random(1000)}
    fig = nn_distance_figure(nn, eta=2.0)
    assert [t.meta for t in fig.data] == [100, 1000]
    small = fig.data[0]
    assert np.allclose(small.x, np.sort(nn[100]))
    assert np.allclose(small.y, np.arange(1, 101) / 100)
    assert f"{np.mean(nn[100] <= 2.0):.0%}" in small.name
    assert _eta_vlines(fig) == [2.0]
    json.loads(fig.to_json())


def test_compare_barcodes_side_by_side_with_eta_in_both():
    a = np.column_stack([np.zeros(5), RNG.random(5)])
    b = np.column_stack([np.zeros(4), 2 + RNG.random(4)])
    fig = compare_barcodes(a, b, labels=("λ = 0", "λ = 20"), eta=2.0)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.xaxis for t in bars] == ["x", "x2"]
    assert np.allclose(bars[1].x, np.sort(b[:, 1]))
    assert [a.text for a in fig.layout.annotations if "λ" in a.text] == ["λ = 0", "λ = 20"]
    assert sorted(s.xref for s in fig.layout.shapes if s.x0 == 2.0) == ["x", "x2"]
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range  # a shared scale
    with pytest.raises(PlotInputError):
        compare_barcodes(a, b, labels=("only one",))
    json.loads(fig.to_json())
