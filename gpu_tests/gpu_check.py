"""`make gpu-check`: the CUDA-marked tests, then timings on the GPU against the CPU, in one file.

Runs gpu_tests/ with pytest (persistence and the connectivity loss on CUDA tensors against the
CPU result, a branch-conv AE step, a two-trial sweep sharing one GPU), then measures: persistence
at b = 100 and 1000 (10-D), the connectivity loss forward+backward (b = 100, 16 × 10 branches)
and a branch-conv AE step with and without λ·L_η, each on cuda and on the CPU in the same run.
Writes Markdown to --out (default $OUT/gpu-check.md where $OUT is set, else ./gpu-check.md).
Without a CUDA GPU it stops with exit status 2, unless --cpu-fallback dry-runs everything on the
CPU (to check the script itself).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from corel_core.config import LossConfig, ModelConfig  # noqa: E402
from corel_core.losses.objective import build_objective  # noqa: E402
from corel_core.models import build_model  # noqa: E402
from corel_core.topology import connectivity_loss, vr0_persistence  # noqa: E402

BRANCH_CONV = ModelConfig(kind="branch_conv", latent_dim=160, branches=16, decoder="gaussian")


def timed_ms(fn: Callable[[], object], device: str, repeats: int, warmup: int = 5) -> float:
    """Median wall milliseconds of fn() (CUDA work synchronised before each clock read)."""

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def persist(x: torch.Tensor) -> Callable[[], object]:
    return lambda: vr0_persistence(x)


def ae_steps(where: str, repeats: int) -> tuple[float, float]:
    """Median ms of a branch-conv AE step without and with λ = 20 · L_η, steps alternating so
    that drifting load hits both alike (as `bench connectivity` does)."""
    x = torch.rand(100, 1, 28, 28, generator=torch.Generator().manual_seed(0)).to(where)
    steps = []
    for lam in (0.0, 20.0):
        torch.manual_seed(0)
        model = build_model(BRANCH_CONV, (1, 28, 28)).to(where)
        objective = build_objective(LossConfig(reconstruction="l1", lambda_conn=lam), BRANCH_CONV)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def one(model=model, objective=objective, opt=opt) -> None:
            opt.zero_grad(set_to_none=True)
            objective(model, x)["total"].backward()
            opt.step()

        steps.append(one)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for k, step in enumerate(steps):
            times[k].append(timed_ms(step, where, repeats=1, warmup=0 if times[k] else 3))
    return statistics.median(times[0]), statistics.median(times[1])


def bench(device: str, repeats: int) -> list[tuple[str, float, float]]:
    """(what, device ms, cpu ms) rows; each measured separately (twice on the CPU in a dry run)."""
    rng = np.random.default_rng(0)
    rows = []
    for n in (100, 1000):
        x = torch.from_numpy(rng.normal(size=(n, 10)).astype(np.float32))
        ms = [timed_ms(persist(x.to(where)), where, repeats) for where in (device, "cpu")]
        rows.append((f"H0 persistence, b = {n}, 10-D", *ms))
    z = torch.from_numpy(rng.normal(size=(100, 160)).astype(np.float32))

    def conn(where: str) -> Callable[[], None]:
        zz = z.to(where).requires_grad_(True)
        return lambda: connectivity_loss(zz, 2.0, "l1", branches=16).backward()

    ms = [timed_ms(conn(where), where, repeats) for where in (device, "cpu")]
    rows.append(("connectivity loss fwd+bwd, b = 100, 16×10", *ms))
    dev_steps = ae_steps(device, max(repeats // 2, 5))
    cpu_steps = ae_steps("cpu", max(repeats // 5, 5))
    for k, lam in enumerate((0, 20)):
        rows.append((f"branch-conv AE step, b = 100, λ = {lam}", dev_steps[k], cpu_steps[k]))
    return rows


def report(device: str, rows: list, tests_rc: int, tests_tail: str, sweep: dict | None) -> str:
    gpu = torch.cuda.get_device_name(0) if device == "cuda" else "none (CPU fallback dry run)"
    lines = [
        "# corel GPU check",
        "",
        f"- device: {device}; GPU: {gpu}; torch {torch.__version__}; "
        f"CUDA {torch.version.cuda}; host CPUs {os.cpu_count()}; {platform.platform()}",
        f"- CUDA-marked tests (gpu_tests/): exit status {tests_rc}: `{tests_tail}`",
        "",
        f"| what | {device} ms | cpu ms | cpu / {device} |",
        "|---|---:|---:|---:|",
    ]
    for what, dev_ms, cpu_ms in rows:
        lines.append(f"| {what} | {dev_ms:.3f} | {cpu_ms:.3f} | {cpu_ms / dev_ms:.2f}× |")
    plain = next(r for r in rows if "λ = 0" in r[0])[1]
    with_loss = next(r for r in rows if "λ = 20" in r[0])[1]
    lines += ["", f"AE step with / without the connectivity loss on {device}: "
              f"{with_loss / plain:.3f}× ({with_loss:.3f} ms / {plain:.3f} ms)."]  # fmt: skip
    if sweep:
        trials = ", ".join(f"{s:.1f}" for s in sweep["trial_s"])
        lines.append(
            f"Two-trial sweep on one GPU ({sweep['gpu']} GPU per trial): wall "
            f"{sweep['wall_s']:.1f} s including Ray start-up; trials {trials} s."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(os.environ["OUT"]) / "gpu-check.md" if os.environ.get("OUT") else None
    parser.add_argument("--out", type=Path, default=default_out or Path("gpu-check.md"))
    parser.add_argument("--cpu-fallback", action="store_true", help="dry run on the CPU")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    if torch.cuda.is_available():
        device = "cuda"
    elif args.cpu_fallback:
        device = "cpu"
    else:
        print("no CUDA GPU is visible to torch; nothing to check (--cpu-fallback dry-runs "
              "the script on the CPU).", file=sys.stderr)  # fmt: skip
        return 2
    record = Path(tempfile.mkdtemp(prefix="gpu-check-")) / "sweep.json"
    env = {**os.environ, "COREL_GPU_CHECK_DEVICE": device, "COREL_GPU_CHECK_RECORD": str(record)}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO / "gpu_tests"), "-m", "cuda", "-q",
         "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    print(tests.stdout[-4000:], tests.stderr[-2000:], sep="\n")
    tail = (tests.stdout.strip().splitlines() or ["no output"])[-1]
    torch.set_num_threads(1)
    rows = bench(device, args.repeats)
    sweep = json.loads(record.read_text()) if record.exists() else None
    text = report(device, rows, tests.returncode, tail, sweep)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    print(f"written to {args.out}")
    return tests.returncode


if __name__ == "__main__":
    raise SystemExit(main())
