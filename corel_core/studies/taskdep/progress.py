"""Per-model progress of a task-dependency experiment, safe to write from a worker thread.

`StageProgress` is the `progress(stage, done, total)` callback `run_taskdep` expects. It keeps the
latest (done, total) of every stage under a lock and, when given a store, mirrors them to the
experiment's progress.json (throttled) so a reload or a second browser tab sees them too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from corel_core.store.experiments import TaskDepStore
from corel_core.studies.taskdep.config import MODEL_LABELS

#: What people see for each progress stage besides the models: (name, unit counted).
STAGE_NAMES = {
    "data": ("Held-out data", "seeds"),
    "evaluation": ("Scoring on held-out data (MI, likelihoods)", "models done"),
}


def stage_text(stage: str, done: int, total: int) -> str:
    """'VAE: 12/33 epochs and scoring steps' — a stage's progress in words."""
    name, unit = STAGE_NAMES.get(
        stage, (MODEL_LABELS.get(stage, stage), "epochs and scoring steps")
    )
    return f"{name}: {done}/{total} {unit}"


class StageProgress:
    """Callable progress table: stage -> (done, total), plus a status line."""

    def __init__(
        self,
        store: TaskDepStore | None = None,
        exp_id: str | None = None,
        config: dict[str, Any] | None = None,
        on_message: Callable[[str], None] | None = None,
        min_interval: float = 0.5,
    ) -> None:
        self._lock = threading.Lock()
        self._stages: dict[str, list[int]] = {}
        self._status = "running"
        self._message = ""
        self._store, self._exp_id, self._config = store, exp_id, config or {}
        self._on_message = on_message
        self._min_interval = min_interval
        self._last_write = 0.0
        self._last_stage = ""

    def expect(self, stages: list[tuple[str, int]]) -> None:
        """List `stages` (name, total) at 0 done, in this order, before any has started."""
        with self._lock:
            for stage, total in stages:
                self._stages.setdefault(str(stage), [0, int(total)])
        self._persist(force=True)

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Record that `stage` has `done` of `total` units finished."""
        message = stage_text(stage, done, total)
        with self._lock:
            new_stage = str(stage) != self._last_stage  # e.g. "scoring" starts: say so at once
            self._last_stage = str(stage)
            self._stages[str(stage)] = [int(done), int(total)]
            self._message = message
        if self._on_message is not None:
            self._on_message(message)
        self._persist(force=done >= total or new_stage)

    def finish(self, status: str, message: str = "") -> None:
        """Mark the experiment finished ("completed", "stopped" or "failed") and persist."""
        with self._lock:
            self._status, self._message = status, message or self._message
        self._persist(force=True)

    def snapshot(self) -> dict[str, Any]:
        """A copy of status, message, per-stage counts and the experiment's config."""
        with self._lock:
            return {
                "status": self._status,
                "message": self._message,
                "stages": {k: list(v) for k, v in self._stages.items()},
                "order": list(self._stages),  # the file's keys are sorted
                "config": dict(self._config),
                "updated": time.time(),
            }

    def _persist(self, force: bool = False) -> None:
        if self._store is None or self._exp_id is None:
            return
        now = time.monotonic()
        if not force and now - self._last_write < self._min_interval:
            return
        self._last_write = now
        self._store.write_progress(self._exp_id, self.snapshot())
