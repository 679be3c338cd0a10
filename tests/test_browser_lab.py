"""In a real browser: connectivity-loss runs made on the Train page, then Persistence and Density.

One test walks the way a person would: train λ = 20 and λ = 0 from the Train page (watching the
death-time panel), compare them on the Persistence page, run the toy there, then look at
bandwidths and run the one-class protocol (official defaults, then split-half) on the Density
page. Seeds 700/701 tell these runs apart.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from corel_core.analysis.catalog import analysable_runs
from corel_core.store import RunStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLOT_TITLES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(p => ((p.layout && p.layout.title && p.layout.title.text) || '').replace(/<[^>]+>/g, ''))
"""
ERRORS_JS = """
() => Array.from(document.querySelectorAll('[data-testid=stAlertContentError]'))
  .map(e => e.textContent)
"""


def titles(page) -> list[str]:
    return page.evaluate(PLOT_TITLES_JS)


def wait_for_titles(page, wanted: dict[str, int], timeout: float = 120.0) -> list[str]:
    """Wait until, for each prefix, at least that many plot titles start with it."""
    deadline = time.time() + timeout
    seen: list[str] = []
    while time.time() < deadline:
        seen = titles(page)
        if all(sum(t.startswith(p) for t in seen) >= k for p, k in wanted.items()):
            return seen
        assert not page.evaluate(ERRORS_JS), page.evaluate(ERRORS_JS)
        time.sleep(0.5)
    raise AssertionError(f"plots {wanted} never all appeared; titles seen: {seen}")


def train_from_the_page(page, url: str, lam: float, seed: int) -> list[str]:
    """Start a digits run from the Train page's URL form; returns the live panel's plot titles."""
    page.goto(
        f"{url}/train?dataset=digits&model=mlp&latent-dim=4&epochs=3"
        f"&lambda-conn={lam:g}&eta=2&seed={seed}"
    )
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("completed, epoch 3/3").first.wait_for(timeout=120_000)
    # the page redraws the finished job once more: wait for that drawing, not a fixed time
    wanted = {"Latent codes after epoch 3": 1, "Training loss": 1}
    wanted |= {"Last batch:": 1, "Death times per epoch": 1} if lam else {"λ = 0 batch:": 1}
    return wait_for_titles(page, wanted)


def one_class_results(run_folder, protocol: str) -> list:
    """The run's cached one-class results of one protocol (store.cache names them by a hash)."""
    found = (run_folder / "extra").glob("oneclass-*.json")
    return [p for p in found if json.loads(p.read_text()).get("protocol") == protocol]


