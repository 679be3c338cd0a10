"""Uploaded files kept on disk as named datasets ("upload:<file>"), validated before they are kept.

A bad file is refused with a `DataError` and nothing is written; a good one is stored atomically
in the uploads folder ($COREL_UPLOADS_DIR or ~/.corel/uploads) so runs can reload it later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .base import DataError, Dataset, Loaded
from .ranges import decoder_note
from .upload import DEFAULT_MAX_BYTES, load_user_data

PREFIX = "upload:"
SUFFIXES = (".npz", ".npy", ".csv", ".txt")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def uploads_dir() -> Path:
    """Where accepted uploads live."""
    env = os.environ.get("COREL_UPLOADS_DIR")
    return Path(env).expanduser() if env else Path.home() / ".corel" / "uploads"


def save_upload(filename: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Validate an uploaded file and keep it; returns its dataset name ("upload:<file>")."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{filename} is not a .npz, .npy or .csv file.")
    if len(content) > max_bytes:
        raise DataError(f"{filename} is larger than the upload limit of {max_bytes >> 20} MB.")
    stem = _SAFE.sub("_", Path(filename).stem).strip("._")[:40] or "data"
    stored = f"{stem}-{hashlib.sha256(content).hexdigest()[:8]}{suffix}"
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=suffix, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        # errors name the person's file, not the temp file; a DataError removes the temp file
        load_user_data(tmp, max_bytes=max_bytes, name=filename)
        os.replace(tmp, folder / stored)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return PREFIX + stored


def list_uploads() -> list[str]:
    """Dataset names of every kept upload, newest first."""
    folder = uploads_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".")]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [PREFIX + p.name for p in files]


def upload_path(name: str) -> Path:
    """The file behind an "upload:<file>" name; refuses anything that could leave the folder."""
    stored = name[len(PREFIX) :]
    if not stored or _SAFE.search(stored) or stored.startswith(".") or "/" in stored:
        raise DataError(f"{name!r} is not a valid upload name.")
    path = uploads_dir() / stored
    if not path.is_file():
        raise DataError(f"the uploaded file {stored} is no longer in {uploads_dir()}.")
    return path


def load_upload(name: str) -> Loaded:
    """Read a kept upload as a loader result (split and limit are applied by the caller)."""
    data: Dataset = load_user_data(upload_path(name))
    return Loaded(x=data.x, y=data.y, task=data.task, meta=data.meta)


def describe_upload(name: str, model_kind: str = "mlp", decoder: str = "auto") -> str:
    """What was read from a kept upload and which decoder it will get, in two sentences.

    e.g. "uploaded file wide.csv (300 rows × 5 features; …). Decoder auto → Gaussian
    (unbounded outputs): the data spans -3 to 7, outside [0, 1], …" (DataError if unreadable).
    """
    data = load_user_data(upload_path(name))
    span = (float(data.x.min()), float(data.x.max()))
    note = decoder_note(decoder, model_kind, data.meta.shape, span)
    return f"Read {data.meta.source}. {note}"
