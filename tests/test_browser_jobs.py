"""Jobs and ownership in the real app: a worker killed with -9, and a second browser that may
look at another person's run but not pause, stop or delete it.

Uses the shared `app_server` (its own run store); runs are told apart by their seeds.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from corel_core.store import RunStore

pytestmark = pytest.mark.browser

TRAIN = (
    "/train?dataset=moons&model=mlp&latent-dim=2&hidden=16&epochs={epochs}&batch-size=10"
    "&seed={seed}&name=jobs-test-{seed}"
)


def wait_for(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    assert predicate(), f"timed out waiting for {what or predicate}"


def run_of(runs_dir: Path, seed: int) -> tuple[str, dict] | None:
    """(run id, status.json) of the run trained with `seed`, if it exists yet."""
    for folder in runs_dir.iterdir() if runs_dir.is_dir() else []:
        try:
            config = json.loads((folder / "config.json").read_text())
            status = json.loads((folder / "status.json").read_text())
        except (OSError, ValueError):
            continue
        if config["train"]["seed"] == seed and config["data"]["name"] == "moons":
            return folder.name, status
    return None


def status_of(runs_dir: Path, seed: int) -> str:
    found = run_of(runs_dir, seed)
    return RunStore(runs_dir).get(found[0]).status if found else ""


def healthy(url: str) -> bool:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
        return response.read().strip() == b"ok"


def pick_run(page, seed: int, run_id: str) -> None:
    """Choose the run named jobs-test-<seed> in the Runs page's run picker (labels start with
    the run's name) and wait until the page shows that run (its id)."""
    name = f"jobs-test-{seed}"
    box = page.get_by_role("combobox", name="Run", exact=True)
    box.click()
    box.fill(name)
    page.get_by_role("option").filter(has_text=name).first.wait_for()
    page.keyboard.press("Enter")  # the one matching option (a click may land off-screen)
    page.get_by_text(run_id).first.wait_for()


def test_kill_9_of_the_worker_while_a_page_trains_ends_only_that_job(
    app_server: dict, page, browser
) -> None:
    url, runs_dir = app_server["url"], app_server["runs_dir"]
    page.set_default_timeout(60_000)
    page.goto(url + TRAIN.format(epochs=400, seed=951))
    page.get_by_role("button", name="Start training").click()
    page.get_by_role("button", name="Pause").wait_for()  # the tab's own job, live
    wait_for(lambda: status_of(runs_dir, 951) == "running", what="the run to start")
    run_id, status = run_of(runs_dir, 951)
    os.kill(status["pid"], signal.SIGKILL)  # the worker process, not the server

    failed = page.get_by_text("This training failed:")
    failed.wait_for(timeout=30_000)
    assert "SIGKILL" in failed.inner_text()
    assert healthy(url)
    probe = browser.new_page()
    start = time.perf_counter()
    probe.goto(f"{url}/runs", wait_until="commit")
    probe.get_by_role("heading", name="Runs").wait_for(timeout=60_000)
    render_s = time.perf_counter() - start
    probe.close()
    assert RunStore(runs_dir).get(run_id).status == "interrupted"
    print(f"\n/runs rendered in {render_s:.2f} s right after the kill")  # the load test bounds it

    resume = page.get_by_role("button", name="Resume")
    try:
        resume.wait_for(timeout=30_000)
    except Exception as exc:  # say what the page shows instead
        raise AssertionError(page.locator("[data-testid=stMain]").inner_text()[-3000:]) from exc
    resume.click()  # the run continues in a new worker
    wait_for(
        lambda: (
            (run_of(runs_dir, 951) or ("", {}))[1].get("pid") not in (None, status["pid"])
            and status_of(runs_dir, 951) == "running"
        ),
        what="the resumed run",
    )
    page.get_by_role("button", name="Stop").click()
    wait_for(lambda: status_of(runs_dir, 951) == "stopped", what="the stop")


def test_a_second_browser_cannot_pause_stop_or_delete_anothers_run(
    app_server: dict, browser, other_browser
) -> None:
    url, runs_dir = app_server["url"], app_server["runs_dir"]
    mine = browser.new_page()
    mine.set_default_timeout(60_000)
    mine.goto(url + TRAIN.format(epochs=400, seed=952))
    start = mine.get_by_role("button", name="Start training")
    start.click()
    mine.get_by_role("button", name="Pause").wait_for()
    assert start.is_disabled()  # a second click cannot start a parallel run by accident
    assert mine.get_by_role("button", name="Train another").count() == 1
    mine.wait_for_url(lambda u: "session=" in u)
    address = mine.url
    mine.reload()  # a reload finds the tab's own training again
    mine.get_by_role("button", name="Pause").wait_for()
    assert mine.get_by_role("button", name="Start training").is_disabled()
    wait_for(lambda: status_of(runs_dir, 952) == "running", what="the run to start")
    run_id, _ = run_of(runs_dir, 952)

    other = other_browser.new_page()
    other.set_default_timeout(60_000)
    other.goto(address)  # even the owner's own address, token included: another browser
    other.get_by_text("other job(s) from other tabs").wait_for()
    assert other.get_by_role("button", name="Pause").count() == 0
    assert other.get_by_role("button", name="Stop").count() == 0
    assert other.get_by_role("button", name="Start training").is_enabled()
    other.goto(f"{url}/runs")
    pick_run(other, 952, run_id)
    other.get_by_text("Read-only").wait_for()
    assert other.get_by_role("button", name="Delete").count() == 0

    mine.get_by_role("button", name="Pause").click()
    wait_for(lambda: status_of(runs_dir, 952) == "paused", what="the pause")
    mine.get_by_role("button", name="Stop").click()
    wait_for(lambda: status_of(runs_dir, 952) == "stopped", what="the stop")
    other.reload()
    pick_run(other, 952, run_id)
    other.get_by_text("Read-only").wait_for()
    assert other.get_by_role("button", name="Delete").count() == 0

    # The owner moves to the Runs page through the app's navigation: same tab, same owner. The
    # run just made is the newest, so the picker already shows it. (Typing into the picker right
    # after a page change through the sidebar is racy in Streamlit's select box: about one time
    # in seven on a busy machine it reset the typed text to its value and closed the list, which
    # failed CI; a person types after looking, a test within milliseconds.)
    mine.get_by_role("link", name="Runs").click()
    mine.get_by_role("heading", name="Runs").wait_for()
    assert "session=" in mine.url
    mine.get_by_text(run_id).first.wait_for()
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Yes, delete").click()
    wait_for(lambda: not (runs_dir / run_id).exists(), what="the owner's delete")
    mine.close()
    other.close()
