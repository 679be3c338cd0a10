"""When the pool's forkserver warms up, and what a job says while the first worker starts.

Each case runs in a fresh Python process: the forkserver is one per process, and the test
process's own is already warm.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILDREN = """
import os, time
from pathlib import Path

def children():
    '''command lines of the processes whose parent is this one (read from /proc).'''
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.append((stat.parent / 'cmdline').read_bytes().decode(errors='replace'))
    return found
"""


def run_script(body: str, tmp_path: Path) -> dict:
    script = tmp_path / "case.py"
    script.write_text(CHILDREN + textwrap.dedent(body))
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{tmp_path}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_forkserver_starts_only_after_warm_after(tmp_path: Path) -> None:
    result = run_script(
        """
        import json
        from corel_core.jobs import JobPool
        pool = JobPool(max_jobs=1, quick_jobs=1, preload=(), warm_after=1.5)
        time.sleep(0.5)
        early = children()
        deadline = time.monotonic() + 30
        while not children() and time.monotonic() < deadline:
            time.sleep(0.05)
        late = children()
        pool.shutdown()
        print(json.dumps({"early": early, "late": late}))
        """,
        tmp_path,
    )
    assert result["early"] == []  # nothing competes with the page that made the pool
    assert any("forkserver" in line for line in result["late"])  # then the forkserver


def test_a_pool_shut_down_before_warm_up_starts_no_forkserver(tmp_path: Path) -> None:
    result = run_script(
        """
        import json
        from corel_core.jobs import JobPool
        pool = JobPool(max_jobs=1, quick_jobs=1, preload=(), warm_after=0.5)
        pool.shutdown()
        time.sleep(1.5)
        print(json.dumps({"after": children()}))
        """,
        tmp_path,
    )
    assert result["after"] == []


def test_the_first_job_says_the_worker_is_starting_until_it_has(tmp_path: Path) -> None:
    (tmp_path / "slow_preload.py").write_text("import time\ntime.sleep(2.0)\n")
    (tmp_path / "bodies.py").write_text("def answer(control, progress):\n    return 42\n")
    result = run_script(
        """
        import json
        from corel_core.jobs import JobPool
        from corel_core.jobs.settings import FIRST_WORKER_MESSAGE
        from bodies import answer
        pool = JobPool(max_jobs=1, quick_jobs=1, preload=("slow_preload",), warm_after=60)
        job = pool.submit(answer, label="first")
        seen = set()
        while not job.done:
            seen.add(job.message)
            time.sleep(0.02)
        second = pool.submit(answer, label="second")
        second_seen = set()
        while not second.done:
            second_seen.add(second.message)
            time.sleep(0.02)
        pool.shutdown()
        print(json.dumps({"seen": sorted(seen), "first": FIRST_WORKER_MESSAGE,
                          "final": job.message, "result": job.result,
                          "second": sorted(second_seen)}))
        """,
        tmp_path,
    )
    assert result["first"] in result["seen"]  # said while the forkserver imported (2 s)
    assert result["result"] == 42 and result["final"] != result["first"]
    assert result["first"] not in result["second"]  # a warm forkserver: nothing to say
