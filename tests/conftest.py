"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Directory with the MNIST test split in IDX .gz form (the workspace's shared copy)."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST test split not found at {SHARED_MNIST} (clone outside the workspace)")
    return SHARED_MNIST


@pytest.fixture(autouse=True)
def _private_uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real uploads folder."""
    monkeypatch.setenv("COREL_UPLOADS_DIR", str(tmp_path / "uploads"))


@pytest.fixture()
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh run store directory, also exported as COREL_RUNS_DIR."""
    path = tmp_path / "runs"
    monkeypatch.setenv("COREL_RUNS_DIR", str(path))
    return path


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory):
    """The real app served the way `make run` serves it, on a free loopback port, own run store.

    Headless and without a file watcher (.streamlit/config.toml), so tests writing files cause
    no inotify churn over the repo.
    """
    import os

    from corel_core.bench.first_run import APP_COMMAND, served

    runs = tmp_path_factory.mktemp("browser-runs")
    env = {
        **os.environ,
        "COREL_RUNS_DIR": str(runs),
        "COREL_DATA_DIR": str(SHARED_MNIST),
        "COREL_UPLOADS_DIR": str(runs.parent / "uploads"),
    }
    with served(APP_COMMAND, env, runs.parent / "streamlit.log") as (url, _):
        yield {"url": url, "runs_dir": runs}


@pytest.fixture(scope="session")
def _playwright():
    """One Playwright driver for the session (a second one cannot start in the same thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


def _chromium_context(pw, profile: Path):
    """Debian's headless Chromium with its own profile (cookies), never a downloaded browser."""
    from corel_core.bench.first_run import launch_chromium

    return launch_chromium(pw, profile)


@pytest.fixture(scope="session")
def browser(_playwright, tmp_path_factory: pytest.TempPathFactory):
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    context = _chromium_context(_playwright, tmp_path_factory.mktemp("chromium-profile"))
    yield context
    context.close()


@pytest.fixture()
def other_browser(_playwright, tmp_path: Path):
    """A second Chromium with its own profile and cookies: another person at another machine."""
    context = _chromium_context(_playwright, tmp_path / "other-profile")
    yield context
    context.close()


@pytest.fixture()
def page(browser):
    """A fresh tab; closed after the test."""
    tab = browser.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    tab.close()
