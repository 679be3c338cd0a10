"""Tests for corel_core.plots.curves: loss panels, overlay, log axis, smoothing, epoch ticks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from corel_core.plots import PlotInputError
from corel_core.plots.curves import ema, loss_curves


def _history(n: int, scale: float = 1.0, conn: bool = True) -> list[dict]:
    out = []
    for i in range(n):
        rec = {"epoch": i, "recon": scale * 2.0 + 1 / (i + 1), "lr": 1e-3}
        if conn:
            rec["conn"] = scale * 4000 / (i + 1)
        rec["total"] = rec["recon"] + rec.get("conn", 0.0)
        out.append(rec)
    return out


def _axis_of(trace) -> str:
    return trace.xaxis or "x"


def test_each_term_gets_its_own_panel_and_y_axis() -> None:
    hist = _history(5)
    fig = loss_curves({"run": hist})
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["total", "reconstruction", "connectivity<br>λ·L<sub>η</sub>"]
    by_term = {t.meta[1]: t for t in fig.data}
    assert list(by_term) == ["total", "recon", "conn"]  # lr and epoch are bookkeeping
    assert len({_axis_of(t) for t in fig.data}) == 3  # three panels, three y-axes
    for term, trace in by_term.items():
        assert list(trace.x) == [1, 2, 3, 4, 5]  # 1-based epochs
        assert np.allclose(trace.y, [rec[term] for rec in hist])
    # the reconstruction keeps its own scale instead of a flat line under the connectivity term
    recon_axis = fig.layout[f"yaxis{by_term['recon'].yaxis[1:]}"]
    assert recon_axis.type != "log"
    assert fig.layout.showlegend is False  # one run: the panel titles say it all
    json.loads(fig.to_json())


def test_single_term_run_shows_no_duplicate_total_panel() -> None:
    fig = loss_curves({"run": _history(4, conn=False)})
    assert [t.meta[1] for t in fig.data] == ["recon"]
    assert [a.text for a in fig.layout.annotations] == ["reconstruction"]


def test_several_runs_one_colour_each_and_one_legend_entry_each() -> None:
    fig = loss_curves({"a": _history(3), "b": _history(4, 2.0)})
    runs = [t.meta[0] for t in fig.data]
    assert runs.count("a") == 3 and runs.count("b") == 3
    colours = {run: {t.line.color for t in fig.data if t.meta[0] == run} for run in ("a", "b")}
    assert len(colours["a"]) == 1 and colours["a"] != colours["b"]
    shown = [t.meta[0] for t in fig.data if t.showlegend is not False]
    assert sorted(shown) == ["a", "b"]
    b_conn = next(t for t in fig.data if list(t.meta) == ["b", "conn"])
    assert np.allclose(b_conn.y, [8000 / (i + 1) for i in range(4)])
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0  # under the plot


def test_overlay_colours_by_run_and_dashes_by_term() -> None:
    fig = loss_curves({"a": _history(3), "b": _history(4)}, ["total", "conn"], panels=False)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"a · total", "a · connectivity λ·L<sub>η</sub>", "b · total",
                            "b · connectivity λ·L<sub>η</sub>"}  # fmt: skip
    a_conn, b_conn = by_name["a · connectivity λ·L<sub>η</sub>"], by_name["b · total"]
    assert by_name["a · total"].line.color == a_conn.line.color != b_conn.line.color
    assert by_name["a · total"].line.dash != a_conn.line.dash
    assert fig.layout.yaxis.title.text == "loss"


def test_gaps_and_log_axis_drop_non_positive_values() -> None:
    hist = [
        {"total": 1.0, "recon": 1.0},
        {"total": float("nan"), "recon": float("nan")},
        {"total": 0.6, "recon": 0.5, "kl": 0.1},
        {"total": 0.0, "recon": 0.0},
    ]
    fig = loss_curves({"r": hist}, log_y=True)
    total = next(t for t in fig.data if t.meta[1] == "total")
    assert list(total.y) == [1.0, None, 0.6, None]
    kl = next(t for t in fig.data if t.meta[1] == "kl")
    assert list(kl.y) == [None, None, 0.1, None]
    assert [fig.layout[f"yaxis{i}"].type for i in ("", 2, 3)] == ["log"] * 3


def test_raw_mode_renames_terms_only() -> None:
    hist = _history(2)
    fig = loss_curves({"r": hist}, raw=True)
    assert "connectivity<br>L<sub>η</sub>" in [a.text for a in fig.layout.annotations]
    assert "divided by their weights" in fig.layout.title.text
    conn = next(t for t in fig.data if t.meta[1] == "conn")
    assert np.allclose(conn.y, [r["conn"] for r in hist])


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.95])
def test_ema_matches_pandas_adjusted_ewm(weight: float) -> None:
    values = [3.0, None, 1.0, 4.0, None, None, 1.5, 9.0, 2.0]
    ours = ema(values, weight)
    series = pd.Series([np.nan if v is None else v for v in values])
    theirs = series.ewm(alpha=1 - weight, adjust=True, ignore_na=True).mean()
    for o, t, v in zip(ours, theirs, values, strict=True):
        if v is None:
            assert o is None
        else:
            assert o == pytest.approx(t, rel=1e-12)


def test_smoothing_draws_faint_raw_curve_and_ema_on_top() -> None:
    hist = _history(40, conn=False)
    fig = loss_curves({"r": hist}, smoothing=0.9)
    raw, smooth = fig.data
    assert raw.opacity == pytest.approx(0.3) and raw.showlegend is False
    assert list(smooth.y) == pytest.approx(ema([r["recon"] for r in hist], 0.9))
    with pytest.raises(PlotInputError, match="smoothing"):
        loss_curves({"r": hist}, smoothing=1.0)


@pytest.mark.parametrize(
    ("epochs", "panel_step", "overlay_step"),
    [(3, 1, 1), (8, 2, 1), (15, 5, 2), (40, 10, 5), (60, 20, 10), (500, 200, 100)],
)
def test_epoch_ticks_are_whole_numbers_and_few_enough_to_read(
    epochs: int, panel_step: int, overlay_step: int
) -> None:
    """At most ~4 upright labels in each of three side-by-side panels (~110 px each at 1024 px,
    where 8 labels were rotated into a smear), at most ~8 on one full-width axis."""
    fig = loss_curves({"r": _history(epochs)})
    for axis in ("xaxis", "xaxis2", "xaxis3"):
        assert fig.layout[axis].dtick == panel_step and fig.layout[axis].tickformat == "d"
        assert fig.layout[axis].tickangle == 0
    assert epochs / panel_step <= 4
    overlay = loss_curves({"r": _history(epochs)}, panels=False)
    assert overlay.layout.xaxis.dtick == overlay_step and epochs / overlay_step <= 8


def test_long_panel_titles_break_onto_two_lines() -> None:
    fig = loss_curves({"r": _history(4)})
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["total", "reconstruction", "connectivity<br>λ·L<sub>η</sub>"]


@pytest.mark.parametrize("histories", [{}, {"run": []}, {"a": [], "b": []}])
def test_empty_history_shows_waiting_annotation(histories: dict) -> None:
    fig = loss_curves(histories)
    assert len(fig.data) == 0
    assert any("waiting for the first epoch" in a.text for a in fig.layout.annotations)
