"""Things to take away from a run: its latents as CSV and a Python snippet that trains it again.

Figures export themselves (PNG/SVG from plotly's toolbar, see `figure_config`); configs are
`RunConfig.to_json()`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from corel_core.config import RunConfig
from corel_core.store import Run


def figure_config(fmt: str = "png", filename: str = "corel-figure") -> dict[str, Any]:
    """plotly chart config whose toolbar download button saves `fmt` ("png" or "svg")."""
    if fmt not in ("png", "svg"):
        raise ValueError("figures can be downloaded as 'png' or 'svg'.")
    options = {"format": fmt, "filename": filename, "scale": 2 if fmt == "png" else 1}
    return {"displaylogo": False, "toImageButtonOptions": options}


def latents_table(latents: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Column names and a float matrix: index, y, task, recon_error (if present), z, mu, logvar."""
    z = np.asarray(latents["z"])
    n = len(z)
    names: list[str] = []
    columns: list[np.ndarray] = []
    for key in ("index", "y", "task", "recon_error"):
        if key in latents:
            names.append(key)
            columns.append(np.asarray(latents[key], dtype=np.float64).reshape(n, 1))
    for key in ("z", "mu", "logvar"):
        if key in latents and not (key == "mu" and np.array_equal(latents[key], z)):
            block = np.asarray(latents[key], dtype=np.float64).reshape(n, -1)
            names += [f"{key}{j}" for j in range(block.shape[1])]
            columns.append(block)
    return names, np.hstack(columns)


def weights_bytes(run: Run, tag: str = "last") -> bytes:
    """The saved state_dict file exactly as stored (tensors only, loadable with weights_only)."""
    return (run.path / "weights" / f"{tag}.pt").read_bytes()


def latents_to_csv(run: Run) -> str:
    """The run's cached latents as CSV text: a header row, then one row per encoded sample.

    Integer columns (index, y, task) are written without decimals; codes with 9 significant
    digits, enough to round-trip float32 exactly.
    """
    names, table = latents_table(run.load_latents())
    ints = {"index", "y", "task"}
    fmt = ["%d" if name in ints else "%.9g" for name in names]
    buf = io.StringIO()
    np.savetxt(buf, table, delimiter=",", header=",".join(names), comments="", fmt=fmt)
    return buf.getvalue()


_SNIPPET = '''"""Train the same configuration again with corel (run from the corel repository)."""

from corel_core.config import RunConfig
from corel_core.training.runner import train_run
from corel_core.store import RunStore

CONFIG = RunConfig.from_json(
    r"""
{config_json}
"""
)

outcome = train_run(CONFIG, RunStore())  # RunStore() = COREL_RUNS_DIR or ~/.corel/runs
print(outcome.result.status, outcome.result.history[-1] if outcome.result.history else {{}})
print("run folder:", outcome.run.path)
'''


def reproduce_snippet(config: RunConfig) -> str:
    """Python source that, run from the corel repository, trains `config` again from scratch."""
    text = config.to_json()
    if '"""' in text:  # a run name with triple quotes would end the raw string early
        text = text.replace('"""', "\\u0022\\u0022\\u0022")
    return _SNIPPET.format(config_json=text)


__all__ = [
    "figure_config",
    "latents_table",
    "latents_to_csv",
    "reproduce_snippet",
]
