"""Reading a run's cached latents the way the lab needs them: one branch, a seeded subsample.

The connectivity loss acts on each branch (a contiguous block of D / branches dims) on its own, so
topology views look at one branch (branch 0 by default) unless the whole code is asked for.
"""

from __future__ import annotations

import numpy as np

from corel_core.analysis.errors import LabError
from corel_core.store import Run, RunError


def run_latents(run: Run) -> tuple[np.ndarray, np.ndarray | None]:
    """The run's cached codes z (N, D) as float64 and their labels (or None)."""
    try:
        arrays = run.load_latents()
    except RunError as exc:
        raise LabError(
            f"run {run.id} has no saved latents; let it finish training (or retrain it)."
        ) from exc
    if "z" not in arrays:
        raise LabError(f"the latents of run {run.id} hold no codes 'z'.")
    z = np.asarray(arrays["z"], dtype=np.float64)
    y = arrays.get("y")
    return z, None if y is None else np.asarray(y, dtype=np.int64)


def branch_block(z: np.ndarray, branches: int, branch: int | None) -> np.ndarray:
    """Columns of one branch (contiguous block of D / branches dims), or all of z for None."""
    if branch is None:
        return z
    if branches < 1 or z.shape[1] % branches:
        raise LabError(f"{z.shape[1]} latent dims cannot be split into {branches} branches.")
    if not 0 <= branch < branches:
        raise LabError(f"branch must be between 0 and {branches - 1}, not {branch}.")
    width = z.shape[1] // branches
    return z[:, branch * width : (branch + 1) * width]


def subsample(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of a seeded uniform subset of min(n, size) rows."""
    if size < 1:
        raise LabError(f"a sample size must be at least 1, not {size}.")
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def project_2d(z: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(n, d) codes → (n, 2) coordinates and axis names.

    d = 1: the code against zeros; d = 2: the codes as they are ("z₁", "z₂"); d > 2: the first
    two principal components of the centred codes, named with their share of the variance
    ("PC1 (43 %)"), each component's sign chosen so its largest loading is positive.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or len(z) == 0:
        raise ValueError(f"codes must be a non-empty (n, d) array, not shape {z.shape}.")
    if z.shape[1] == 1:
        return np.column_stack([z[:, 0], np.zeros(len(z))]), ["z₁", ""]
    if z.shape[1] == 2:
        return z.copy(), ["z₁", "z₂"]
    centred = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    vt = vt[:2]
    signs = np.sign(vt[np.arange(2), np.argmax(np.abs(vt), axis=1)])
    vt = vt * np.where(signs == 0, 1.0, signs)[:, None]
    total = float((s**2).sum())
    shares = (s[:2] ** 2) / total if total > 0 else np.zeros(2)
    names = [f"PC{i + 1} ({shares[i]:.0%})".replace("%", " %") for i in range(2)]
    return centred @ vt.T, names
