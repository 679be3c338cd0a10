"""Small file and process helpers: atomic writes, JSON cleaning, process liveness.

Used by the run store so that a reader, or a writer killed with SIGKILL, never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import numpy as np

_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
_last_stamp = _EARLIEST
_stamp_lock = threading.Lock()


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string with microseconds.

    Strictly increasing within a process (a call in the same microsecond as the previous one gets
    one microsecond more), so two runs created back to back always list in creation order.
    """
    global _last_stamp
    with _stamp_lock:
        _last_stamp = max(datetime.now(timezone.utc), _last_stamp + timedelta(microseconds=1))
        return _last_stamp.isoformat(timespec="microseconds")


def _parse_stamp(stamp: Any) -> datetime | None:
    """An ISO-8601 time stamp of any precision as an aware datetime (UTC when it names no zone)."""
    try:
        then = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return then if then.tzinfo is not None else then.replace(tzinfo=timezone.utc)


def created_order(stamp: Any) -> datetime:
    """A sort key for an ISO-8601 time stamp of any precision; unparsable stamps sort first."""
    return _parse_stamp(stamp) or _EARLIEST


def age_seconds(stamp: Any) -> float:
    """Seconds since an ISO-8601 time stamp (inf when it cannot be parsed)."""
    then = _parse_stamp(stamp)
    return math.inf if then is None else (datetime.now(timezone.utc) - then).total_seconds()


def process_start(pid: int) -> str | None:
    """Start time of a process (Linux /proc), to tell a live owner from a recycled pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def pid_alive(pid: int, start: str | None = None) -> bool:
    """Whether process pid exists on this host, is not a zombie and (if known) started at start."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        if state in ("Z", "X"):
            return False
    except OSError:
        pass
    current = process_start(pid)
    return not (start and current and current != start)


def clean_json(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become None, numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces `path` only once fully written and fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json(path: Path, obj: Any) -> None:
    """Write obj as JSON atomically."""
    data = json.dumps(clean_json(obj), indent=2, sort_keys=True, allow_nan=False).encode()
    with atomic_writer(path) as fh:
        fh.write(data)
