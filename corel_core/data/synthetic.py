"""A built-in, offline two-task set with a known shared latent, for the task-dependency experiment.

Both tasks draw a 2-D latent u from one distribution: five Gaussian clusters (sd 0.3) on a circle
of radius 2, the cluster index being the label, classes balanced. A task renders u into x in 32
dimensions through one random ReLU layer whose bias the task shifts, plus unit Gaussian noise:

    x = A · relu(W u + b − s · δ) + ε,    ε ~ N(0, I_32),    s ∈ {0 (source), 1 (target)},

with W (64×2), b (64), A (32×64) and δ ≥ 0 (64) fixed once by `WORLD_SEED`, the same for every
data seed. The target's shift δ switches hidden units off, so its x carries less information about
u in places, and the shift enters where a CVAE's decoder receives the task (its first layer's
input), so one decoder can render both tasks from one shared code. The data are real-valued:
models use a Gaussian decoder with unit variance, which matches the noise.

This is where the effect of Takahashi et al. (KDD 2022) shows on a CPU in minutes: a CVAE with
the N(0, I) prior pulls the target's less informative codes towards the origin, between the
source clusters, and so encodes the task in z; the learned optimal prior q(z) pulls them onto the
source clusters instead (see README, "Task dependency").
"""

from __future__ import annotations

import numpy as np

from .base import DataError, DatasetMeta, Loaded

WORLD_SEED = 20220814  # fixes the rendering maps; the data seed only draws the samples
N_CLUSTERS = 5
CLUSTER_RADIUS = 2.0
CLUSTER_SD = 0.3
LATENT_DIM = 2
HIDDEN = 64
DIM = 32
SIGNAL = 1.5  # scale of the read-out matrix A (entries N(0, SIGNAL² / HIDDEN))
SHIFT = 2.0  # scale of the target's bias shift δ = SHIFT · |N(0, 1)|
NOISE = 1.0  # standard deviation of the observation noise ε
SOURCE_SIZE = 5000  # source points generated (training, then held-out ones)
TASK_NAMES = ("synthetic", "shifted")
_LICENCE = "synthetic, generated locally (no licence needed)"


def rendering_maps() -> dict[str, np.ndarray]:
    """The fixed maps W (64, 2), b (64,), A (32, 64) and shift δ (64,) >= 0, from WORLD_SEED."""
    rng = np.random.default_rng(WORLD_SEED)
    return {
        "W": rng.normal(0.0, 1.0, (HIDDEN, LATENT_DIM)),
        "b": rng.uniform(-1.5, 1.5, HIDDEN),
        "A": rng.normal(0.0, SIGNAL / np.sqrt(HIDDEN), (DIM, HIDDEN)),
        "shift": SHIFT * np.abs(rng.normal(0.0, 1.0, HIDDEN)),
    }


def cluster_centres() -> np.ndarray:
    """(N_CLUSTERS, 2) centres of the latent clusters, evenly spaced on the circle."""
    angle = 2.0 * np.pi * np.arange(N_CLUSTERS) / N_CLUSTERS
    return CLUSTER_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def draw_latents(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n latents u (n, 2) float64 and their cluster labels (n,) int64, classes balanced."""
    labels = rng.permutation(np.arange(n) % N_CLUSTERS)
    u = cluster_centres()[labels] + CLUSTER_SD * rng.standard_normal((n, LATENT_DIM))
    return u, labels.astype(np.int64)


def render(u: np.ndarray, task: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """x (n, 32) of latents u (n, 2) in task 0 or 1; noiseless (the mean) when rng is None."""
    if task not in (0, 1):
        raise DataError(f"task must be 0 (source) or 1 (target), not {task!r}.")
    maps = rendering_maps()
    hidden = np.maximum(u @ maps["W"].T + maps["b"] - task * maps["shift"], 0.0)
    x = hidden @ maps["A"].T
    if rng is not None:
        x = x + NOISE * rng.standard_normal(x.shape)
    return x


def draw_task(n: int, task: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n samples of one task from its own stream of `seed`: x (n, 32), labels (n,), u (n, 2)."""
    rng = np.random.default_rng([seed, task])
    u, labels = draw_latents(n, rng)
    return render(u, task, rng), labels, u


def load_synthetic_two_task(n_target: int = 100, seed: int = 0) -> Loaded:
    """Task 0: SOURCE_SIZE source points; task 1: `n_target` target points; float32, seeded.

    Raises:
        DataError: n_target < 1.
    """
    if n_target < 1:
        raise DataError("n_target must be at least 1 point.")
    x_source, y_source, _ = draw_task(SOURCE_SIZE, 0, seed)
    x_target, y_target, _ = draw_task(n_target, 1, seed)
    meta = DatasetMeta(
        name="synthetic_shifted",
        kind="points",
        shape=(DIM,),
        classes=tuple(f"cluster {k}" for k in range(N_CLUSTERS)),
        source=(
            f"task 0: {SOURCE_SIZE} points, task 1: {n_target} points; a shared 2-D latent "
            f"({N_CLUSTERS} clusters on a circle) rendered into {DIM} dimensions by one ReLU "
            "layer whose bias the target task shifts, plus N(0, I) noise"
        ),
        licence=_LICENCE,
        task_names=TASK_NAMES,
    )
    return Loaded(
        x=np.concatenate([x_source, x_target]).astype(np.float32),
        y=np.concatenate([y_source, y_target]),
        task=np.repeat(np.arange(2, dtype=np.int64), (SOURCE_SIZE, n_target)),
        meta=meta,
    )
