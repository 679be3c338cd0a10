"""Figures as plotly.js draws them (Debian chromium): square-aspect plots keep their axis ranges.

A 1:1 aspect (scaleanchor) lets plotly.js stretch one axis's range to fill the panel unless the
axes are constrained to their domain; a narrow column had drawn a persistence diagram's death
axis down to −2. The ranges checked are the ones plotly.js computed, read from the page.
"""

from __future__ import annotations

import numpy as np
import pytest
from ripser import ripser
from sklearn.metrics import roc_curve

from corel_core.plots.density import roc_curves
from corel_core.plots.latent import density_map
from corel_core.plots.persistence import persistence_diagram

pytestmark = pytest.mark.browser

RNG = np.random.default_rng(4)


def _diagram():
    return persistence_diagram(dict(enumerate(ripser(RNG.normal(size=(30, 2)))["dgms"])), eta=1.5)


def _roc():
    y = np.r_[np.ones(40), np.zeros(60)]
    s = RNG.normal(size=100) + y
    fpr, tpr, _ = roc_curve(y, s)
    return roc_curves({"kde": (fpr, tpr, 0.8)})


def _density():
    xs, ys = np.linspace(-3, 3, 40), np.linspace(-1, 1, 20)
    xx, yy = np.meshgrid(xs, ys)
    return density_map(xx, yy, -(xx**2 + yy**2), points=RNG.normal(size=(20, 2)) * 0.5)


@pytest.mark.parametrize("build", [_diagram, _roc, _density], ids=["diagram", "roc", "density"])
@pytest.mark.parametrize("size", [(360, 450), (900, 450)], ids=["narrow", "wide"])
def test_square_aspect_figures_keep_their_axis_ranges_when_drawn(page, tmp_path, build, size):
    fig = build()
    html = tmp_path / "figure.html"
    fig.write_html(html, include_plotlyjs=True, default_width=size[0], default_height=size[1])
    page.goto(html.as_uri())
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    drawn = page.evaluate(
        "() => { const l = document.querySelector('.js-plotly-plot')._fullLayout;"
        " return [l.xaxis.range, l.yaxis.range]; }"
    )
    wanted = [list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)]
    assert np.allclose(drawn, wanted), (drawn, wanted)
