"""KDE views of a run's latents: bandwidth rules side by side, density maps, per-class scores.

One global bandwidth cannot fit clusters whose scales differ (the toy's Gaussians have standard
deviations 1, 3 and 0.5); per-class Scott bandwidths make that visible. 2-D codes get a log-density
map directly; higher-dimensional codes are projected to 2-D with PCA for the map, while the
per-class log-density histograms come from a Scott KDE in the full code space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corel_core.analysis.errors import LabError
from corel_core.analysis.latents import run_latents, subsample
from corel_core.store import Run

GRID = 80  # density map resolution per axis


@dataclass
class KDEViews:
    """Bandwidth rows, a 2-D log-density grid and per-class held-out log densities of one run."""

    bandwidths: list[dict[str, Any]]
    coords: np.ndarray  # (m, 2) points drawn on the map (raw 2-D codes or PCA coordinates)
    labels: np.ndarray | None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray]  # xs, ys, logp (len(ys), len(xs))
    projection: str  # "raw" or "pca"
    class_scores: dict[str, np.ndarray]
    n_used: int
    dims: int
    notes: list[str] = field(default_factory=list)


def _limits(coords: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-6)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )


def kde_views(
    run: Run, max_points: int = 2000, seed: int = 0, *, cv: bool = True, grid: int = GRID
) -> KDEViews:
    """Bandwidth table (Scott, Silverman, sklearn 'scott', η rule, CV; overall and per class),
    a log-density grid (2-D codes, else PCA to 2-D) and per-class log-density scores.

    Scores: a Scott KDE fitted on a random half of the subsample scores the other half, so no
    point scores itself.
    """
    from corel_core.density import GaussianKDE, bandwidth_table, log_density_grid
    from corel_core.embedding import project

    if max_points < 10:
        raise LabError("kde views need at least 10 points.")
    cfg = run.config
    z, y = run_latents(run)
    notes = []
    if len(z) > max_points:
        notes.append(f"a random subsample of {max_points} of {len(z)} codes is used.")
    elif len(z) < max_points:
        notes.append(f"the run has {len(z)} codes (fewer than {max_points}): all are used.")
    idx = subsample(len(z), max_points, seed)
    z = z[idx]
    y = None if y is None else y[idx]
    rows = bandwidth_table(
        z, y, cfg.loss.eta, metric=cfg.loss.metric, cv=cv, seed=seed, branches=cfg.model.branches
    )
    if z.shape[1] == 2:
        coords, projection = z, "raw"
    else:
        coords = project(z, "pca", n_components=2, seed=seed).coords.astype(np.float64)
        projection = "pca"
    map_kde = GaussianKDE(bandwidth="scott").fit(coords)
    xlim, ylim = _limits(coords)
    xs, ys, logp = log_density_grid(map_kde, xlim, ylim, n=grid)
    perm = np.random.default_rng(seed).permutation(len(z))
    fit_half, score_half = perm[: len(z) // 2], perm[len(z) // 2 :]
    scores = GaussianKDE(bandwidth="scott").fit(z[fit_half]).score_samples(z[score_half])
    if y is None:
        class_scores = {"all": scores}
    else:
        ys_half = y[score_half]
        class_scores = {f"class {int(c)}": scores[ys_half == c] for c in np.unique(ys_half)}
    return KDEViews(
        bandwidths=rows,
        coords=coords,
        labels=y,
        grid=(xs, ys, logp),
        projection=projection,
        class_scores=class_scores,
        n_used=len(z),
        dims=z.shape[1],
        notes=notes,
    )
