"""Thread-safe pause/resume/stop switches that a training loop checks between batches."""

from __future__ import annotations

import threading


class TrainingControl:
    """Flags set from any thread (the UI, a job manager) and read by the training loop."""

    def __init__(self) -> None:
        self._running = threading.Event()  # set = not paused
        self._running.set()
        self._stopped = threading.Event()

    def pause(self) -> None:
        """Ask the loop to wait before its next batch."""
        self._running.clear()

    def resume(self) -> None:
        """Let a paused loop continue."""
        self._running.set()

    def stop(self) -> None:
        """Ask the loop to end after the current batch; also wakes a paused loop."""
        self._stopped.set()
        self._running.set()

    @property
    def is_paused(self) -> bool:
        """True while paused and not stopped."""
        return not self._running.is_set() and not self._stopped.is_set()

    @property
    def is_stopped(self) -> bool:
        """True once stop() was called."""
        return self._stopped.is_set()

    def wait_if_paused(self, timeout: float | None = None) -> bool:
        """Block while paused until resume() or stop(); return True when free to continue.

        With a timeout, returns False if still paused when it runs out.
        """
        return self._running.wait(timeout)
