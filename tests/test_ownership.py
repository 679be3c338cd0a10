"""Who may control what: session tokens, owner ids, COREL_ACCESS and the admin token (AppTest).

AppTest sends no cookies, so here the owner id rests on the tab's token alone (the documented
fallback without an XSRF cookie); the browser tests cover the cookie half.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette.starlette_app_utils import (
    decode_xsrf_token_string,
    generate_xsrf_token_string,
)

from corel_core.jobs import default_pool
from ui.session import xsrf_secret

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LONG = {"dataset": "moons", "epochs": "500", "limit": "200", "name": "held"}


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def train_page(params: dict[str, str] | None = None) -> AppTest:
    return open_page("pages/train.py", params)


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


@pytest.fixture()
def started(runs_dir: Path):
    """A tab that started a long training; the job is stopped afterwards."""
    at = train_page(LONG)
    next(b for b in at.button if b.label == "Start training").click().run()
    job = default_pool().get(at.session_state["train.job_id"])
    yield at, job
    job.stop()
    assert job.wait(60)


def test_the_xsrf_secret_is_the_unmasked_token_streamlit_checks() -> None:
    token = bytes(range(16))
    first, second = generate_xsrf_token_string(token), generate_xsrf_token_string(token)
    assert first != second  # re-masked on every response
    assert xsrf_secret(first) == xsrf_secret(second) == token.hex()
    assert bytes.fromhex(xsrf_secret(first)) == decode_xsrf_token_string(first)[0]
    assert xsrf_secret("") == "" and xsrf_secret("plain") == "plain"


def test_a_tab_gets_a_token_when_it_starts_and_controls_only_its_job(started) -> None:
    at, job = started
    token = param(at, "session")
    assert token and len(token) >= 16  # the reload address carries the tab's token
    assert job.owner and "Pause" in labels(at) and "Stop" in labels(at)
    start = next(b for b in at.button if b.label == "Start training")
    assert start.disabled and "Train another" in labels(at)

    stranger = train_page(LONG)  # another tab, no token
    assert "Pause" not in labels(stranger) and "Stop" not in labels(stranger)
    assert not next(b for b in stranger.button if b.label == "Start training").disabled
    assert any("other tabs" in c.value for c in stranger.caption)

    reloaded = train_page({**LONG, "session": token})  # the same tab after a reload
    assert "Pause" in labels(reloaded) and reloaded.session_state["train.job_id"] == job.id


def runs_page_on(run_id: str, params: dict[str, str] | None = None) -> AppTest:
    at = open_page("pages/runs.py", params)
    next(s for s in at.selectbox if s.label == "Run").set_value(run_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_only_the_owner_or_an_admin_may_stop_a_run_from_the_runs_page(started, monkeypatch) -> None:
    owner_tab, job = started
    deadline = time.time() + 60
    while not job.snapshot().get("run_id") and time.time() < deadline:
        time.sleep(0.1)
    run_id = job.snapshot()["run_id"]
    owner = runs_page_on(run_id, {"session": param(owner_tab, "session")})
    assert "Stop" in labels(owner) and "Yes, delete" in labels(owner)
    stranger = runs_page_on(run_id)
    assert "Stop" not in labels(stranger) and "Yes, delete" not in labels(stranger)
    assert any("Read-only" in c.value for c in stranger.caption)

    monkeypatch.setenv("COREL_ADMIN_TOKEN", "teacher-secret")
    guesser = runs_page_on(run_id, {"admin": "guess"})
    assert param(guesser, "admin") is None  # an offered secret never stays in the address
    assert "Stop" not in labels(guesser)
    teacher = runs_page_on(run_id, {"admin": "teacher-secret"})
    assert param(teacher, "admin") is None
    assert "Stop" in labels(teacher) and "Yes, delete" in labels(teacher)
    next(b for b in teacher.button if b.label == "Stop").click().run()
    assert job.wait(30) and job.status == "stopped"


def test_demo_visitors_cannot_upload_and_open_access_can(runs_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("COREL_ACCESS", "demo")
    visitor = train_page()
    uploader = visitor.get("file_uploader")[0]
    assert uploader.proto.disabled and "off in this demo" in uploader.proto.help
    monkeypatch.setenv("COREL_ACCESS", "open")
    assert not train_page().get("file_uploader")[0].proto.disabled
