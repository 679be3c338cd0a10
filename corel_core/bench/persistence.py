"""Benchmark: corel's exact H0 persistence against gudhi and ripser, measured in the same run.

Each row times the whole `vr0_persistence` call (numpy hand-off, compiled Prim, torch gather and
sort) after a warm-up; the numba compile/cache-load time of the very first call is reported apart.
Peers get the same float64 points with the Euclidean metric: gudhi's fastest H0 path
(`gudhi.sklearn.rips_persistence.RipsPersistence(homology_dimensions=0)`, i.e. pdist + gudhi's
ripser core) and `ripser.ripser(maxdim=0)`. "agree" is the largest relative difference between
corel's sorted finite deaths and either peer's (ripser works in float32, so ~1e-7 is identical).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from corel_core.bench.timing import fmt, format_table, median_ms
from corel_core.topology.persistence import vr0_persistence

SIZES = (100, 500, 1000, 2000, 10000)
DIMS = (2, 10, 32)
PEER_MAX_N = 2000


_FIRST_CALL = """
import time, torch
from corel_core.topology import connectivity_loss, vr0_persistence
start = time.perf_counter()
for metric in ("l1", "l2"):
    vr0_persistence(torch.zeros(3, 2, dtype=torch.float64), metric)
    connectivity_loss(torch.ones(3, 2, requires_grad=True), 2.0, metric).backward()
print((time.perf_counter() - start) * 1e3)
"""


def compile_ms() -> dict[str, float]:
    """First-call milliseconds in fresh processes: numba compiling ("cold") and loading its cache.

    Uses a throw-away NUMBA_CACHE_DIR, so the package's own cache is left alone.
    """
    root = Path(__file__).resolve().parents[2]
    result = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for key in ("cold", "cached"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            result[key] = float(out.stdout.strip().splitlines()[-1])
    return result


def _finite_sorted(bars: np.ndarray) -> np.ndarray:
    return np.sort(bars[np.isfinite(bars[:, 1]), 1].astype(np.float64))


def _max_rel_diff(ours: np.ndarray, ref: np.ndarray) -> float:
    if ours.shape != ref.shape:
        return float("inf")
    if ours.size == 0:
        return 0.0
    return float(np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-300)))


def _peers() -> dict[str, object]:
    import ripser
    from gudhi.sklearn.rips_persistence import RipsPersistence

    gudhi_h0 = RipsPersistence(homology_dimensions=0)

    def run_gudhi(x: np.ndarray) -> np.ndarray:
        return _finite_sorted(gudhi_h0.fit_transform([x])[0])

    def run_ripser(x: np.ndarray) -> np.ndarray:
        return _finite_sorted(ripser.ripser(x, maxdim=0)["dgms"][0])

    return {"gudhi": run_gudhi, "ripser": run_ripser}


def run_persistence_bench(
    sizes: Sequence[int] = SIZES,
    dims: Sequence[int] = DIMS,
    repeats: int = 5,
    peers: bool = True,
    peer_max_n: int = PEER_MAX_N,
    seed: int = 0,
) -> list[dict]:
    """Time corel / gudhi / ripser on standard-normal clouds; one dict per (n, d).

    Keys: n, d, corel_ms, gudhi_ms, ripser_ms (median process-CPU ms; *_wall_ms the elapsed
    time), gudhi_ratio, ripser_ratio (peer_ms / corel_ms, CPU time),
    agree (max relative death difference to the peers), compile_ms / cache_load_ms (first call
    in a fresh process, the same on every row).
    Peers are skipped (None) above `peer_max_n` points, where they need n² memory and seconds.
    """
    first = compile_ms()
    peer_fns = _peers() if peers else {}
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        for d in dims:
            x = rng.standard_normal((n, d))
            xt = torch.from_numpy(x)
            ours = vr0_persistence(xt, "l2").deaths.numpy()  # warm-up
            reps = repeats if n <= PEER_MAX_N else max(1, min(repeats, 3))
            row: dict = {"n": n, "d": d, "compile_ms": first["cold"]}
            row["cache_load_ms"] = first["cached"]
            row["corel_wall_ms"], row["corel_ms"] = median_ms(
                lambda xt=xt: vr0_persistence(xt, "l2"), reps
            )
            agree = []
            for name, fn in peer_fns.items():
                if n > peer_max_n:
                    row[f"{name}_ms"] = row[f"{name}_wall_ms"] = row[f"{name}_ratio"] = None
                    continue
                ref = fn(x)  # warm-up, and the agreement reference
                agree.append(_max_rel_diff(ours, ref))
                wall, ms = median_ms(lambda fn=fn, x=x: fn(x), max(1, min(repeats, 3)))
                row[f"{name}_wall_ms"], row[f"{name}_ms"] = wall, ms
                row[f"{name}_ratio"] = ms / row["corel_ms"]
            row["agree"] = max(agree) if agree else None
            rows.append(row)
    return rows


def format_persistence_bench(rows: list[dict]) -> str:
    """The benchmark rows as a text table with a header naming the machine and the peers."""
    headers = ["n", "d", "corel wall", "corel cpu", "gudhi cpu", "gudhi/corel"]
    headers += ["ripser cpu", "ripser/corel", "agree"]
    body = [
        [
            str(r["n"]),
            str(r["d"]),
            fmt(r["corel_wall_ms"], ".3f"),
            fmt(r["corel_ms"], ".3f"),
            fmt(r.get("gudhi_ms"), ".2f", "skipped"),
            fmt(r.get("gudhi_ratio"), ".0f", "—") + ("×" if r.get("gudhi_ratio") else ""),
            fmt(r.get("ripser_ms"), ".2f", "skipped"),
            fmt(r.get("ripser_ratio"), ".0f", "—") + ("×" if r.get("ripser_ratio") else ""),
            fmt(r.get("agree"), ".1e", "—"),
        ]
        for r in rows
    ]
    cold = rows[0]["compile_ms"] if rows else float("nan")
    cached = rows[0]["cache_load_ms"] if rows else float("nan")
    head = (
        f"H0 persistence, l2, float64 standard-normal points; medians in ms; cpu = process CPU "
        f"time (ratios use it), wall = elapsed; {os.cpu_count()} CPUs, torch threads "
        f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}.\n"
        f"Peers: gudhi RipsPersistence(homology_dimensions=0), ripser(maxdim=0); "
        f"skipped above n={PEER_MAX_N} (n² memory).\nFirst corel calls in a fresh process "
        f"(excluded above): numba compile {cold:.0f} ms, cache load {cached:.0f} ms.\n"
    )
    return head + format_table(headers, body)


def main(quick: bool = False) -> str:
    """Run the persistence benchmark (a small grid when quick), print and return the table."""
    if quick:
        rows = run_persistence_bench(sizes=(100, 1000), dims=(10,), repeats=3)
    else:
        rows = run_persistence_bench()
    table = format_persistence_bench(rows)
    print(table)
    return table
