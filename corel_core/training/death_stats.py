"""Death statistics of the connectivity loss as a trainer callback (the trainer knows no loss).

An objective that computes the 0-dim persistence of each batch (COREL's connectivity loss, Hofer
et al., ICML 2019) leaves that batch's finite death times in ``objective.last_deaths``. This
callback averages each batch's (min, mean, max) death time over the epoch into the history row
(``death_min``, ``death_mean``, ``death_max``, in latent distance units) and hands the last
batch's deaths to epoch listeners as ``info.extras["deaths"]``. Objectives without deaths leave
the row untouched.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import Tensor

from corel_core.training.trainer import BatchInfo, Callback, Trainer


class DeathStatistics(Callback):
    """Collects per-batch death statistics; adds their epoch means to the history row."""

    def __init__(self) -> None:
        self._stats: list[tuple[float, float, float]] = []
        self._last: np.ndarray | None = None

    def on_train_start(self, trainer: Trainer) -> None:
        self._stats, self._last = [], None

    def on_batch_end(self, trainer: Trainer, info: BatchInfo) -> None:
        deaths = getattr(trainer.objective, "last_deaths", None)
        if isinstance(deaths, Tensor) and deaths.numel() > 0:
            last = deaths.detach().float().cpu().reshape(-1).numpy().copy()
            self._stats.append((float(last.min()), float(last.mean()), float(last.max())))
            self._last = last

    def on_epoch_row(self, trainer: Trainer, row: dict[str, float], extras: dict[str, Any]) -> None:
        if self._stats:
            stats = np.asarray(self._stats).mean(axis=0)
            row["death_min"], row["death_mean"], row["death_max"] = map(float, stats)
            extras["deaths"] = self._last
        self._stats, self._last = [], None
