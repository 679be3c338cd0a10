"""A sweep's results as rows: one per trial, and one per grid point with mean ± sd over seeds.

Numbers come from the trial records (final-epoch training metrics and one-class AUROC); the sd
is the sample standard deviation (ddof = 1) over the seeds that completed, None with one seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from corel_core.config import setting_named
from corel_core.store import RunStore
from corel_core.studies.sweep.store import Sweep

#: Metrics a person would plot against a swept setting, best first (those present are offered).
PREFERRED = (
    "auroc_count_n120",
    "auroc_count_n80",
    "auroc_count_n500",
    "recon",
    "code_death_mean",
    "death_mean",
)
LABELS = {
    "recon": "reconstruction loss (final epoch)",
    "conn": "connectivity loss (final epoch)",
    "total": "total loss (final epoch)",
    "code_death_mean": "mean death time of the final codes (batches of b)",
    "death_mean": "mean death time (training batches, final epoch)",
    "death_min": "min death time (final epoch)",
    "death_max": "max death time (final epoch)",
}


def label_of(metric: str) -> str:
    """A readable name for a metric key, e.g. 'one-class AUROC (count, n = 120)'."""
    if metric in LABELS:
        return LABELS[metric]
    if metric.startswith("auroc_") and "_n" in metric:
        scorer, n = metric[len("auroc_") :].rsplit("_n", 1)
        return f"one-class AUROC ({scorer}, n = {n})"
    return metric


def typed(name: str, text: str) -> Any:
    """A swept value as a number where the setting is numeric (for axes and sorting)."""
    s = setting_named(name)
    value = s.parse(text)
    return value if s.kind in ("int", "float") else text


def trial_rows(sweep: Sweep) -> list[dict[str, Any]]:
    """One dict per trial: its swept values (typed), status, run id, seconds and results."""
    rows = []
    for record in sweep.trials():
        row: dict[str, Any] = {"trial": record["index"]}
        row.update({k: typed(k, v) for k, v in record["params"].items()})
        row["status"] = record.get("status", "pending")
        row["run_id"] = record.get("run_id", "")
        row["epochs_done"] = _epochs_done(sweep, row["run_id"])
        row["seconds"] = record.get("seconds")
        row.update(record.get("results") or {})
        row["message"] = record.get("message", "")
        rows.append(row)
    return rows


def _epochs_done(sweep: Sweep, run_id: str) -> int | None:
    """Epochs the trial's run has saved so far (None before it has a run)."""
    store = RunStore(sweep.runs_dir)
    if not run_id or not store.exists(run_id):
        return None
    return store.get(run_id).summary().epochs_done


def metric_names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Numeric result keys present in completed rows (no sd columns), preferred ones first."""
    found: list[str] = []
    for row in rows:
        if row.get("status") != "completed":
            continue
        for key, value in row.items():
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            wanted = key in LABELS or key.startswith("auroc_")
            if numeric and wanted and not key.endswith("_sd") and key not in found:
                found.append(key)
    return [m for m in PREFERRED if m in found] + [m for m in found if m not in PREFERRED]


def _mean_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, None
    var = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def aggregate(
    rows: Sequence[Mapping[str, Any]], fields: Sequence[str], metrics: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per combination of `fields` (the swept settings except seed), in first-seen order.

    Each metric m gives m (mean), m_sd (sample sd, None below two values) and m_count, over the
    completed trials with a finite value; `seeds` counts the completed trials of the point.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(f) for f in fields), []).append(row)
    out = []
    for key, members in groups.items():
        done = [r for r in members if r.get("status") == "completed"]
        entry: dict[str, Any] = dict(zip(fields, key, strict=True))
        entry["seeds"] = len(done)
        entry["trials"] = len(members)
        for m in metrics:
            values = [
                float(r[m])
                for r in done
                if isinstance(r.get(m), (int, float)) and math.isfinite(float(r[m]))
            ]
            entry[m], entry[f"{m}_sd"] = _mean_sd(values)
            entry[f"{m}_count"] = len(values)
        out.append(entry)
    return out


def summary(sweep: Sweep) -> dict[str, Any]:
    """Everything `sweep --json` prints: state, counts, trial rows and per-point means."""
    spec = sweep.spec
    rows = trial_rows(sweep)
    fields = [k for k in spec.space if k != "seed"]
    metrics = metric_names(rows)
    state = sweep.state()
    counts = sweep.counts()
    failed = [r for r in rows if r["status"] == "failed"]
    message = f"{counts['completed']} completed, {counts['failed']} failed"
    if counts["pending"] or counts["running"]:
        message += f", {counts['pending'] + counts['running']} unfinished"
    return {
        "sweep": sweep.id,
        "status": state.get("status"),
        "message": message + ".",
        "state": state,
        "runs_dir": str(sweep.runs_dir),
        "grid": {k: list(v) for k, v in spec.grid.items()},
        "seeds": list(spec.seeds),
        "oneclass_n": list(spec.oneclass_n),
        "counts": counts,
        "metrics": metrics,
        "trials": rows,
        "points": aggregate(rows, fields, metrics),
        "failed": [{"trial": r["trial"], "message": r["message"]} for r in failed],
    }
