"""Tests for corel_core.plots.theme and the package's public surface."""

from __future__ import annotations

import inspect

import plotly.graph_objects as go

import corel_core.plots as plots
from corel_core.plots.theme import PALETTE, TEMPLATE, color, empty_figure, style


def test_style_sets_template_titles_and_height():
    fig = style(go.Figure(go.Scatter(x=[1], y=[2])), "T", x_title="a (s)", y_title="b", height=380)
    assert fig.layout.title.text == "T"
    assert fig.layout.xaxis.title.text == "a (s)"
    assert fig.layout.yaxis.title.text == "b"
    assert fig.layout.height == 380
    assert fig.layout.template == go.Figure(layout={"template": TEMPLATE}).layout.template


def test_palette_cycles_and_is_distinct():
    assert len(set(PALETTE)) == len(PALETTE)
    assert color(0) == color(len(PALETTE))
    assert color(1) != color(0)


def test_empty_figure_carries_message():
    fig = empty_figure("nothing yet")
    assert fig.layout.annotations[0].text == "nothing yet"
    assert len(fig.data) == 0


def test_every_public_function_is_typed_and_documented():
    for name in plots.__all__:
        obj = getattr(plots, name)
        if inspect.isfunction(obj):
            assert obj.__doc__, f"{name} lacks a docstring"
            assert "return" in obj.__annotations__, f"{name} lacks a return annotation"
    assert issubclass(plots.PlotInputError, ValueError)
