"""Persistence of a run's latents: a batch of b versus N ≫ b points, and densification.

The connectivity loss shapes batches of b codes so their H0 deaths sit near η (Hofer et al.,
ICML 2019); when N ≫ b codes are embedded they fill in and deaths / NN distances drop below η.
Each view looks at ONE branch (branch 0 by default): the loss acts on each 10-D branch on its
own, so the whole 160-D code would mix 16 independent geometries. Pass branch=None for all dims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from corel_core.analysis.errors import LabError
from corel_core.analysis.latents import branch_block, run_latents, subsample
from corel_core.store import Run

H1_MAX_POINTS = 1000  # ripser H1 on 1,000 10-D points takes seconds; beyond that, minutes


def h0_diagram(points: np.ndarray, metric: str = "l1") -> np.ndarray:
    """Exact H0 diagram (births 0, MST deaths, one infinite bar) via vr0_persistence."""
    from corel_core.topology import vr0_persistence

    deaths = vr0_persistence(torch.as_tensor(points, dtype=torch.float64), metric).deaths.numpy()
    finite = np.column_stack([np.zeros_like(deaths), deaths])
    return np.vstack([finite, [[0.0, np.inf]]])


def cloud_diagrams(
    points: np.ndarray, metric: str = "l1", max_h1_points: int = H1_MAX_POINTS, seed: int = 0
) -> dict[int, np.ndarray]:
    """H0 (exact, every point) and H1 (ripser on at most max_h1_points points) of a cloud."""
    from corel_core.topology import diagrams

    h1 = diagrams(points, max_dim=1, metric=metric, max_points=max_h1_points, seed=seed)
    return {0: h0_diagram(points, metric), 1: h1[1]}


@dataclass
class PersistenceViews:
    """Diagrams of a batch of b latents and of N ≫ b latents of one run (one branch)."""

    batch: dict[int, np.ndarray]
    large: dict[int, np.ndarray]
    n_batch: int
    n_large: int
    n_h1_large: int
    eta: float
    metric: str
    branch: int | None
    dims: int
    notes: list[str] = field(default_factory=list)

    def death_summary(self) -> list[dict[str, Any]]:
        """Rows per cloud: finite H0 deaths' min/mean/max, share below η, H1 bar count."""
        rows = []
        for name, dg, n in (
            ("batch", self.batch, self.n_batch),
            ("large", self.large, self.n_large),
        ):
            d = dg[0][np.isfinite(dg[0][:, 1]), 1]
            rows.append(
                {
                    "cloud": f"{name} (N = {n})",
                    "min": float(d.min()) if d.size else float("nan"),
                    "mean": float(d.mean()) if d.size else float("nan"),
                    "max": float(d.max()) if d.size else float("nan"),
                    "share_below_eta": float((d < self.eta).mean()) if d.size else float("nan"),
                    "h1_bars": len(dg[1]),
                }
            )
        return rows


def persistence_views(
    run: Run,
    n_batch: int = 100,
    n_large: int = 2000,
    seed: int = 0,
    *,
    branch: int | None = 0,
    max_h1_points: int = H1_MAX_POINTS,
) -> PersistenceViews:
    """H0/H1 diagrams of a random batch of n_batch codes and of n_large codes of the run.

    H0 is exact on every point (vr0_persistence, the run's metric); H1 comes from ripser on at
    most max_h1_points of them. Codes are the run's cached latents, restricted to `branch`.
    """
    if n_batch < 2 or n_large < 2:
        raise LabError("both clouds need at least 2 points.")
    cfg = run.config
    z, _ = run_latents(run)
    z = branch_block(z, cfg.model.branches, branch)
    notes = []
    if n_large > len(z):
        notes.append(f"Only {len(z)} latents are cached, so the large cloud has {len(z)} points.")
    if n_batch > len(z):
        raise LabError(f"a batch of {n_batch} needs more than the {len(z)} cached latents.")
    metric = cfg.loss.metric
    big_idx = subsample(len(z), n_large, seed)
    batch_idx = subsample(len(z), n_batch, seed + 1)
    large = cloud_diagrams(z[big_idx], metric, max_h1_points, seed)
    if len(big_idx) > max_h1_points:
        notes.append(f"H1 of the large cloud uses {max_h1_points} of its {len(big_idx)} points.")
    return PersistenceViews(
        batch=cloud_diagrams(z[batch_idx], metric, max_h1_points, seed),
        large=large,
        n_batch=len(batch_idx),
        n_large=len(big_idx),
        n_h1_large=min(len(big_idx), max_h1_points),
        eta=cfg.loss.eta,
        metric=metric,
        branch=branch,
        dims=z.shape[1],
        notes=notes,
    )


@dataclass
class Densification:
    """Nearest-neighbour distances within nested subsets of growing size, against η."""

    nn: dict[int, np.ndarray]
    eta: float
    metric: str
    branch: int | None

    def table(self) -> list[dict[str, Any]]:
        """Rows per size: median and mean NN distance, share of points with a neighbour ≤ η."""
        return [
            {
                "N": int(s),
                "median": float(np.median(d)),
                "mean": float(d.mean()),
                "share_within_eta": float((d <= self.eta).mean()),
            }
            for s, d in sorted(self.nn.items())
        ]


def densification(
    run: Run,
    sizes: Sequence[int] = (100, 500, 1000, 2000, 5000),
    seed: int = 0,
    *,
    branch: int | None = 0,
) -> Densification:
    """NN distances (run's metric, one branch) within nested random subsets of each size.

    Sizes above the number of cached latents are skipped.
    """
    from corel_core.density import DensityError, nearest_neighbor_distances

    cfg = run.config
    z, _ = run_latents(run)
    z = branch_block(z, cfg.model.branches, branch)
    try:
        nn = nearest_neighbor_distances(z, cfg.loss.metric, sizes, seed)
    except DensityError as exc:
        raise LabError(str(exc)) from exc
    return Densification(nn=nn, eta=cfg.loss.eta, metric=cfg.loss.metric, branch=branch)
