"""One run folder: its config, status, metrics, weights and latents (a `Run` handle).

Layout of <root>/<run id>/: config.json, status.json, metrics.jsonl (one line per completed epoch),
weights/<tag>.pt (tensors only), latents.npz, extra/ (arrays and JSON other modules cache).
Every file is written atomically (temp file in the same folder, then os.replace) so a reader or a
killed writer never leaves half a file; metrics.jsonl is appended and fsynced line by line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import socket
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corel_core.config import RunConfig
from corel_core.store.files import (
    age_seconds,
    atomic_writer,
    clean_json,
    now_iso,
    pid_alive,
    process_start,
    write_json,
)
from corel_core.store.ids import ID_EXAMPLE, is_id

if TYPE_CHECKING:  # torch is imported where weights are read or written: listing runs stays fast
    import torch

STATUSES = (
    "created",
    "running",
    "paused",
    "completed",
    "stopped",
    "diverged",
    "failed",
    "interrupted",
)
ACTIVE = ("running", "paused")
RESUMABLE = ("interrupted", "stopped", "failed", "created")  # statuses training can continue from
STALE_SECONDS = 300.0  # a run owned by another host with no heartbeat this long is interrupted

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


class RunError(ValueError):
    """A run id, name or folder is invalid, missing or unreadable."""


def validate_run_id(run_id: str) -> str:
    """Return run_id if it has the store's form (no separators, no '..'), else raise RunError."""
    if not is_id(run_id):
        raise RunError(f"{run_id!r} is not a run id; ids look like {ID_EXAMPLE}.")
    return run_id


def _validate_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or ".." in name:
        raise RunError(
            f"{what} {name!r} is not allowed: use letters, digits, '_', '-' or '.', "
            "starting with a letter or digit."
        )
    return name


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise RunError(f"{path.name} is missing from run folder {path.parent.name}.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path.name} in run {path.parent.name} is unreadable: {exc}") from exc


@dataclass(frozen=True)
class RunSummary:
    """One row of the run list; status "broken" means the folder could not be read."""

    id: str
    name: str
    status: str
    dataset: str
    model_kind: str
    created: str
    epochs_done: int
    final_metrics: dict[str, float] = field(default_factory=dict)
    message: str = ""
    preset: str = ""
    sweep: str = ""  # id of the sweep that made this run ('' for a single run)
    owner: str = ""  # opaque id of the browser tab that started it ('' from the CLI or a study)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output and tables."""
        return dataclasses.asdict(self)