def pick_option(page, label: str, option: str) -> None:
    """Type into a Streamlit select box / multiselect (a combobox) and click the matching option."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    page.keyboard.press("Escape")  # close the list (an open list hides the page from roles)


def test_connectivity_lab_end_to_end_in_the_browser(app_server: dict, browser) -> None:
    url, runs_dir = app_server["url"], app_server["runs_dir"]
    page = browser.new_page()
    page.set_default_timeout(60_000)
    shots = runs_dir.parent

    # Train page, λ = 20: the live panel shows the death-time histogram and per-epoch stats.
    live = train_from_the_page(page, url, 20, 700)
    assert any(t.startswith("Last batch:") and t.endswith("below η") for t in live), live
    assert "Death times per epoch" in live, live
    page.screenshot(path=str(shots / "lab-train-lambda20.png"), full_page=True)
    # λ = 0: no connectivity term; the histogram is of a batch of the fixed codes, no per-epoch
    # statistics (the loss records none)
    live = train_from_the_page(page, url, 0, 701)
    assert any(t.startswith("λ = 0 batch:") and t.endswith("below η") for t in live), live
    assert "Death times per epoch" not in live, live

    ours = {}
    for folder in runs_dir.iterdir():
        config = json.loads((folder / "config.json").read_text())
        if config["train"]["seed"] in (700, 701):
            ours[config["loss"]["lambda_conn"]] = folder.name
    assert set(ours) == {0.0, 20.0}, ours
    labels = analysable_runs(RunStore(runs_dir))  # how the pages name runs in their pickers

    # Persistence: the newest run is preselected; add the λ = 20 one to compare.
    page.goto(f"{url}/persistence")
    page.get_by_role("heading", name="Persistence", exact=True).wait_for()
    pick_option(page, "Runs (one, or two to compare)", labels[ours[20.0]])
    seen = wait_for_titles(
        page, {"Barcodes (H0)": 3, "Batch of 100": 2, "N = ": 2, "Nearest-neighbour": 2}
    )
    page.screenshot(path=str(shots / "lab-persistence.png"), full_page=True)
    assert page.get_by_text(ours[20.0]).count() >= 1 and page.get_by_text(ours[0.0]).count() >= 1

    # The toy in one click: snapshots at epochs 0, 5, 50 and its numbers next to the tutorial's.
    page.get_by_role("button", name="Run the toy preset").click()
    page.get_by_text("Toy trained in").first.wait_for(timeout=180_000)
    seen = wait_for_titles(page, {"Death times per epoch": 1})
    page.get_by_text("(0.22, 1.6, 3.88, ≈38)").first.wait_for(state="attached")  # grid cell
    snapshot_axes = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(p => (p.layout.annotations || []).map(a => a.text).join('|'))"
    )
    assert any("epoch 0" in a and "epoch 5" in a and "epoch 50" in a for a in snapshot_axes), (
        snapshot_axes,
        seen,
    )
    page.screenshot(path=str(shots / "lab-toy.png"), full_page=True)

    # Density: bandwidth rules for the two newest runs, then the one-class protocol on λ = 20
    # with the page's defaults: official protocol, split 'eval', n = 120 (digits has about 180
    # images a class, so n = 500 is not offered, and the page says why).
    page.goto(f"{url}/kde")
    page.get_by_role("heading", name="Density", exact=True).wait_for()
    seen = wait_for_titles(page, {"One bandwidth for all codes": 1, "Scott KDE on": 2})
    pick_option(page, "Run", labels[ours[20.0]])
    page.get_by_text("n = 500 is not offered").first.wait_for(state="attached")
    evaluate = page.get_by_role("button", name="Evaluate")
    assert evaluate.is_enabled()
    evaluate.click()
    seen = wait_for_titles(page, {"ROC, class": 1}, timeout=180)
    page.get_by_text("mean AUROC").first.wait_for(state="attached")  # the summary table
    page.get_by_text("official protocol").first.wait_for(state="attached")
    page.screenshot(path=str(shots / "lab-density.png"), full_page=True)
    cached = one_class_results(runs_dir / ours[20.0], "official")
    assert len(cached) == 1, "the one-class result should be cached in the run folder"
    official = json.loads(cached[0].read_text())
    assert official["protocol"] == "official" and official["n_test"] == 899
    assert official["provenance"]["reference"]["images"] == 1797  # the run trained on all
    means = {s: round(float(np.mean(v)), 3) for s, v in official["auroc"].items()}
    print("official", means)
    assert all(0.0 <= m <= 1.0 for m in means.values()) and means["kde"] > 0.5, means
    # evaluated: the button is disabled, and a caption says why
    page.get_by_text("Evaluated with these settings").first.wait_for(state="attached")
    assert page.get_by_role("button", name="Evaluate").is_disabled()

    # split-half (ours): the first half of 'eval' holds 43 to 47 digits a class, so n = 43
    page.get_by_test_id("stRadioOption").filter(has_text="split-half (ours").click()
    page.get_by_text("fewer than the paper's n = 80 / 120 / 500").first.wait_for(state="attached")
    evaluate = page.get_by_role("button", name="Evaluate")
    evaluate.wait_for()
    assert evaluate.is_enabled()
    evaluate.click()
    page.get_by_text("split-half protocol").first.wait_for(state="attached", timeout=180_000)
    wait_for_titles(page, {"ROC, class": 1}, timeout=180)
    page.screenshot(path=str(shots / "lab-density-split-half.png"), full_page=True)
    cached = one_class_results(runs_dir / ours[20.0], "split-half")
    assert len(cached) == 1, "the split-half result is cached under its own name"
    half = json.loads(cached[0].read_text())
    assert half["protocol"] == "split-half" and half["n_test"] == 450
    print("split-half", {s: round(float(np.mean(v)), 3) for s, v in half["auroc"].items()})
    page.close()
