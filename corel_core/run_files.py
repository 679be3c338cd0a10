"""Downloadable forms of a run's files: raw weights and latents as CSV."""

from __future__ import annotations

import io

import numpy as np

from corel_core.runs import Run


def weights_bytes(run: Run, tag: str = "last") -> bytes:
    """The saved state_dict file exactly as stored (tensors only, loadable with weights_only)."""
    return (run.path / "weights" / f"{tag}.pt").read_bytes()


def latents_csv(run: Run) -> str:
    """Cached latents as CSV: sample index, label and task when known, then z_0 … z_{d-1}."""
    arrays = run.load_latents()
    z = arrays["z"]
    columns = [("index", arrays.get("index", np.arange(len(z))))]
    columns += [(name, arrays[name]) for name in ("y", "task") if name in arrays]
    header = [name for name, _ in columns] + [f"z_{j}" for j in range(z.shape[1])]
    table = np.column_stack([c.astype(np.float64) for _, c in columns] + [z.astype(np.float64)])
    buffer = io.StringIO()
    int_cols = len(columns)
    fmt = ["%d"] * int_cols + ["%.7g"] * z.shape[1]
    np.savetxt(buffer, table, delimiter=",", header=",".join(header), comments="", fmt=fmt)
    return buffer.getvalue()
