"""In a real browser: the Task dependency page's default experiment, started and read as a person.

The page opens on the experiment's defaults (`TaskDepConfig()`); we only lower the seeds to one
to keep the test short, press Start, wait for the figures and check what the page says against
the stored result.json: T's fidelity sentence, the likelihood under each model's own prior, and a
lower bound ≤ 0 shown as "≤ 0 (no evidence of dependence)" with its raw value on hover.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from corel_core.studies.taskdep import TaskDepConfig
from corel_core.studies.taskdep.report import NO_EVIDENCE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLOT_TITLES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(p => ((p.layout && p.layout.title && p.layout.title.text) || '').replace(/<[^>]+>/g, ''))
"""
ERRORS_JS = """
() => Array.from(document.querySelectorAll('[data-testid=stAlertContentError]'))
  .map(e => e.textContent)
"""
# the hover text pandas' Styler.set_tooltips attaches to a table cell (CSS ::after content)
TOOLTIP_JS = """
(text) => {
  const cells = Array.from(document.querySelectorAll('[data-testid=stTable] td'))
    .filter(td => td.textContent.includes(text));
  return cells.map(td => {
    const tip = td.querySelector('.pd-t');
    return tip ? getComputedStyle(tip, '::after').content : null;
  });
}
"""
WANTED = (
    "KL regulariser decomposition",
    "I(S;Z) estimates",
    "Test log-likelihood",
    "Learned log-ratio T",
    "Target accuracy",
)


def wait_for_plots(page, timeout: float) -> list[str]:
    deadline = time.time() + timeout
    seen: list[str] = []
    while time.time() < deadline:
        seen = page.evaluate(PLOT_TITLES_JS)
        if all(any(t.startswith(w) for t in seen) for w in WANTED):
            return seen
        assert not page.evaluate(ERRORS_JS), page.evaluate(ERRORS_JS)
        time.sleep(1.0)
    raise AssertionError(f"the result figures never all appeared; titles seen: {seen}")


def test_default_experiment_from_the_page(app_server: dict, browser) -> None:
    url, runs_dir = app_server["url"], app_server["runs_dir"]
    default = TaskDepConfig()
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}/taskdep")
    page.get_by_role("button", name="Start").wait_for()
    # the controls start from the experiment's own defaults
    assert page.get_by_role("combobox", name="Source task").input_value() == default.source
    assert page.get_by_role("combobox", name="Target task").input_value() == default.target
    assert page.get_by_role("spinbutton", name="Epochs").input_value() == str(default.epochs)
    assert page.get_by_role("spinbutton", name="Target samples").input_value() == str(
        default.n_target
    )
    seeds = page.get_by_role("spinbutton", name="Seeds")
    seeds.fill("1")
    seeds.press("Enter")
    time.sleep(1.0)
    page.get_by_role("button", name="Start").click()
    wait_for_plots(page, timeout=420)
    page.get_by_text("All numbers").wait_for()

    (exp_dir,) = [p for p in (runs_dir / "taskdep").iterdir() if (p / "result.json").exists()]
    stored = json.loads((exp_dir / "result.json").read_text())
    assert stored["status"] == "completed"
    cfg = stored["config"]
    assert (cfg["source"], cfg["target"], cfg["epochs"]) == (
        default.source,
        default.target,
        default.epochs,
    )
    assert cfg["seeds"] == [0]
    summary = stored["summary"]
    for kind in ("vae", "cvae", "cvae_optimal"):
        assert "mi.mixture_held_out.value" in summary[kind]
        assert "log_likelihood_own_prior.target" in summary[kind]
        assert "log_likelihood_own_prior.source" in summary[kind]
    fid = stored["records"]["cvae_optimal"][0]["ratio_fidelity"]
    body = page.locator("body").inner_text()
    # T's fidelity sentence with the stored share, as a warning exactly when it is below 90 %
    assert f"({fid['recovery']:.0%})" in body
    warned = "T recovers less than 90%" in body
    assert warned == (fid["recovery"] < 0.9)
    assert "Optimal prior vs CVAE" in body
    page.screenshot(path=str(runs_dir.parent / "taskdep-page.png"), full_page=True)

    # A copy of this experiment whose CVAE classifier bound is −1.15 nats: the table must say
    # "≤ 0 (no evidence of dependence)" and keep −1.15 for the hover text.
    copy_id = exp_dir.name[:-4] + "beef"
    shutil.copytree(exp_dir, exp_dir.parent / copy_id)
    raw = json.loads((exp_dir.parent / copy_id / "result.json").read_text())
    raw["id"] = copy_id
    raw["records"]["cvae"][0]["mi"]["classifier"].update(value=-1.15, low=-1.3, high=-1.0)
    (exp_dir.parent / copy_id / "result.json").write_text(json.dumps(raw))
    page.goto(f"{url}/taskdep?exp={copy_id}")
    wait_for_plots(page, timeout=60)
    page.get_by_text(NO_EVIDENCE).first.wait_for()
    tips = page.evaluate(TOOLTIP_JS, NO_EVIDENCE)
    assert any(t and "raw value -1.15" in t for t in tips), tips
    page.close()
