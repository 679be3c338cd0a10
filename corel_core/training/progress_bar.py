"""A terminal progress bar as a trainer callback (used by the CLI)."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class ProgressBar:
    """One tqdm bar over all batches of all epochs, showing the latest losses."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self._bar: tqdm | None = None

    def on_train_start(self, trainer: Any) -> None:
        self._bar = None

    def on_batch_end(self, trainer: Any, info: Any) -> None:
        if self._bar is None:
            self._bar = tqdm(total=self.epochs * info.n_batches, file=sys.stderr, unit="batch")
        self._bar.update(1)
        self._bar.set_description(f"epoch {info.epoch + 1}/{self.epochs}")
        self._bar.set_postfix({k: f"{v:.4g}" for k, v in list(info.terms.items())[:3]})

    def on_epoch_end(self, trainer: Any, info: Any) -> None:
        pass

    def on_train_end(self, trainer: Any, result: Any) -> None:
        if self._bar is not None:
            self._bar.close()
