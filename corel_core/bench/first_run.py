"""First-run benchmark: what a newcomer waits for, against bare peers timed the same way.

- **Cold server, first Train render**: the app is started the way `make run` starts it
  (`python -m ui.serve`), and a fresh Chromium page opens /train; seconds from the request until
  the "Start training" button is visible. Peer: a bare Streamlit app (a title and that button)
  served by `streamlit run` and opened the same way.
- **Second session**: another fresh page on the same, now warm, server.
- **`runs --json`**: wall seconds of the CLI listing an empty run store; peer: `python -c pass`.

Needs the test tools (`make test` installs Playwright) and Debian's `chromium`. Numbers depend on
the machine's load, which is why each is printed next to its peer measured in the same run.
`python -m corel_core bench first-run [--quick]`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from corel_core.bench.timing import format_table

REPO = Path(__file__).resolve().parents[2]
#: how the tests and this benchmark launch Debian's Chromium (never a downloaded browser)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: how `make run` starts the app (python's arguments; the server's options are added)
APP_COMMAND = ("-m", "ui.serve")
PEER_APP = 'import streamlit as st\nst.title("Train")\nst.button("Start training")\n'
BUTTON = "Start training"


def launch_chromium(pw: Any, profile: Path, width: int = 1400, height: int = 1000) -> Any:
    """A headless persistent context of Debian's chromium with its own profile (cookies)."""
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": width, "height": height},
    )


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def streamlit_command(script: Path) -> tuple[str, ...]:
    """Python's arguments for a bare `streamlit run SCRIPT`."""
    return ("-m", "streamlit", "run", str(script))


@contextmanager
def served(
    command: Sequence[str], env: dict[str, str], log: Path, timeout: float = 60.0
) -> Iterator[tuple[str, float]]:
    """Run `python COMMAND` (a Streamlit server, e.g. `APP_COMMAND`) on a free loopback port;
    yields (url, seconds until /health said ok).

    RuntimeError if the server exits or does not answer within `timeout` seconds. The server is
    stopped on leaving (SIGTERM, then SIGKILL after 15 s), and then whatever it started and left
    (its forkserver may still be importing): the server runs in a process group of its own.
    """
    port = free_port()
    command = [sys.executable, *command, "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited; see {log}")
                if time.perf_counter() - start > timeout:
                    raise RuntimeError(f"streamlit did not answer on {url}; see {log}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                        if resp.read().strip() == b"ok":
                            break
                except OSError:
                    time.sleep(0.05)
            yield url, time.perf_counter() - start
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def render_s(context: Any, url: str) -> float:
    """Seconds from opening `url` in a fresh page until the Start button is visible."""
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=120_000)
        page.get_by_role("button", name=BUTTON).wait_for(timeout=120_000)
        return time.perf_counter() - start
    finally:
        page.close()


def cli_s(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one `python ARGS` run (it must succeed)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def run_first_run_bench(repeats: int = 3) -> dict[str, Any]:
    """Medians over `repeats` cold starts: {measure: (corel seconds, peer seconds)}."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # a run-only set-up: say what is missing
        raise SystemExit("bench first-run needs Playwright: run `make setup` first.") from exc
    rows: dict[str, list[tuple[float, float]]] = {"server up": [], "first": [], "second": []}
    cli: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        root = Path(tmp)
        peer = root / "peer_app.py"
        peer.write_text(PEER_APP)
        env = {**os.environ, "COREL_RUNS_DIR": str(root / "runs")}
        for i in range(repeats):
            measured = {}
            servers = (("corel", APP_COMMAND, "/train"), ("peer", streamlit_command(peer), ""))
            for who, command, path in servers:
                context = launch_chromium(pw, root / f"profile-{who}-{i}")
                try:
                    with served(command, env, root / f"{who}.log") as (url, up):
                        first = render_s(context, url + path)
                        second = render_s(context, url + path)
                finally:
                    context.close()
                measured[who] = (up, first, second)
            for k, key in enumerate(("server up", "first", "second")):
                rows[key].append((measured["corel"][k], measured["peer"][k]))
            runs = cli_s(["-m", "corel_core", "runs", "--json"], env)
            cli.append((runs, cli_s(["-c", "pass"], env)))
    rows["runs --json"] = cli

    def median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    return {key: median(pairs) for key, pairs in rows.items()} | {"repeats": repeats}


NAMES = {
    "server up": ("server answers /health", "bare Streamlit app"),
    "first": ("cold server, first Train render", "bare Streamlit app, first render"),
    "second": ("warm server, a new session's Train render", "bare app, second session"),
    "runs --json": ("`python -m corel_core runs --json`", "`python -c pass`"),
}


def format_first_run_bench(result: dict[str, Any]) -> str:
    """A Markdown table: measure, corel s, peer, peer s, ratio."""
    table = []
    for key, (ours, peer_name) in NAMES.items():
        mine, peer = result[key]
        table.append([ours, f"{mine:.2f}", peer_name, f"{peer:.2f}", f"{mine / peer:.1f}×"])
    head = ["measure", "corel s", "peer", "peer s", "ratio"]
    note = f"medians of {result['repeats']} cold starts; load average {os.getloadavg()[0]:.1f}"
    return format_table(head, table) + "\n" + note


def main(quick: bool = False) -> None:
    """Print the first-run table (1 cold start with --quick, else 3)."""
    print(format_first_run_bench(run_first_run_bench(1 if quick else 3)))
