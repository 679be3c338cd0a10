"""The run list as a table people can read: labels, settings columns, final loss terms, filters.

Every run gets one label used everywhere (tables, legends, pickers): "name · model · λ=… · date"
(the dataset stands in for a missing name), with the id's last characters added only where two
runs would otherwise read the same. Column headers are words, not field names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from corel_core.plots.curves import TERM_NAMES
from corel_core.store import RunStore, RunSummary

#: Column key → header shown to people, in display order (final-loss columns are added after).
HEADERS: dict[str, str] = {
    "label": "Run",
    "status": "Status",
    "dataset": "Dataset",
    "model": "Model",
    "lambda": "λ (connectivity)",
    "eta": "η (scale)",
    "latent": "Latent size",
    "seed": "Seed",
    "epochs": "Epochs",
    "created": "Created",
    "sweep": "Sweep",
    "id": "Run id",
}
FINAL_PREFIX = "final "


def short_date(stamp: str) -> str:
    """An ISO time as "30 Nov 08:38" in local time ('' when it cannot be read)."""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.strftime("%d %b %H:%M").lstrip("0")


def run_label(name: str, model: str, lambda_conn: float, created: str) -> str:
    """ "name · model · λ=20 · 30 Nov 08:38" (parts that are unknown are left out)."""
    date = short_date(created)
    parts = [name, model, f"λ={lambda_conn:g}", date]
    return " · ".join(p for p in parts if p)


def unique_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Run id → label, with " #<last 4 of the id>" added to labels that several runs share."""
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        run_id: f"{label} #{run_id[-4:]}" if counts[label] > 1 else label
        for run_id, label in labels.items()
    }


def _row(store: RunStore, summary: RunSummary) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": summary.id,
        "status": summary.status,
        "dataset": summary.dataset,
        "model": summary.model_kind,
        "epochs": summary.epochs_done,
        "created": summary.created,
        "sweep": summary.sweep,
        "name": summary.name,
    }
    if summary.status == "broken":
        row.update(label=summary.id, **{k: None for k in ("lambda", "eta", "latent", "seed")})
        return row
    cfg = store.get(summary.id).config
    row.update(
        {
            "lambda": cfg.loss.lambda_conn,
            "eta": cfg.loss.eta,
            "latent": cfg.model.latent_dim,
            "seed": cfg.train.seed,
            "label": run_label(
                summary.name or summary.dataset,
                summary.model_kind,
                cfg.loss.lambda_conn,
                summary.created,
            ),
        }
    )
    for term, value in (summary.final_metrics or {}).items():
        if term in TERM_NAMES:
            row[FINAL_PREFIX + term] = value
    return row


def run_rows(store: RunStore, summaries: Sequence[RunSummary] | None = None) -> list[dict]:
    """One row per run (newest first), labels made unique, every final loss term a column.

    A "broken" run keeps its id as label and None for the settings it cannot read.
    """
    summaries = store.list() if summaries is None else summaries
    rows = [_row(store, s) for s in summaries]
    labels = unique_labels({r["id"]: r["label"] for r in rows})
    for r in rows:
        r["label"] = labels[r["id"]]
    return rows


def final_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The final-loss columns present, in TERM_NAMES order (total first)."""
    present = {k for r in rows for k in r if k.startswith(FINAL_PREFIX)}
    return [FINAL_PREFIX + t for t in TERM_NAMES if FINAL_PREFIX + t in present]


def headers(columns: Iterable[str]) -> dict[str, str]:
    """Header text of each column key (final-loss columns: "Final reconstruction", …)."""
    out = {}
    for key in columns:
        if key.startswith(FINAL_PREFIX):
            term = key[len(FINAL_PREFIX) :]
            out[key] = "Final " + TERM_NAMES.get(term, term).replace("<sub>η</sub>", "_η")
        else:
            out[key] = HEADERS.get(key, key)
    return out


def filter_rows(
    rows: Iterable[Mapping[str, Any]],
    text: str = "",
    *,
    statuses: Sequence[str] = (),
    datasets: Sequence[str] = (),
    models: Sequence[str] = (),
) -> list[Mapping[str, Any]]:
    """Rows whose label, id, name or sweep contains every word of `text` (any case) and whose
    status / dataset / model is among the chosen ones (an empty choice keeps all)."""
    words = text.lower().split()
    out = []
    for r in rows:
        haystack = " ".join(str(r.get(k) or "") for k in ("label", "id", "name", "sweep")).lower()
        if any(w not in haystack for w in words):
            continue
        if statuses and r.get("status") not in statuses:
            continue
        if datasets and r.get("dataset") not in datasets:
            continue
        if models and r.get("model") not in models:
            continue
        out.append(r)
    return out
