"""Data shaping for the latent explorer: inputs behind a run's latents, cached projections and
densities, decoded interpolations, prior samples and denoising examples.

Everything expensive is cached in the run folder (`corel_core.store.cache.RunCache`), so a
projection is computed once per (run, method, parameters, seed) whichever page or tab asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.analysis.catalog import own_first
from corel_core.data import load_dataset
from corel_core.data.subsample import subsample_indices
from corel_core.embedding import Projection, project
from corel_core.store import Run, RunError, RunStore, RunSummary
from corel_core.store.cache import RunCache, cache_key

if TYPE_CHECKING:  # torch loads only where a model decodes: the pages import this module cheaply
    from corel_core.models import Autoencoder

KDE_FIT_CAP = 5_000  # KDE density colouring fits on at most this many codes (seeded subsample)
COLOR_CHOICES = ("label", "task", "KDE density", "reconstruction error", "none")


class ExplorerError(ValueError):
    """The explorer cannot show this run the way it was asked (no latents, bad selection, ...)."""


@dataclass(frozen=True)
class RunInputs:
    """The inputs behind each latents row, and how to show them."""

    x: np.ndarray  # (n_latents, *shape), row i is the input whose code is latents["z"][i]
    task: np.ndarray | None
    kind: str  # "image" or "points"
    classes: tuple[str, ...]


def load_images_for_run(run: Run) -> RunInputs:
    """Reload the run's dataset and pick the rows its latents.npz was computed from ("index")."""
    latents = run.load_latents()
    dataset = load_dataset(run.config.data)
    index = latents.get("index")
    if index is None:
        index = np.arange(len(latents["z"]))
    index = np.asarray(index, dtype=np.int64)
    if len(index) and int(index.max()) >= len(dataset.x):
        raise ExplorerError(
            f"run {run.id}'s latents point past the end of {dataset.meta.name} "
            f"({len(dataset.x)} samples): the dataset changed since the run was trained."
        )
    task = None if dataset.task is None else dataset.task[index]
    return RunInputs(
        x=dataset.x[index], task=task, kind=dataset.meta.kind, classes=dataset.meta.classes
    )


def color_choices(latents: dict[str, np.ndarray]) -> list[str]:
    """Colourings this run's latents support, in display order."""
    have = {
        "label": "y" in latents,
        "task": "task" in latents,
        "KDE density": True,
        "reconstruction error": "recon_error" in latents,
        "none": True,
    }
    return [name for name in COLOR_CHOICES if have[name]]


def cached_projection(
    run: Run,
    z: np.ndarray,
    method: str,
    n_components: int = 2,
    seed: int = 0,
    **params: Any,
) -> Projection:
    """`embedding.project` of the run's codes, loaded from the run's cache when computed before."""
    cache = RunCache(run)
    key = cache_key("proj", method=method, n_components=n_components, seed=seed, params=params)
    hit = cache.get(key)
    if hit is not None:
        meta, arrays = hit
        evr = meta["explained_variance_ratio"]
        return Projection(
            coords=arrays["coords"],
            method=method,
            params=meta["params"],
            explained_variance_ratio=None if evr is None else np.asarray(evr),
            n_used=int(meta["n_used"]),
            indices=arrays.get("indices"),
            note=meta["note"],
            n_total=int(meta["n_total"]),
        )
    proj = project(z, method, n_components=n_components, seed=seed, **params)
    arrays = {"coords": proj.coords}
    if proj.indices is not None:
        arrays["indices"] = proj.indices
    evr = proj.explained_variance_ratio
    meta = {
        "params": proj.params,
        "explained_variance_ratio": None if evr is None else [float(v) for v in evr],
        "n_used": proj.n_used,
        "n_total": proj.n_total,
        "note": proj.note,
    }
    cache.put(key, meta, **arrays)
    return proj


