"""Ids of folders in the stores: "<yyyymmdd>-<hhmmss>-<slug>-<4 hex>", minted without races.

Runs, task-dependency experiments and sweeps all name their folders this way, so an id sorts by
creation time, says what it holds, and can never contain a path separator or "..".
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path

ID_RE = re.compile(r"^\d{8}-\d{6}-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{4}$")
ID_EXAMPLE = "20260101-120000-digits-mlp-1a2b"


def is_id(text: object) -> bool:
    """Whether `text` is a string of the id form (safe to join to a store root)."""
    return isinstance(text, str) and ID_RE.fullmatch(text) is not None


def slugify(text: str, max_len: int = 40, default: str = "run") -> str:
    """Lower-case letters/digits joined by single dashes; `default` when nothing is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_len].strip("-")
    return slug or default


def new_folder(root: Path, slug: str, error: type[Exception]) -> Path:
    """Create and return a fresh folder <root>/<id> (mkdir is the lock: no two callers share one).

    Raises `error` after 100 collisions (16 random bits in the same second, in practice never).
    """
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = root / f"{stamp}-{slug}-{secrets.token_hex(2)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise error("could not find a free id; try again.")  # pragma: no cover


def child_ids(root: Path) -> list[str]:
    """Ids of the id-named folders under `root`, newest first (other entries are ignored)."""
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if is_id(p.name) and p.is_dir()), reverse=True)
