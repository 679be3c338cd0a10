"""Sweeps on a real Ray: the issue's example command on an embedded local Ray and on a loopback
`ray start --head` cluster, and Ctrl-C + --resume with a failing trial. Each test stops every
Ray it starts (the embedded one ends with its driver; the head is stopped by its own pid)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corel_core.store import RunStore
from corel_core.store.files import pid_alive

REPO = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
EXAMPLE = [
    "--dataset", "digits", "--model", "mlp", "--latent-dim", "2", "--epochs", "2",
    "--grid", "lambda_conn=0,20", "--seeds", "2",
]  # fmt: skip
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def ray_tmp() -> Iterator[str]:
    """A short private folder for Ray's sockets and logs (unix socket paths are limited)."""
    path = tempfile.mkdtemp(prefix="cr-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def sweep_env(ray_tmp: str) -> dict[str, str]:
    return {**os.environ, "COREL_RAY_TMPDIR": ray_tmp, "RAY_USAGE_STATS_ENABLED": "0"}


def sweep_cli(args: list[str], env: dict[str, str], timeout: float = 400):
    return subprocess.run(
        [sys.executable, "-m", "corel_core", "sweep", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ray_processes_under(folder: str) -> list[str]:
    """Command lines of live processes that mention `folder` (Ray's own, by their temp dir)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if folder in cmd and pid_alive(int(proc.name)):
                found.append(cmd)
    return found


def check_example_sweep(out: dict, runs_dir: Path) -> None:
    """Four completed trials, each an ordinary completed run tagged with the sweep."""
    assert out["status"] == "completed" and out["counts"]["completed"] == 4
    store = RunStore(runs_dir)
    seen = set()
    for trial in out["trials"]:
        run = store.get(trial["run_id"])
        config = json.loads((run.path / "config.json").read_text())
        seen.add((config["loss"]["lambda_conn"], config["train"]["seed"]))
        assert config["data"]["name"] == "digits" and config["train"]["epochs"] == 2
        assert run.status == "completed" and len(run.metrics()) == 2 and run.has_latents()
        assert run.summary().sweep == out["sweep"]
    assert seen == {(0.0, 0), (0.0, 1), (20.0, 0), (20.0, 1)}
    assert sorted(store.ids()) == sorted(t["run_id"] for t in out["trials"])


def test_example_sweep_on_an_embedded_ray(tmp_path: Path, ray_tmp: str) -> None:
    runs = tmp_path / "runs"
    done = sweep_cli([*EXAMPLE, "--runs-dir", str(runs), "--json"], sweep_env(ray_tmp))
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)  # nothing but the JSON on stdout
    check_example_sweep(out, runs)
    assert out["state"]["address"] == "embedded"
    assert ray_processes_under(ray_tmp) == []  # the embedded Ray ended with the sweep


@pytest.fixture()
def ray_head(ray_tmp: str) -> Iterator[str]:
    """`ray start --head` on 127.0.0.1 and free ports; stopped through its own process."""
    port = free_port()
    env = {**sweep_env(ray_tmp), "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    head = subprocess.Popen(
        [
            RAY,
            "start",
            "--head",
            "--block",
            "--node-ip-address",
            "127.0.0.1",
            "--port",
            str(port),
            "--include-dashboard",
            "false",
            "--disable-usage-stats",
            "--num-cpus",
            "2",
            "--temp-dir",
            ray_tmp,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert head.poll() is None, "ray start --head exited"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # --block: ray start stops the processes it started
        head.wait(timeout=60)
        deadline = time.monotonic() + 30
        while ray_processes_under(ray_tmp) and time.monotonic() < deadline:
            time.sleep(0.5)
    assert ray_processes_under(ray_tmp) == []


def test_example_sweep_on_a_loopback_cluster(tmp_path: Path, ray_tmp: str, ray_head: str) -> None:
    runs = tmp_path / "runs"
    args = [*EXAMPLE, "--runs-dir", str(runs), "--json", "--address", ray_head]
    done = sweep_cli(args, sweep_env(ray_tmp))
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    check_example_sweep(out, runs)
    assert out["state"]["address"] == ray_head


def test_ctrl_c_stops_cleanly_and_resume_finishes_with_the_failed_trial_recorded(
    tmp_path: Path, ray_tmp: str
) -> None:
    runs = tmp_path / "runs"
    args = ["--model", "mlp", "--latent-dim", "2", "--epochs", "60", "--max-concurrent", "1"]
    args += ["--grid", "dataset=no_such_set,digits", "--runs-dir", str(runs), "--json"]
    env = sweep_env(ray_tmp)
    out_file, err_file = tmp_path / "stdout", tmp_path / "stderr"
    with open(out_file, "w") as stdout, open(err_file, "w") as stderr:  # no pipe to fill up
        driver = subprocess.Popen(
            [sys.executable, "-m", "corel_core", "sweep", *args],
            cwd=REPO,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    store = RunStore(runs)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # Ctrl-C once the digits run has saved an epoch
        ids = store.ids()
        if ids and len(store.get(ids[0]).metrics()) >= 1:
            break
        assert driver.poll() is None, err_file.read_text()[-3000:]
        time.sleep(0.2)
    driver.send_signal(signal.SIGINT)
    driver.wait(timeout=120)
    assert driver.returncode == 130, err_file.read_text()[-3000:]
    stopped = json.loads(out_file.read_text())
    assert stopped["status"] == "interrupted"
    (run_id,) = store.ids()
    cut = store.get(run_id)
    assert cut.status == "interrupted" and 1 <= len(cut.metrics()) < 60
    assert ray_processes_under(ray_tmp) == []

    done = sweep_cli(["--resume", stopped["sweep"], "--runs-dir", str(runs), "--json"], env)
    assert done.returncode == 3, done.stderr[-3000:]  # finished, one trial failed
    out = json.loads(done.stdout)
    assert out["status"] == "completed"
    assert out["counts"] == {"pending": 0, "running": 0, "completed": 1, "failed": 1}
    (failed,) = out["failed"]
    assert "unknown dataset 'no_such_set'" in failed["message"]
    assert store.ids() == [run_id]  # the cut run was continued in its own folder
    assert store.get(run_id).status == "completed" and len(store.get(run_id).metrics()) == 60
    assert ray_processes_under(ray_tmp) == []
