"""CUDA tensors through persistence, the connectivity loss, an autoencoder step and a sweep,
each against the CPU result computed in the same test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from corel_core.config import LossConfig, ModelConfig
from corel_core.losses.objective import build_objective
from corel_core.models import build_model
from corel_core.topology import connectivity_loss, vr0_persistence

pytestmark = pytest.mark.cuda
REPO = Path(__file__).resolve().parents[1]
BRANCH_CONV = ModelConfig(kind="branch_conv", latent_dim=160, branches=16, decoder="gaussian")


def points(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32))


@pytest.mark.parametrize(("n", "metric"), [(100, "l1"), (1000, "l1"), (450, "l2")])
def test_persistence_of_device_tensors_equals_the_cpu_result(
    device: str, n: int, metric: str
) -> None:
    cpu = points(n, 10).requires_grad_(True)
    dev = cpu.detach().to(device).requires_grad_(True)
    ours, ref = vr0_persistence(dev, metric), vr0_persistence(cpu, metric)
    assert ours.deaths.device.type == device
    assert torch.equal(ours.edges.cpu(), ref.edges)
    assert torch.allclose(ours.deaths.cpu(), ref.deaths, rtol=1e-6, atol=0)
    ours.deaths.sum().backward()
    ref.deaths.sum().backward()
    assert torch.allclose(dev.grad.cpu(), cpu.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("metric", "branches"), [("l1", 16), ("l2", 1)])
def test_connectivity_loss_on_device_equals_the_cpu_loss(
    device: str, metric: str, branches: int
) -> None:
    cpu = points(100, 160, seed=1).requires_grad_(True)
    dev = cpu.detach().to(device).requires_grad_(True)
    ours = connectivity_loss(dev, eta=2.0, metric=metric, branches=branches)
    ref = connectivity_loss(cpu, eta=2.0, metric=metric, branches=branches)
    assert ours.device.type == device
    assert ours.item() == pytest.approx(ref.item(), rel=1e-6)
    ours.backward()
    ref.backward()
    assert torch.allclose(dev.grad.cpu(), cpu.grad, rtol=1e-5, atol=1e-7)


def test_branch_conv_ae_step_with_the_loss_on_device_matches_cpu(device: str) -> None:
    x = torch.rand(100, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    loss = LossConfig(reconstruction="l1", lambda_conn=20.0, eta=2.0)
    totals = {}
    for where in ("cpu", device):
        torch.manual_seed(0)
        model = build_model(BRANCH_CONV, (1, 28, 28)).to(where)
        terms = build_objective(loss, BRANCH_CONV)(model, x.to(where))
        terms["total"].backward()
        grads = [p.grad for p in model.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        totals[where] = {k: float(v.detach()) for k, v in terms.items()}
    for key, value in totals["cpu"].items():  # cuDNN convolutions round differently
        assert totals[device][key] == pytest.approx(value, rel=1e-3), key


def test_two_trial_sweep_shares_one_gpu(device: str, tmp_path: Path) -> None:
    """`sweep --device cuda` with two trials at a time: each reserves half of the one GPU."""
    args = ["--dataset", "digits", "--model", "mlp", "--latent-dim", "2", "--epochs", "2"]
    args += ["--device", device, "--grid", "lambda_conn=0,20", "--max-concurrent", "2"]
    args += ["--runs-dir", str(tmp_path / "runs"), "--json"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "corel_core", "sweep", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=540,
    )
    wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["counts"]["completed"] == 2
    gpus = out["state"]["resources"]["gpu"]
    assert gpus == (0.5 if device == "cuda" else 0.0)
    for trial in out["trials"]:  # --device cuda fails a trial that sees no GPU
        status = json.loads((tmp_path / "runs" / trial["run_id"] / "status.json").read_text())
        assert status["status"] == "completed"
    record = os.environ.get("COREL_GPU_CHECK_RECORD")
    if record:  # gpu_check.py puts the sweep's timing into its report
        Path(record).write_text(
            json.dumps(
                {"wall_s": wall, "trial_s": [t["seconds"] for t in out["trials"]], "gpu": gpus}
            )
        )
