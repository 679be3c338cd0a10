"""Start-up cost: commands that only read the run store never import the heavy libraries.

Importing torch, scikit-learn, scipy.stats or pandas takes seconds on a busy 2-core machine
(issue #14 measured `runs --json` at 6–11 s); each check runs a fresh interpreter and looks at
`sys.modules` after the command, which does not depend on how busy the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "sklearn", "scipy", "pandas", "ray", "umap", "numba")
PAGE_HEAVY = tuple(m for m in HEAVY if m != "pandas")  # app.py imports pandas on purpose

PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from corel_core.cli import main
out = io.StringIO()
with redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy, "out": out.getvalue()}}))
"""


def _run_cli(*argv: str) -> dict:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_runs_json_imports_no_heavy_library(tmp_path: Path) -> None:
    from corel_core.config import RunConfig
    from corel_core.store import RunStore

    store = RunStore(tmp_path / "runs")
    run = store.create(RunConfig())
    run.append_epoch({"epoch": 1, "total": 2.5, "recon": 2.0})
    result = _run_cli("runs", "--json", "--runs-dir", str(tmp_path / "runs"))
    assert result["code"] == 0
    assert [row["id"] for row in json.loads(result["out"])] == [run.id]
    assert result["heavy"] == []


def test_lessons_imports_no_heavy_library() -> None:
    from corel_core.presets import PRESETS

    result = _run_cli("lessons")
    assert result["code"] == 0
    assert [line.split()[0] for line in result["out"].splitlines()] == list(PRESETS)
    assert result["heavy"] == []


PAGE_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=120)
at.run()
at.switch_page({page!r}).run()
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"errors": [str(e.value) for e in at.exception], "heavy": heavy}}))
"""


@pytest.mark.parametrize("page", ["pages/train.py", "pages/runs.py", "pages/home.py"])
def test_pages_render_without_torch_in_the_server(page: str, tmp_path: Path) -> None:
    """Training runs in worker processes; the server renders these pages without torch & co."""
    repo = Path(__file__).resolve().parents[1]
    probe = PAGE_PROBE.format(app=str(repo / "app.py"), page=page, heavy=PAGE_HEAVY)
    env = {**os.environ, "COREL_RUNS_DIR": str(tmp_path / "runs")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=repo,
        env=env,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["heavy"] == []