class Run:
    """Handle on one run folder; reads lazily, writes atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.id = validate_run_id(self.path.name)

    def __repr__(self) -> str:
        return f"Run({self.id!r})"

    # -- config and status -------------------------------------------------------------------
    @property
    def config(self) -> RunConfig:
        """The RunConfig the run was created with (RunError if the file is broken)."""
        raw = _read_json(self.path / "config.json")
        try:
            return RunConfig.from_dict(raw)
        except ValueError as exc:
            msg = f"config.json of run {self.id} is not a valid configuration: {exc}"
            raise RunError(msg) from exc

    def raw_status(self) -> dict[str, Any]:
        """status.json as stored (RunError if missing or unreadable)."""
        raw = _read_json(self.path / "status.json")
        if not isinstance(raw, dict) or raw.get("status") not in STATUSES:
            raise RunError(f"status.json of run {self.id} does not hold a known status.")
        return raw

    @property
    def name(self) -> str:
        """The human label given at creation ('' if none)."""
        try:
            return str(self.raw_status().get("name", ""))
        except RunError:
            return ""

    @property
    def status(self) -> str:
        """Stored status, except running/paused with a dead owner reads "interrupted"."""
        try:
            raw = self.raw_status()
        except RunError:
            return "broken"
        status = raw["status"]
        if status in ACTIVE and not self._owner_alive(raw):
            return "interrupted"
        return status

    @property
    def message(self) -> str:
        """The stored status message (explains broken or interrupted runs too)."""
        try:
            raw = self.raw_status()
        except RunError as exc:
            return str(exc)
        if raw["status"] in ACTIVE and not self._owner_alive(raw):
            return (
                f"the process that trained this run (pid {raw.get('pid')} on "
                f"{raw.get('host')}) is gone; {raw.get('epochs_done', 0)} epochs were saved."
            )
        return str(raw.get("message", ""))

    @staticmethod
    def _owner_alive(raw: dict[str, Any]) -> bool:
        if raw.get("host") == socket.gethostname():
            return pid_alive(raw.get("pid", -1), raw.get("pid_start"))
        return age_seconds(raw.get("updated")) < STALE_SECONDS

    def set_status(self, status: str, message: str = "") -> None:
        """Record a new status; running/paused also record this process as the owner."""
        if status not in STATUSES:
            raise RunError(f"unknown run status {status!r}; use one of {', '.join(STATUSES)}.")
        try:
            raw = self.raw_status()
        except RunError:
            raw = {}
        raw.update(status=status, message=message, updated=now_iso())
        if status in ACTIVE:
            pid = os.getpid()
            raw.update(pid=pid, pid_start=process_start(pid), host=socket.gethostname())
            if not raw.get("started"):
                raw["started"] = raw["updated"]
        write_json(self.path / "status.json", raw)

    def set_labels(self, **labels: str) -> None:
        """Keep labels in status.json (e.g. sweep=<id>, trial=<key>); summaries show `sweep`."""
        raw = self.raw_status()
        raw.update({k: str(v) for k, v in labels.items()}, updated=now_iso())
        write_json(self.path / "status.json", raw)

    def heartbeat(self) -> None:
        """Refresh `updated` so other hosts see the owner is still alive."""
        raw = self.raw_status()
        raw["updated"] = now_iso()
        write_json(self.path / "status.json", raw)

    # -- metrics -----------------------------------------------------------------------------
    def append_epoch(self, metrics: dict[str, Any]) -> None:
        """Append one completed epoch's metrics as a JSON line (fsynced) and bump epochs_done."""
        line = json.dumps(clean_json(metrics), sort_keys=True, allow_nan=False) + "\n"
        path = self.path / "metrics.jsonl"
        with open(path, "a+b") as fh:
            if fh.tell() > 0:  # a torn last line (killed writer) must not swallow this one
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    line = "\n" + line
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        raw = self.raw_status()
        raw.update(epochs_done=_count(raw.get("epochs_done")) + 1, updated=now_iso())
        write_json(self.path / "status.json", raw)

    def set_epochs_done(self, count: int) -> None:
        """Re-sync the stored epoch count with metrics.jsonl (used when a run is resumed)."""
        raw = self.raw_status()
        raw.update(epochs_done=int(count), updated=now_iso())
        write_json(self.path / "status.json", raw)

    def metrics(self) -> list[dict[str, Any]]:
        """Every recorded epoch in order; torn or garbage lines (a killed writer, a hand edit) are
        skipped; RunError if the file cannot be read at all."""
        path = self.path / "metrics.jsonl"
        if not path.exists():
            return []
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise RunError(f"metrics.jsonl of run {self.id} is unreadable: {exc}") from exc
        rows = []
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                rows.append(row)
        return rows

    def final_metrics(self) -> dict[str, Any]:
        """The last recorded epoch's metrics ({} before the first epoch)."""
        rows = self.metrics()
        return rows[-1] if rows else {}

    # -- weights and latents -----------------------------------------------------------------
    def save_weights(self, state_dict: dict[str, torch.Tensor], tag: str = "last") -> Path:
        """Save a state_dict (tensors only, moved to cpu) as weights/<tag>.pt, atomically."""
        import torch

        _validate_name(tag, "weights tag")
        clean = {}
        for key, value in state_dict.items():
            if not isinstance(value, torch.Tensor):
                raise RunError(f"weights entry {key!r} is not a tensor; only tensors are saved.")
            clean[str(key)] = value.detach().cpu()
        path = self.path / "weights" / f"{tag}.pt"
        with atomic_writer(path) as fh:
            torch.save(clean, fh)
        return path

    def load_weights(self, tag: str = "last") -> dict[str, torch.Tensor]:
        """Load weights/<tag>.pt onto the cpu without unpickling arbitrary objects."""
        import torch

        _validate_name(tag, "weights tag")
        path = self.path / "weights" / f"{tag}.pt"
        if not path.exists():
            raise RunError(f"run {self.id} has no saved weights {tag!r}.")
        try:
            state = torch.load(path, weights_only=True, map_location="cpu")
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
            raise RunError(
                f"weights {tag!r} of run {self.id} are not a plain tensor file (corel never "
                f"unpickles other objects); refusing to load them. ({type(exc).__name__})"
            ) from exc
        if not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
        ):
            raise RunError(
                f"weights {tag!r} of run {self.id} do not hold a state dict (names → tensors)."
            )
        return state

    def weight_tags(self) -> list[str]:
        """Tags of the saved weights, sorted."""
        folder = self.path / "weights"
        return sorted(p.stem for p in folder.glob("*.pt")) if folder.is_dir() else []

    def save_latents(self, **arrays: np.ndarray) -> None:
        """Save named arrays (e.g. z=..., y=...) as latents.npz, atomically."""
        with atomic_writer(self.path / "latents.npz") as fh:
            np.savez(fh, **{k: _plain_array(v, k) for k, v in arrays.items()})

    def load_latents(self) -> dict[str, np.ndarray]:
        """The arrays saved by save_latents (RunError if none)."""
        return _load_npz(self.path / "latents.npz", self.id)

    def has_latents(self) -> bool:
        """Whether latents.npz exists."""
        return (self.path / "latents.npz").exists()

    # -- extra files for other modules -------------------------------------------------------
    def save_array(self, name: str, arr: np.ndarray) -> None:
        """Cache one array as extra/<name>.npy."""
        path = self.path / "extra" / f"{_validate_name(name, 'array name')}.npy"
        with atomic_writer(path) as fh:
            np.save(fh, _plain_array(arr, name), allow_pickle=False)

    def load_array(self, name: str) -> np.ndarray:
        """Load extra/<name>.npy (RunError if absent)."""
        path = self.path / "extra" / f"{_validate_name(name, 'array name')}.npy"
        if not path.exists():
            raise RunError(f"run {self.id} has no saved array {name!r}.")
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise RunError(f"array {name!r} of run {self.id} is unreadable: {exc}") from exc

    def save_json(self, name: str, obj: Any) -> None:
        """Cache a JSON-able object as extra/<name>.json."""
        write_json(self.path / "extra" / f"{_validate_name(name, 'file name')}.json", obj)

    def load_json(self, name: str) -> Any:
        """Load extra/<name>.json (RunError if absent or unreadable)."""
        return _read_json(self.path / "extra" / f"{_validate_name(name, 'file name')}.json")

    def has_array(self, name: str) -> bool:
        """Whether extra/<name>.npy exists."""
        return (self.path / "extra" / f"{_validate_name(name, 'array name')}.npy").exists()

    def has_json(self, name: str) -> bool:
        """Whether extra/<name>.json exists."""
        return (self.path / "extra" / f"{_validate_name(name, 'file name')}.json").exists()

    # -- listing -----------------------------------------------------------------------------
    def summary(self) -> RunSummary:
        """A RunSummary; never raises (a broken folder gives status "broken" and a message)."""
        try:
            cfg = self.config
            raw = self.raw_status()
            finals = {
                k: float(v)
                for k, v in self.final_metrics().items()
                # "epoch" is the record's 0-based index: epochs_done says how many ran
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "epoch"
            }
        except RunError as exc:
            return RunSummary(self.id, "", "broken", "", "", self.id[:15], 0, {}, str(exc))
        return RunSummary(
            id=self.id,
            name=str(raw.get("name", "")) or cfg.name,
            status=self.status,
            dataset=cfg.data.name,
            model_kind=cfg.model.kind,
            created=str(raw.get("created", "")),
            epochs_done=_count(raw.get("epochs_done")),
            final_metrics=finals,
            message=self.message,
            preset=cfg.preset,
            sweep=str(raw.get("sweep", "")),
            owner=str(raw.get("owner", "")),
        )


def _count(value: Any) -> int:
    """A stored epoch count as an int; 0 for anything a hand edit may have left there."""
    if isinstance(value, bool):
        return 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _plain_array(arr: Any, name: str) -> np.ndarray:
    out = np.asarray(arr)
    if out.dtype == object:
        raise RunError(f"array {name!r} holds Python objects; only numeric arrays are saved.")
    return out


def _load_npz(path: Path, run_id: str) -> dict[str, np.ndarray]:
    if not path.exists():
        raise RunError(f"run {run_id} has no saved latents.")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise RunError(f"latents of run {run_id} are unreadable: {exc}") from exc
