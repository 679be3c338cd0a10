"""In a real browser at 1400 × 900 and 1024 × 768 (issue #14, "first run and the classroom"):
Start in view, changed sections open, the live latent scatter of a λ = 20 run, the Runs page's
"use these settings", and links that reproduce the Explorer and Persistence views.

Screenshots land next to the run store (<tmp>/classroom-*.png) to be looked at.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.store import RunStore
from corel_core.training.runner import train_run

pytestmark = pytest.mark.browser

SIZES = [(1400, 900), (1024, 768)]

PLOT_TITLES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(p => ((p.layout || {}).title || {}).text || '')
"""
PLOT_AXES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(p => (((p.layout || {}).xaxis || {}).title || {}).text || '')
"""


def _page(browser, width: int, height: int):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    return page


def _shot(page, app_server: dict, name: str) -> None:
    page.screenshot(path=str(Path(app_server["runs_dir"]).parent / f"classroom-{name}.png"))


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _wait(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_start_is_in_view_and_the_form_is_usable(app_server: dict, browser, width, height):
    page = _page(browser, width, height)
    page.set_default_timeout(60_000)
    page.goto(f"{app_server['url']}/train?lambda-conn=20")
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    box = start.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, box  # no scrolling needed
    # the Connectivity section holds a changed setting, so it is open: its λ field is shown
    lam = page.get_by_role("spinbutton", name="λ (connectivity weight)")
    lam.wait_for()
    assert lam.input_value() == "20"
    field = page.get_by_role("textbox", name="Run name (optional)").bounding_box()
    assert field is not None and field["width"] >= 220, field  # was 150 px wide at 1024
    _shot(page, app_server, f"train-{width}")
    page.close()


def test_lambda_20_demo_shows_the_latent_scatter_moving(app_server: dict, browser) -> None:
    page = _page(browser, 1024, 768)
    page.set_default_timeout(60_000)
    query = "dataset=digits&lambda-conn=20&epochs=4&latent-dim=2&seed=21"
    page.goto(f"{app_server['url']}/train?{query}")
    page.get_by_role("button", name="Start training").click()
    titles: list[str] = []

    def scatter_after_an_epoch() -> bool:
        titles[:] = page.evaluate(PLOT_TITLES_JS)
        return any("Latent codes after epoch" in t for t in titles)

    assert _wait(scatter_after_an_epoch, 180), titles
    page.get_by_text("completed, epoch 4/4").first.wait_for(timeout=180_000)

    def finished_panel() -> bool:  # the last redraw draws the codes first, the curves after
        titles[:] = page.evaluate(PLOT_TITLES_JS)
        shown = " | ".join(titles)
        return "after epoch 4" in shown and "Training loss" in shown

    assert _wait(finished_panel, 30), titles
    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    _shot(page, app_server, "train-live-1024")
    page.close()


def _fake_run(runs_dir: Path, name: str) -> str:
    store = RunStore(runs_dir)
    config = RunConfig().with_texts({"dataset": "moons", "lambda-conn": "20", "eta": "1.5"})
    run = store.create(config.replace(name=name), name=name)
    run.append_epoch({"epoch": 0, "recon": 4.0, "conn": 1600.0, "total": 1604.0})
    run.set_status("completed", "done")
    return run.id


def test_runs_page_loads_a_runs_settings_into_train(app_server: dict, browser) -> None:
    _fake_run(app_server["runs_dir"], "settings-source")
    for width, height in SIZES:
        page = _page(browser, width, height)
        page.set_default_timeout(60_000)
        page.goto(f"{app_server['url']}/runs")
        search = page.get_by_role("textbox", name="Search")
        search.fill("settings-source")
        search.press("Enter")
        page.get_by_text("1 of").first.wait_for()
        _shot(page, app_server, f"runs-{width}")
        page.get_by_role("link", name="Use these settings on the Train page").click()
        lam = page.get_by_role("spinbutton", name="λ (connectivity weight)")
        lam.wait_for()
        assert lam.input_value() == "20"
        assert page.get_by_role("spinbutton", name="η (target scale)").input_value() == "1.5"
        assert _wait(lambda p=page: float(_query(p.url).get("lambda-conn", 0)) == 20, 20), page.url
        page.close()


@pytest.fixture(scope="module")
def digits_run(app_server: dict) -> str:
    config = RunConfig(
        data=DataConfig(name="digits", limit=300),
        model=ModelConfig(kind="mlp", latent_dim=4, hidden=(16,)),
        loss=LossConfig(lambda_conn=1.0),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
        name="explorer-link",
    )
    return train_run(config, RunStore(app_server["runs_dir"])).run.id


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_explorer_and_persistence_links_reproduce_their_views(
    app_server: dict, browser, digits_run: str, width: int, height: int
) -> None:
    page = _page(browser, width, height)
    page.set_default_timeout(90_000)
    page.goto(f"{app_server['url']}/explorer?run={digits_run}&method=pca&highlight=3&a=0&b=5")
    page.get_by_text("Latent interpolation").first.wait_for()
    assert _wait(lambda: any(t.startswith("PC1 (") for t in page.evaluate(PLOT_AXES_JS)), 60)
    assert page.get_by_text("explorer-link").first.is_visible()
    assert _wait(lambda: any("From A to B" in t for t in page.evaluate(PLOT_TITLES_JS)), 60)
    query = _query(page.url)
    assert (query["run"], query["method"], query["a"], query["b"]) == (digits_run, "pca", "0", "5")
    _shot(page, app_server, f"explorer-{width}")

    page.goto(f"{app_server['url']}/persistence?runs={digits_run}&b=40&seed=3")
    field = page.get_by_role("spinbutton", name="Batch size b")
    field.wait_for()
    assert field.input_value() == "40"
    assert page.get_by_role("spinbutton", name="Seed").first.input_value() == "3"
    _shot(page, app_server, f"persistence-{width}")
    page.close()
