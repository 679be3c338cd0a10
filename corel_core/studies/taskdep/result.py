"""The outcome of a task-dependency experiment: per-model per-seed records and their summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corel_core.studies.taskdep.config import TaskDepConfig


@dataclass
class TaskDepResult:
    """Per-model per-seed numbers, their mean ± sd over seeds, and where everything is stored."""

    config: TaskDepConfig
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status: str = "completed"
    message: str = ""
    id: str | None = None
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """model -> flat metric name (e.g. "mi.classifier.value") -> {"mean", "sd", "n"}."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for kind, records in self.records.items():
            flat = [_flatten({k: v for k, v in r.items() if k != "run_id"}) for r in records]
            keys = [k for k in flat[0] if isinstance(flat[0][k], float)] if flat else []
            out[kind] = {}
            for key in keys:
                vals = np.array([f[key] for f in flat if isinstance(f.get(key), float)])
                sd = float(vals.std(ddof=1)) if vals.size > 1 else 0.0
                out[kind][key] = {"mean": float(vals.mean()), "sd": sd, "n": int(vals.size)}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of everything (config, records, summary, data sizes)."""
        return {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "seconds": self.seconds,
            "config": self.config.to_dict(),
            "data": self.data,
            "records": self.records,
            "summary": self.summary(),
        }

    def to_json(self) -> str:
        """Indented JSON (non-finite numbers become null)."""
        from corel_core.store.files import clean_json

        return json.dumps(clean_json(self.to_dict()), indent=2, sort_keys=True, allow_nan=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TaskDepResult:
        """Rebuild from `to_dict` output (the summary is recomputed)."""
        config = TaskDepConfig.from_dict(raw["config"])
        stored = raw.get("records", {})
        order = [k for k in config.models if k in stored] + sorted(set(stored) - set(config.models))
        return cls(
            config=config,
            records={k: list(stored[k]) for k in order},  # JSON sorts keys; keep model order
            status=raw.get("status", "completed"),
            message=raw.get("message", ""),
            id=raw.get("id"),
            seconds=float(raw.get("seconds") or 0.0),
            data=dict(raw.get("data") or {}),
        )


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat
