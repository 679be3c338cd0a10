"""Task-dependency experiments on disk: <runs root>/taskdep/<experiment id>/.

Each folder holds result.json (the `TaskDepResult`), progress.json (per-model progress while it
runs) and latents.npz (held-out codes of the first seed, for the latent plot). The folder sits
inside the run store's root, so the app and the CLI see the same experiments; the run store
itself ignores it (its name is not a run id).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from corel_core.store import default_runs_dir
from corel_core.store.files import atomic_writer, write_json
from corel_core.store.ids import child_ids, is_id, new_folder, slugify

SUBDIR = "taskdep"
#: the `preset` field of the runs a task-dependency experiment trains (it names no preset)
RUN_PRESET = "taskdep"


class TaskDepStoreError(ValueError):
    """An experiment id is malformed or no such experiment exists."""


class TaskDepStore:
    """All task-dependency experiments under <root>/taskdep (root: the run store's root)."""

    def __init__(self, root: str | Path | None = None) -> None:
        base = Path(root).expanduser() if root is not None else default_runs_dir()
        self.root = base / SUBDIR

    def new_id(self, source: str, target: str) -> str:
        """Create an empty experiment folder and return its id (timestamp-source-target-hex)."""
        slug = slugify(f"{source}-{target}", default="exp")
        return new_folder(self.root, slug, TaskDepStoreError).name

    def path(self, exp_id: str) -> Path:
        """Folder of an experiment (the id is validated, so it stays inside the store)."""
        if not is_id(exp_id):
            raise TaskDepStoreError(f"{exp_id!r} is not a valid experiment id.")
        return self.root / exp_id

    def ids(self) -> list[str]:
        """Ids of all experiments, newest first."""
        return child_ids(self.root)

    def save_result(self, exp_id: str, result: dict[str, Any]) -> Path:
        """Write result.json atomically."""
        target = self.path(exp_id) / "result.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_json(target, result)
        return target

    def load_result(self, exp_id: str) -> dict[str, Any] | None:
        """The stored result dict, or None while the experiment has not finished."""
        return _read(self.path(exp_id) / "result.json")

    def write_progress(self, exp_id: str, progress: dict[str, Any]) -> None:
        """Write progress.json atomically (status, per-stage counts, a message)."""
        write_json(self.path(exp_id) / "progress.json", progress)

    def read_progress(self, exp_id: str) -> dict[str, Any] | None:
        """The last progress written, or None."""
        return _read(self.path(exp_id) / "progress.json")

    def save_latents(self, exp_id: str, **arrays: np.ndarray) -> None:
        """Store plain numeric arrays (held-out codes and task ids) in latents.npz."""
        with atomic_writer(self.path(exp_id) / "latents.npz") as fh:
            np.savez_compressed(fh, **{k: np.asarray(v) for k, v in arrays.items()})

    def load_latents(self, exp_id: str) -> dict[str, np.ndarray]:
        """The stored arrays ({} if none); never unpickles."""
        path = self.path(exp_id) / "latents.npz"
        if not path.is_file():
            return {}
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def list(self) -> list[dict[str, Any]]:
        """One row per experiment, newest first: id, status, source, target, models, seeds."""
        rows = []
        for exp_id in self.ids():
            result = self.load_result(exp_id)
            progress = self.read_progress(exp_id) or {}
            cfg = (result or {}).get("config") or progress.get("config") or {}
            rows.append(
                {
                    "id": exp_id,
                    "status": (result or {}).get("status") or progress.get("status", "unknown"),
                    "source": cfg.get("source", ""),
                    "target": cfg.get("target", ""),
                    "n_target": cfg.get("n_target"),
                    "seeds": len(cfg.get("seeds", [])),
                    "finished": result is not None,
                }
            )
        return rows


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise TaskDepStoreError(f"cannot read {path}: {exc}") from exc
