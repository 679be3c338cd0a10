"""Benchmark: cost of the connectivity loss inside one autoencoder training step.

The product's own MLP autoencoder (input→256→128→10 and back) and objective, batch 100, Adam; a
step is forward + backward + optimiser step exactly as the trainer runs it, timed with and without
λ·L_η (λ = 20, η = 2, l1) in the same run, alternating the two so drifting load hits both alike.
"""

from __future__ import annotations

import statistics
import time

import torch

from corel_core.bench.timing import format_table
from corel_core.config import DataConfig, LossConfig, ModelConfig
from corel_core.data import DataError, load_dataset
from corel_core.losses.objective import build_objective
from corel_core.models import build_model

MODEL = ModelConfig(kind="mlp", latent_dim=10, hidden=(256, 128), decoder="bernoulli")


def run_connectivity_bench(
    dataset: str = "digits",
    steps: int = 300,
    batch: int = 100,
    lam: float = 20.0,
    eta: float = 2.0,
    seed: int = 0,
    warmup: int = 20,
) -> dict:
    """Median step milliseconds (process CPU time) without / with the connectivity loss, and ratio.

    CPU time, not wall time, so other busy processes on a shared machine do not skew the ratio;
    one torch thread, since idle intra-op threads spin and bill CPU time to both variants.
    """
    torch.set_num_threads(1)
    data = load_dataset(DataConfig(name=dataset, limit=2000), download=False)
    x = torch.from_numpy(data.x)
    torch.manual_seed(seed)
    model = build_model(MODEL, data.meta.shape)
    plain_objective = build_objective(LossConfig(reconstruction="bce"), MODEL)
    conn_objective = build_objective(
        LossConfig(reconstruction="bce", lambda_conn=lam, eta=eta, metric="l1"), MODEL
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)

    def step(with_conn: bool) -> float:
        xb = x[torch.randint(0, len(x), (batch,), generator=gen)]
        objective = conn_objective if with_conn else plain_objective
        start = time.process_time()
        terms = objective(model, xb, None, 0)
        opt.zero_grad(set_to_none=True)
        terms["total"].backward()
        opt.step()
        return (time.process_time() - start) * 1e3

    for _ in range(warmup):  # warm-up (allocator, numba cache load)
        step(False)
        step(True)
    plain, conn = [], []
    for _ in range(steps):
        plain.append(step(False))
        conn.append(step(True))
    plain_ms, conn_ms = statistics.median(plain), statistics.median(conn)
    return {
        "dataset": dataset,
        "input": "×".join(map(str, data.meta.shape)),
        "plain_ms": plain_ms,
        "conn_ms": conn_ms,
        "ratio": conn_ms / plain_ms,
        "overhead": conn_ms / plain_ms - 1.0,
        "steps": steps,
        "batch": batch,
        "threads": torch.get_num_threads(),
    }


def format_connectivity_bench(results: list[dict]) -> str:
    """Table of the step times and the overhead of the connectivity loss, one row per dataset."""
    headers = ["data", "input", "step ms (recon)", "step ms (recon + conn)", "ratio", "overhead"]
    rows = [
        [
            r["dataset"],
            r["input"],
            f"{r['plain_ms']:.3f}",
            f"{r['conn_ms']:.3f}",
            f"{r['ratio']:.3f}",
            f"{100 * r['overhead']:.1f}%",
        ]
        for r in results
    ]
    first = results[0]
    head = (
        f"corel's MLP AE (input-256-128-10), batch {first['batch']}, Adam, median process-CPU ms "
        f"of {first['steps']} alternating steps, torch threads {first['threads']}; "
        "target overhead <= 10%.\n"
    )
    return head + format_table(headers, rows)


def main(quick: bool = False) -> str:
    """Run the connectivity-overhead benchmark, print and return the table."""
    steps = 60 if quick else 300
    results = [run_connectivity_bench("digits", steps=steps)]
    try:  # MNIST from the data folder ($COREL_DATA_DIR); skipped with a note when absent
        results.append(run_connectivity_bench("mnist", steps=steps))
    except DataError as exc:
        print(f"(mnist row skipped: {exc})")
    table = format_connectivity_bench(results)
    print(table)
    return table
