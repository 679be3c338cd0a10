"""The autoencoder lessons: presets grouped into side-by-side comparisons, and their results.

A lesson's result is read back from the run store (the newest finished run made from its preset),
so a reload, a second tab or a CLI run (`python -m corel_core train --preset NAME`) shows it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from corel_core.data import load_dataset
from corel_core.presets import PRESETS
from corel_core.store import Run, RunError, RunStore
from corel_core.training.runner import load_trained_model, preview_indices, reconstruct

FINISHED = ("completed", "stopped", "diverged")


@dataclass(frozen=True)
class LessonGroup:
    """Presets shown side by side because together they answer one question."""

    title: str
    intro: str
    presets: tuple[str, ...]


LESSON_GROUPS: tuple[LessonGroup, ...] = (
    LessonGroup(
        "How wide should the code be?",
        "The same MLP with a 2-D and a 128-D code: compare final reconstruction losses and the "
        "reconstructions of the same digits.",
        ("undercomplete", "overcomplete"),
    ),
    LessonGroup(
        "Regularised autoencoders",
        "Three ways to stop an autoencoder from merely copying: corrupt its input, penalise its "
        "Jacobian, or make its code sparse.",
        ("denoising", "contractive", "sparse"),
    ),
    LessonGroup(
        "Linear autoencoder and PCA",
        "No nonlinearity, squared error: the decoder should span the top principal components. "
        "The section below measures the principal angles.",
        ("linear_pca",),
    ),
    LessonGroup(
        "Variational autoencoder",
        "A KL term to N(0, I) turns the code into a distribution you can sample from; open the "
        "latent explorer to decode prior samples.",
        ("vae",),
    ),
    LessonGroup(
        "Topology: the connectivity loss",
        "The official COREL tutorial on the three-Gaussians toy: no reconstruction, only the "
        "loss on the batch's 0-dim persistence.",
        ("toy_connectivity",),
    ),
)


def lesson_presets() -> list[str]:
    """Names of every preset that appears in a lesson group, in page order."""
    names = [name for group in LESSON_GROUPS for name in group.presets]
    missing = [n for n in names if n not in PRESETS]
    if missing:
        raise KeyError(f"lesson groups name unknown presets: {', '.join(missing)}")
    return names


def latest_run(store: RunStore, preset: str) -> Run | None:
    """The newest finished run of `preset` that has saved weights, or None."""
    for summary in store.list():
        if summary.preset == preset and summary.status in FINISHED:
            run = store.get(summary.id)
            if run.weight_tags():
                return run
    return None


@dataclass
class LessonResult:
    """What a lesson card shows once its run has finished."""

    run_id: str
    status: str
    final: dict[str, float]  # last epoch's metrics (recon, total, each term)
    kind: str  # "image" or "points"
    original: np.ndarray  # fixed preview samples
    recon: np.ndarray  # their reconstructions
    z: np.ndarray | None = field(default=None, repr=False)  # cached codes (points lessons)
    y: np.ndarray | None = field(default=None, repr=False)


def lesson_result(run: Run) -> LessonResult:
    """Final metrics and reconstructions of the run's fixed preview samples (seeded like the
    live preview, so the grid matches what the job showed while training)."""
    config = run.config
    dataset = load_dataset(config.data)
    model = load_trained_model(run)
    index = preview_indices(len(dataset.x), seed=config.train.seed)
    task = None if dataset.task is None else dataset.task[index]
    final = {
        k: float(v)
        for k, v in run.final_metrics().items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    z = y = None
    if run.has_latents():
        try:
            latents = run.load_latents()
            z, y = latents.get("z"), latents.get("y")
        except RunError:
            pass
    return LessonResult(
        run_id=run.id,
        status=run.status,
        final=final,
        kind=dataset.meta.kind,
        original=dataset.x[index],
        recon=reconstruct(model, dataset.x[index], task),
        z=z,
        y=y,
    )


__all__ = [
    "LESSON_GROUPS",
    "LessonGroup",
    "LessonResult",
    "latest_run",
    "lesson_presets",
    "lesson_result",
]
