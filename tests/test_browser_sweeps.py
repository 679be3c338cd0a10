"""In a real browser: start a λ sweep from the Sweeps page, watch it finish, read its figure."""

from __future__ import annotations

import json
import time

import pytest

from corel_core.store.files import pid_alive

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_lambda_sweep_from_the_browser(app_server: dict, page) -> None:
    url = f"{app_server['url']}/sweeps?dataset=digits&model=mlp&latent-dim=2&epochs=1&seed=7"
    page.goto(url)
    page.get_by_text("Base settings (from the Train page)").wait_for()
    values = page.get_by_role("textbox", name="λ (connectivity weight) values")
    values.fill("0,20")
    values.press("Enter")
    seeds = page.get_by_role("spinbutton", name="Seeds per point")
    seeds.fill("1")
    seeds.press("Enter")
    page.get_by_text("2 trials of 1 epochs each.").wait_for()
    page.get_by_role("button", name="Start sweep").click()

    # the panel re-reads the sweep folder every 2 s: Ray starts, both trials run
    page.get_by_text("completed: 2/2 trials").wait_for(timeout=300_000)
    page.locator(".js-plotly-plot").first.wait_for()
    sweeps = app_server["runs_dir"] / "sweeps"
    (folder,) = [p for p in sweeps.iterdir() if (p / "sweep.json").exists()]
    runs = [
        p
        for p in app_server["runs_dir"].iterdir()
        if (p / "config.json").exists()
        and json.loads((p / "config.json").read_text())["train"]["seed"] == 7
    ]
    assert len(runs) == 2
    lambdas = sorted(
        json.loads((p / "config.json").read_text())["loss"]["lambda_conn"] for p in runs
    )
    assert lambdas == [0.0, 20.0]
    for run in runs:
        status = json.loads((run / "status.json").read_text())
        assert status["status"] == "completed" and status["sweep"] == folder.name
    state = json.loads((folder / "state.json").read_text())
    deadline = time.time() + 60  # the driver (and its embedded Ray) exits after the sweep
    while pid_alive(state["pid"], state.get("pid_start")) and time.time() < deadline:
        time.sleep(0.5)
    assert not pid_alive(state["pid"], state.get("pid_start"))
    page.screenshot(path=str(app_server["runs_dir"].parent / "sweeps-page.png"), full_page=True)
