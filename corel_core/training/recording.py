"""RunRecorder: the callback that writes a training run into the run store as it goes."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from corel_core.store import Run, RunError
from corel_core.training.trainer import BatchInfo, Callback, EpochInfo, TrainResult

if TYPE_CHECKING:
    from corel_core.training.trainer import Trainer


class RunRecorder(Callback):
    """Writes status, one metrics line and the "last" (and "best") weights per completed epoch.

    Because the trainer only reports completed epochs, weights "last" is always the last good state,
    even after a divergence or a kill. Heartbeats on batch end are throttled to `heartbeat_every` s.
    """

    def __init__(self, run: Run, heartbeat_every: float = 2.0, best_key: str | None = "total"):
        self.run = run
        self.heartbeat_every = heartbeat_every
        self.best_key = best_key
        self.best_value = math.inf
        self._last_beat = 0.0

    def on_train_start(self, trainer: Trainer) -> None:
        """Mark the run as running and owned by this process."""
        self.run.set_status("running", f"training on {trainer.device}.")
        self._last_beat = time.monotonic()

    def on_batch_end(self, trainer: Trainer, info: BatchInfo) -> None:
        """Refresh the heartbeat at most every `heartbeat_every` seconds."""
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat_every:
            self.run.heartbeat()
            self._last_beat = now

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        """Save weights, then the metrics line: a killed run never lists an unsaved epoch.

        A disk error (full, read-only, a file where the weights folder should be) becomes a
        RunError saying what could not be saved; the trainer then records the run as failed.
        """
        state = trainer.model.state_dict()
        try:
            self.run.save_weights(state, "last")
            value = info.metrics.get(self.best_key) if self.best_key else None
            if value is not None and math.isfinite(value) and value < self.best_value:
                self.best_value = value
                self.run.save_weights(state, "best")
            self.run.append_epoch(info.metrics)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            where = exc.filename or self.run.path
            raise RunError(
                f"could not save epoch {info.epoch + 1} of run {self.run.id} ({reason}: {where}); "
                "training stopped and the epochs saved before it are kept."
            ) from exc
        self._last_beat = time.monotonic()

    def on_pause(self, trainer: Trainer) -> None:
        """Show the run as paused."""
        self.run.set_status("paused", f"paused during epoch {trainer.epoch + 1}.")

    def on_resume(self, trainer: Trainer) -> None:
        """Show the run as running again."""
        self.run.set_status("running", f"training on {trainer.device}.")

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        """Record the final status and message (if the disk still lets us write it)."""
        try:
            self.run.set_status(result.status, result.message)
        except OSError:
            if result.status != "failed":
                raise
            # the run's own error is already propagating; a dead owner reads "interrupted"
