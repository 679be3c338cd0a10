"""In a real browser: start a training from the Train page and watch the loss curve grow."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.browser

CURVE_POINTS_JS = """
() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const longest = p => (p.data || []).reduce((n, t) => Math.max(n, (t.x || []).length), 0);
  const counts = plots.map(longest);
  return counts.length ? Math.max(...counts) : 0;
}
"""


def test_five_epochs_on_digits_from_the_browser(app_server: dict, page) -> None:
    # The URL sets the form (query parameters are bound to the main controls).
    page.goto(f"{app_server['url']}/train?dataset=digits&model=mlp&latent=2&epochs=5&seed=3")
    page.get_by_role("button", name="Start training").click()

    seen: list[int] = []
    deadline = time.time() + 120
    while time.time() < deadline:
        seen.append(page.evaluate(CURVE_POINTS_JS))
        if seen[-1] >= 5:
            break
        time.sleep(0.5)
    assert seen[-1] >= 5, f"the loss curve never reached 5 epochs: {seen}"
    assert len(set(seen)) >= 2, "the curve should grow while we watch, not appear all at once"
    page.get_by_text("completed").first.wait_for(timeout=60_000)

    runs = [  # other browser tests share the server's run store; ours has seed 3
        p
        for p in app_server["runs_dir"].iterdir()
        if json.loads((p / "config.json").read_text())["train"]["seed"] == 3
    ]
    assert len(runs) == 1
    config = json.loads((runs[0] / "config.json").read_text())
    assert config["data"]["name"] == "digits" and config["model"]["latent_dim"] == 2
    lines = (runs[0] / "metrics.jsonl").read_text().splitlines()
    recon = [json.loads(line)["recon"] for line in lines]
    assert len(recon) == 5
    assert recon[-1] < recon[0], f"reconstruction loss did not fall: {recon}"
    page.screenshot(path=str(app_server["runs_dir"].parent / "train-page.png"), full_page=True)
