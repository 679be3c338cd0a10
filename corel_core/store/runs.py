"""The run store: one folder per training run under a root folder, listed newest first.

Layout of <root>/<run id>/: config.json, status.json, metrics.jsonl (one line per completed epoch),
weights/<tag>.pt (tensors only), latents.npz, extra/ (arrays and JSON other modules cache); see
`corel_core.store.run.Run`. Every file is written atomically (temp file in the same folder, then
os.replace), so a reader or a killed writer never sees half a file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from corel_core.config import RunConfig
from corel_core.store.files import created_order, now_iso, write_json
from corel_core.store.ids import child_ids, new_folder, slugify
from corel_core.store.run import ACTIVE, Run, RunError, RunSummary, validate_run_id


def default_runs_dir() -> Path:
    """COREL_RUNS_DIR if set, else ~/.corel/runs."""
    env = os.environ.get("COREL_RUNS_DIR")
    return Path(env).expanduser() if env else Path.home() / ".corel" / "runs"


class RunStore:
    """All runs under one root folder (argument, else COREL_RUNS_DIR, else ~/.corel/runs)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_runs_dir()

    def __repr__(self) -> str:
        return f"RunStore({str(self.root)!r})"

    def _path(self, run_id: str) -> Path:
        # the id regex forbids separators, "..", and absolute paths, so this stays inside root
        return self.root / validate_run_id(run_id)

    def create(self, config: RunConfig, name: str = "") -> Run:
        """Make a new run folder with config.json and status "created"."""
        name = name or config.name
        slug = slugify(name or f"{config.data.name}-{config.model.kind}")
        path = new_folder(self.root, slug, RunError)
        write_json(path / "config.json", config.to_dict())
        created = now_iso()
        write_json(
            path / "status.json",
            {
                "status": "created",
                "message": "",
                "name": name,
                "created": created,
                "updated": created,
                "started": None,
                "pid": None,
                "host": None,
                "epochs_done": 0,
            },
        )
        return Run(path)

    def get(self, run_id: str) -> Run:
        """The run with this id (RunError if the id is malformed or no such run exists)."""
        path = self._path(run_id)
        if not path.is_dir():
            raise RunError(f"there is no run {run_id!r} in {self.root}.")
        return Run(path)

    def exists(self, run_id: str) -> bool:
        """Whether a run folder with this (valid) id exists."""
        try:
            return self._path(run_id).is_dir()
        except RunError:
            return False

    def ids(self) -> list[str]:
        """Ids of every run folder, newest first; other files are ignored."""
        return child_ids(self.root)

    def list(self) -> list[RunSummary]:
        """Summaries of all runs, newest first; never raises for a broken folder."""
        rows = [Run(self.root / run_id).summary() for run_id in self.ids()]
        # the id starts with the creation second; `created` orders runs within one second
        return sorted(rows, key=lambda r: (r.id[:15], created_order(r.created)), reverse=True)

    def delete(self, run_id: str, force: bool = False) -> None:
        """Remove a run folder; refuses a run still being trained unless force=True."""
        path = self._path(run_id)
        if path.is_symlink():
            path.unlink()
            return
        if not path.is_dir():
            raise RunError(f"there is no run {run_id!r} in {self.root}.")
        run = Run(path)
        if not force and run.status in ACTIVE:
            raise RunError(f"run {run_id} is still {run.status}; stop it before deleting it.")
        shutil.rmtree(path)
