"""In a real browser: start a training from the Train page and watch the loss curve grow."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from ui.urlstate import APP_PARAMS

pytestmark = pytest.mark.browser

CURVE_POINTS_JS = """
() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(p => (((p.layout || {}).title || {}).text || '').includes('Training loss'));
  const size = a => (a && typeof a.length === 'number') ? a.length : 0;  // skip typed-array JSON
  const longest = p => (p.data || []).reduce((n, t) => Math.max(n, size(t.x)), 0);
  const counts = plots.map(longest);
  return counts.length ? Math.max(...counts) : 0;
}
"""


def test_five_epochs_on_digits_from_the_browser(app_server: dict, page) -> None:
    # The URL sets the form (every setting is a query parameter named like its CLI flag).
    page.goto(f"{app_server['url']}/train?dataset=digits&model=mlp&latent-dim=2&epochs=5&seed=3")
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
        if (p / "config.json").is_file()  # runs only: taskdep/ and sweeps/ share the folder
        and json.loads((p / "config.json").read_text())["train"]["seed"] == 3
    ]
    assert len(runs) == 1
    config = json.loads((runs[0] / "config.json").read_text())
    assert config["data"]["name"] == "digits" and config["model"]["latent_dim"] == 2
    lines = (runs[0] / "metrics.jsonl").read_text().splitlines()
    recon = [json.loads(line)["recon"] for line in lines]
    assert len(recon) == 5
    assert recon[-1] < recon[0], f"reconstruction loss did not fall: {recon}"
    page.screenshot(path=str(app_server["runs_dir"].parent / "train-page.png"), full_page=True)


LINK = {
    "dataset": "moons",
    "limit": "300",
    "data-seed": "4",
    "hidden": "16,8",
    "activation": "tanh",
    "decoder": "gaussian",
    "reconstruction": "l1",
    "lambda-conn": "0.5",
    "eta": "1.5",
    "metric": "l2",
    "sparse-l1": "0.01",
    "noise": "gaussian",
    "noise-factor": "0.1",
    "epochs": "2",
    "batch-size": "50",
    "lr": "0.005",
    "weight-decay": "0.0001",
    "seed": "11",
    "device": "cpu",
    "drop-last": "false",
    "lr-milestones": "1",
    "lr-gamma": "0.5",
    "name": "linked run",
}
EXPECTED = RunConfig(  # LINK written out by hand, field by field
    data=DataConfig(name="moons", limit=300, seed=4),
    model=ModelConfig(hidden=(16, 8), activation="tanh", decoder="gaussian"),
    loss=LossConfig(
        reconstruction="l1",
        lambda_conn=0.5,
        eta=1.5,
        metric="l2",
        sparse_l1=0.01,
        noise="gaussian",
        noise_factor=0.1,
    ),
    train=TrainConfig(
        epochs=2,
        batch_size=50,
        lr=0.005,
        weight_decay=0.0001,
        seed=11,
        device="cpu",
        drop_last=False,
        lr_milestones=(1,),
        lr_gamma=0.5,
    ),
    name="linked run",
)


def query_of(url: str) -> dict[str, str]:
    """The settings in an address; the app's own parameters (the tab's session token) left out."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return {k: v[0] for k, v in query.items() if k not in APP_PARAMS}


def test_a_link_with_non_default_settings_reproduces_them_in_a_new_tab(
    app_server: dict, browser
) -> None:
    query = "&".join(f"{k}={v}".replace(" ", "%20").replace(",", "%2C") for k, v in LINK.items())
    first = browser.new_page()
    first.goto(f"{app_server['url']}/train?{query}")
    first.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    deadline = time.time() + 30  # the page writes the form's settings back into the address
    while query_of(first.url) != LINK and time.time() < deadline:
        time.sleep(0.2)
    assert query_of(first.url) == LINK
    link = first.url
    first.close()

    second = browser.new_page()  # a new tab: a new session that knows only the link
    second.set_default_timeout(60_000)
    second.goto(link)
    second.get_by_role("button", name="Start training").click()
    second.get_by_text("completed, epoch 2/2").first.wait_for(timeout=120_000)
    runs = [
        p
        for p in app_server["runs_dir"].iterdir()
        if (p / "config.json").is_file()  # runs only: taskdep/ and sweeps/ share the folder
        and json.loads((p / "config.json").read_text())["name"] == "linked run"
    ]
    assert len(runs) == 1
    assert RunConfig.from_json((runs[0] / "config.json").read_text()) == EXPECTED
    assert query_of(second.url) == LINK
    second.screenshot(path=str(app_server["runs_dir"].parent / "train-link.png"), full_page=True)
    second.close()


@pytest.mark.parametrize("how", ["make run", "streamlit run app.py"])
def test_a_fresh_servers_first_request_to_train_goes_through_the_navigation(
    how: str, browser, tmp_path
) -> None:
    """Both ways of starting the app draw the first visit to /train with app.py's sections (not
    Streamlit's page-folder list) and draw the page's form once."""
    import os

    from corel_core.bench.first_run import APP_COMMAND, REPO, served, streamlit_command

    command = APP_COMMAND if how == "make run" else streamlit_command(REPO / "app.py")
    env = {**os.environ, "COREL_RUNS_DIR": str(tmp_path / "runs")}
    with served(command, env, tmp_path / "server.log") as (url, _):
        tab = browser.new_page()
        try:
            tab.goto(f"{url}/train?epochs=7")
            tab.get_by_role("button", name="Start training").wait_for(timeout=60_000)
            sections = tab.get_by_test_id("stNavSectionHeader").all_inner_texts()
            assert [s.strip() for s in sections] == ["Start", "Train", "Analyse", "Learn"]
            assert tab.get_by_role("button", name="Start training").count() == 1
            epochs = tab.get_by_role("spinbutton", name="Epochs", exact=True)
            assert epochs.input_value() == "7"  # the link's value survives the first render
        finally:
            tab.close()