def cached_kde_density(run: Run, z: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """Log-density (Gaussian KDE, Scott's bandwidth) of every code, and a note on subsampling.

    The KDE is fitted on at most `KDE_FIT_CAP` codes (seeded subsample) and evaluated on all.
    """
    from corel_core.density import GaussianKDE

    n = len(z)
    note = ""
    if n > KDE_FIT_CAP:
        note = f"KDE fitted on a random {KDE_FIT_CAP:,} of {n:,} codes, evaluated on all."
    cache = RunCache(run)
    key = cache_key("kde", bandwidth="scott", cap=KDE_FIT_CAP, n=n, seed=seed)
    hit = cache.get(key)
    if hit is not None:
        return hit[1]["logp"], note
    fit = z[subsample_indices(n, KDE_FIT_CAP, seed)]
    logp = GaussianKDE(bandwidth="scott").fit(fit).score_samples(z).astype(np.float32)
    cache.put(key, {"n": n}, logp=logp)
    return logp, note


def color_values(
    run: Run, latents: dict[str, np.ndarray], by: str, seed: int = 0
) -> tuple[np.ndarray | None, str, str]:
    """(values per latents row or None, colour-bar/legend name, note) for a colouring choice."""
    if by == "label" and "y" in latents:
        return latents["y"].astype(np.int64), "label", ""
    if by == "task" and "task" in latents:
        return latents["task"].astype(np.int64), "task", ""
    if by == "KDE density":
        logp, note = cached_kde_density(run, latents["z"], seed)
        return logp, "log density", note
    if by == "reconstruction error" and "recon_error" in latents:
        return latents["recon_error"].astype(np.float64), "recon. error", ""
    if by == "none":
        return None, "", ""
    raise ExplorerError(f"this run's latents cannot be coloured by {by!r}.")


def decode(model: Autoencoder, z: np.ndarray, task: np.ndarray | None = None) -> np.ndarray:
    """Data-space outputs for codes `z` (n, latent_dim); the model's mode is left as it was."""
    import torch

    from corel_core.models import evaluating

    with torch.no_grad(), evaluating(model) as device:
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32), device=device)
        if zt.ndim != 2 or zt.shape[1] != model.latent_dim:
            raise ExplorerError(
                f"codes must have shape (n, {model.latent_dim}), got {tuple(zt.shape)}."
            )
        tt = None if task is None else torch.as_tensor(np.asarray(task), device=device).long()
        return model.decode(zt, tt).cpu().numpy()


def interpolate(
    model: Autoencoder,
    z_a: np.ndarray,
    z_b: np.ndarray,
    steps: int = 8,
    task: int | None = None,
) -> np.ndarray:
    """Decode `steps` codes evenly spaced on the segment from z_a to z_b (both ends included)."""
    if steps < 2:
        raise ExplorerError("an interpolation needs at least 2 steps.")
    a = np.asarray(z_a, dtype=np.float32).reshape(-1)
    b = np.asarray(z_b, dtype=np.float32).reshape(-1)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    path = (1.0 - t) * a + t * b
    tasks = None if task is None else np.full(steps, int(task), dtype=np.int64)
    return decode(model, path, tasks)


def prior_samples(
    model: Autoencoder, n: int = 16, seed: int = 0, task: int | None = None
) -> np.ndarray:
    """Decode n draws z ~ N(0, I) from the prior of a variational model."""
    if not getattr(model, "variational", False):
        raise ExplorerError("prior samples only make sense for variational models (VAE, CVAE).")
    if n < 1:
        raise ExplorerError("ask for at least one prior sample.")
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    tasks = None if task is None else np.full(n, int(task), dtype=np.int64)
    return decode(model, z, tasks)


def denoise_examples(
    model: Autoencoder,
    x: np.ndarray,
    noise: str,
    factor: float,
    seed: int = 0,
    task: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(corrupted inputs, reconstructions of them): the denoising AE's before/after."""
    if noise == "none":
        raise ExplorerError("this run was not trained with input noise.")
    import torch

    from corel_core.losses import corrupt
    from corel_core.training.runner import reconstruct

    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    gen = torch.Generator().manual_seed(seed)
    noisy = corrupt(xt, noise, factor, generator=gen, clip=xt.dim() > 2).numpy()
    return noisy, reconstruct(model, noisy, task)


def runs_with_latents(store: RunStore, owner: str | None = None) -> list[RunSummary]:
    """The store's run summaries whose folders hold latents.npz (`own_first` order)."""
    out = []
    for summary in own_first(store.list(), owner):
        try:
            if store.get(summary.id).has_latents():
                out.append(summary)
        except RunError:
            continue
    return out


__all__ = [
    "COLOR_CHOICES",
    "ExplorerError",
    "RunInputs",
    "cached_kde_density",
    "cached_projection",
    "color_choices",
    "color_values",
    "decode",
    "denoise_examples",
    "interpolate",
    "load_images_for_run",
    "prior_samples",
    "runs_with_latents",
]
