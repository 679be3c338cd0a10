"""A job's progress: the worker writes it, the server keeps the latest state for pages to read.

Generic on purpose: `done` / `total` / `message`, plus named values a job sets (replacing the old
value) or appends to (a list, e.g. one row per epoch). The worker side (`ProgressWriter`) only
collects changes; a flusher sends them to the server at most every `interval` seconds as one
message, so a loop reporting thousands of steps per second costs ten small messages a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

BASE_KEYS = ("done", "total", "message")
# names the job record itself uses in a snapshot; a job cannot overwrite them
RESERVED = (
    "id",
    "label",
    "status",
    "lane",
    "owner",
    "key",
    "pid",
    "submitted",
    "started",
    "finished",
    "exitcode",
)


class ProgressError(ValueError):
    """A job tried to write a progress value under a name the job record reserves."""


def _check_key(key: str) -> str:
    if not isinstance(key, str) or key in RESERVED:
        raise ProgressError(f"{key!r} cannot be a progress name; it is reserved or not a string.")
    return key


class ProgressWriter:
    """The worker's side: set_total / set_done / set_message / set / append, sent in batches.

    `send` gets one dict {"set": {name: value}, "append": [(name, value), ...]}; later values of
    a name replace earlier ones within a batch, appends keep their order.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], interval: float = 0.1) -> None:
        self._send = send
        self.interval = interval
        self._lock = threading.Lock()
        self._sets: dict[str, Any] = {}
        self._appends: list[tuple[str, Any]] = []
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def set_total(self, total: float) -> None:
        """How many units the job will do (epochs, percent, ...)."""
        self.set("total", total)

    def set_done(self, done: float) -> None:
        """How many units are done."""
        self.set("done", done)

    def set_message(self, message: str) -> None:
        """A short line for the page ("loading data…")."""
        self.set("message", str(message))

    def set(self, key: str, value: Any) -> None:
        """Replace the value under `key` (any picklable value: numbers, lists, arrays)."""
        _check_key(key)
        with self._lock:
            self._sets[key] = value

    def append(self, key: str, value: Any) -> None:
        """Append `value` to the list under `key`."""
        _check_key(key)
        with self._lock:
            self._appends.append((key, value))

    def flush(self) -> None:
        """Send what changed since the last flush (nothing when nothing changed)."""
        with self._lock:
            if not self._sets and not self._appends:
                return
            batch = {"set": self._sets, "append": self._appends}
            self._sets, self._appends = {}, []
            self._send(batch)  # under the lock: batches leave in the order they were made

    def start(self) -> None:
        """Flush every `interval` seconds from a daemon thread until close()."""

        def loop() -> None:
            while not self._closed.wait(self.interval):
                try:
                    self.flush()
                except (OSError, EOFError):  # the server is gone; the worker notices elsewhere
                    return

        self._thread = threading.Thread(target=loop, name="corel-progress", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the flusher thread and send what is left."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()


class JobProgress:
    """The server's side: the latest progress of one job; every method takes the job's lock."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.values: dict[str, Any] = {"done": 0, "total": 0, "message": ""}

    def apply(self, batch: dict[str, Any]) -> None:
        """Apply one batch sent by a ProgressWriter."""
        with self._lock:
            for key, value in batch.get("set", {}).items():
                self.values[key] = value
            for key, value in batch.get("append", []):
                current = self.values.get(key)
                # a new list each time: snapshots handed out earlier never change under a reader
                self.values[key] = [*current, value] if isinstance(current, list) else [value]

    def set_message(self, message: str) -> None:
        """Set the message from the server side (queued, cancelled, worker died, ...)."""
        with self._lock:
            self.values["message"] = str(message)

    def view(self) -> dict[str, Any]:
        """A copy of the values; call with the job's lock held.

        Values are replaced, never changed in place, and lists and dicts are copied one level
        deep, so a reader that edits its view changes nothing here (arrays are shared: read them).
        """
        return {
            k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
            for k, v in self.values.items()
        }
