"""Pause / resume / stop switches shared between the server and one worker process.

The two flags live in a lock-free shared byte array (`multiprocessing.RawArray`): a worker killed
at any instant can never leave a lock held that the server would then wait on forever (which a
`multiprocessing.Event`, built on a shared lock, could). The worker polls the flags between steps,
so a switch takes effect within one step plus `POLL_S`.
"""

from __future__ import annotations

import time
from multiprocessing.context import BaseContext
from typing import Any

POLL_S = 0.05  # how often a paused worker looks at its flags again (seconds)
_PAUSED, _STOPPED = 0, 1


class JobControl:
    """Flags set by the server (or the job itself) and read by a job's loop.

    The interface matches `corel_core.training.TrainingControl`, so a trainer in a worker process
    takes a JobControl where the CLI passes a TrainingControl.
    """

    def __init__(self, ctx: BaseContext | None = None) -> None:
        if ctx is None:
            from multiprocessing import get_context

            ctx = get_context()
        self._flags: Any = ctx.RawArray("b", 2)  # zero-initialised: running, not stopped

    def pause(self) -> None:
        """Ask the loop to wait before its next step."""
        self._flags[_PAUSED] = 1

    def resume(self) -> None:
        """Let a paused loop continue."""
        self._flags[_PAUSED] = 0

    def stop(self) -> None:
        """Ask the loop to end after its current step; also ends a pause."""
        self._flags[_STOPPED] = 1
        self._flags[_PAUSED] = 0

    @property
    def is_paused(self) -> bool:
        """True while paused and not stopped."""
        return bool(self._flags[_PAUSED]) and not self._flags[_STOPPED]

    @property
    def is_stopped(self) -> bool:
        """True once stop() was called."""
        return bool(self._flags[_STOPPED])

    def wait_if_paused(self, timeout: float | None = None) -> bool:
        """Block while paused until resume() or stop(); True when free to continue.

        With a timeout (seconds), returns False if still paused when it runs out.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_paused:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        return True
