"""Sweeps on disk, next to the runs they made: <runs dir>/sweeps/<sweep id>/.

Layout: sweep.json (the SweepSpec, written once), state.json (the driver: status, pid, host,
Ray address, wall time), trials/<index>.json (one per trial: status, run id, final metrics,
one-class AUROC), tune/ (Ray Tune's experiment state, what `--resume` restores), driver.log
(output of a sweep the app started). The run store ignores this folder (it is not a run id);
each trial's run is an ordinary run tagged `sweep=<id>` in its status.json. Every file is
written atomically, so the app can read a sweep while workers write it.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from corel_core.store import RunStore
from corel_core.store.files import now_iso, pid_alive, process_start, write_json
from corel_core.store.ids import child_ids, is_id, new_folder
from corel_core.studies.sweep.spec import SweepError, SweepSpec, slug_of

SWEEPS_FOLDER = "sweeps"
TRIAL_STATUSES = ("pending", "running", "completed", "failed")
SWEEP_STATUSES = ("created", "running", "completed", "interrupted", "failed")


def validate_sweep_id(sweep_id: str) -> str:
    """`sweep_id` if it has the form of one (no separators, no '..'), else SweepError."""
    if not is_id(sweep_id):
        raise SweepError(
            f"{sweep_id!r} is not a sweep id; ids look like 20260101-120000-lambda-conn-1a2b."
        )
    return sweep_id


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path.name} of sweep {path.parent.name} is unreadable: {exc}") from exc


class Sweep:
    """Handle on one sweep folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.id = validate_sweep_id(self.path.name)

    def __repr__(self) -> str:
        return f"Sweep({self.id!r})"

    @property
    def runs_dir(self) -> Path:
        """The run store this sweep's runs live in."""
        return self.path.parent.parent

    @property
    def tune_dir(self) -> Path:
        """Where Ray Tune keeps this sweep's experiment state."""
        return self.path / "tune"

    @property
    def spec(self) -> SweepSpec:
        raw = _read(self.path / "sweep.json")
        if raw is None:
            raise SweepError(f"sweep {self.id} has no sweep.json.")
        return SweepSpec.from_dict(raw)

    # -- trials ------------------------------------------------------------------------------
    def _trial_path(self, index: int) -> Path:
        return self.path / "trials" / f"{int(index):05d}.json"

    def trial(self, index: int) -> dict[str, Any]:
        """The record of trial `index` (status "pending" before a worker picked it up)."""
        raw = _read(self._trial_path(index))
        return raw if isinstance(raw, dict) else {"index": int(index), "status": "pending"}

    def update_trial(self, index: int, **fields: Any) -> dict[str, Any]:
        """Merge `fields` into trial `index`'s record and write it atomically."""
        record = self.trial(index)
        record.update(fields, index=int(index), updated=now_iso())
        write_json(self._trial_path(index), record)
        return record

    def trials(self) -> list[dict[str, Any]]:
        """Every trial's record joined with its key and settings, in trial order."""
        out = []
        for t in self.spec.trials:
            record = self.trial(t.index)
            out.append({**record, "index": t.index, "key": t.key, "params": dict(t.params)})
        return out

    # -- the driver's state ------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """state.json, with "running" read as "interrupted" when its driver process is gone."""
        raw = _read(self.path / "state.json") or {"status": "created"}
        gone = raw.get("host") == socket.gethostname() and not pid_alive(
            raw.get("pid", -1), raw.get("pid_start")
        )
        if raw.get("status") == "running" and gone:
            raw = {**raw, "status": "interrupted", "message": "the sweep's driver is gone."}
        return raw

    def set_state(self, status: str, message: str = "", **fields: Any) -> None:
        """Record the driver's status; "running" also records this process as the driver."""
        if status not in SWEEP_STATUSES:
            raise SweepError(f"unknown sweep status {status!r}.")
        raw = _read(self.path / "state.json") or {}
        raw.update(fields, status=status, message=message, updated=now_iso())
        if status == "running":
            pid = os.getpid()
            raw.update(pid=pid, pid_start=process_start(pid), host=socket.gethostname())
        write_json(self.path / "state.json", raw)

    def counts(self) -> dict[str, int]:
        """How many trials are in each status (pending, running, completed, failed)."""
        counts = dict.fromkeys(TRIAL_STATUSES, 0)
        for record in self.trials():
            status = record.get("status", "pending")
            counts[status if status in counts else "failed"] += 1
        return counts


class SweepStore:
    """The sweeps of one run store (argument, else COREL_RUNS_DIR, else ~/.corel/runs)."""

    def __init__(self, runs_dir: str | Path | None = None) -> None:
        self.runs = RunStore(runs_dir)
        self.root = self.runs.root / SWEEPS_FOLDER

    def create(self, spec: SweepSpec) -> Sweep:
        """A new sweep folder holding sweep.json and state "created"."""
        path = new_folder(self.root, slug_of(spec.grid), SweepError)
        write_json(path / "sweep.json", spec.to_dict())
        write_json(path / "state.json", {"status": "created", "created": now_iso()})
        return Sweep(path)

    def get(self, sweep_id: str) -> Sweep:
        """The sweep with this id (SweepError if malformed or absent)."""
        path = self.root / validate_sweep_id(sweep_id)
        if not (path / "sweep.json").is_file():
            raise SweepError(f"there is no sweep {sweep_id!r} in {self.root}.")
        return Sweep(path)

    def ids(self) -> list[str]:
        """Ids of every sweep, newest first."""
        return child_ids(self.root)
