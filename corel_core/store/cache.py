"""The one cache of results computed from a run, kept in its folder (``extra/``).

An entry is named by what made it: a kind ("proj", "kde", "oneclass", ...) plus a SHA-256 of the
canonical JSON of its parameters, so a projection, a density or an evaluation is computed once per
(run, parameters) whichever page, tab or command asks. An entry is a JSON object and optional
arrays; the JSON is written last, so a half-written entry (a killed writer) reads as absent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from corel_core.store.run import Run, RunError


def canonical(value: Any) -> Any:
    """`value` with dict keys sorted, tuples/arrays as lists and numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [canonical(v) for v in list(value)]
    if isinstance(value, np.generic):
        return value.item()
    return value


def cache_key(kind: str, **params: Any) -> str:
    """ "<kind>-<16 hex digits>": the same for equal parameters in any order or numeric type.

    Raises ValueError for parameters JSON cannot hold (NaN, objects).
    """
    text = json.dumps(canonical(params), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return f"{kind}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


class RunCache:
    """Entries (JSON + named arrays) in one run's folder; see the module docstring."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def get(self, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """(meta, arrays) of a complete entry, or None when absent or unreadable."""
        if not self.run.has_json(key):
            return None
        try:
            meta = self.run.load_json(key)
            names = meta.get("_arrays", []) if isinstance(meta, dict) else None
            if names is None:
                return None
            arrays = {name: self.run.load_array(f"{key}.{name}") for name in names}
        except RunError:
            return None
        return {k: v for k, v in meta.items() if k != "_arrays"}, arrays

    def put(self, key: str, meta: dict[str, Any], **arrays: np.ndarray) -> None:
        """Write the arrays, then the JSON that makes the entry visible."""
        for name, arr in arrays.items():
            self.run.save_array(f"{key}.{name}", np.asarray(arr))
        self.run.save_json(key, {**meta, "_arrays": sorted(arrays)})
