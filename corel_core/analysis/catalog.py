"""Which runs the analysis pages can offer, under the one label every page uses for a run."""

from __future__ import annotations

from corel_core.analysis.runs_table import run_label as label_of
from corel_core.analysis.runs_table import unique_labels
from corel_core.store import Run, RunError, RunStore

USABLE = ("completed", "stopped", "diverged", "interrupted")


def run_label(run: Run) -> str:
    """ "name · model · λ=… · date" (the dataset when the run has no name), as on the Runs page."""
    cfg = run.config
    try:
        created = str(run.raw_status().get("created", ""))
    except RunError:
        created = ""
    return label_of(run.name or cfg.data.name, cfg.model.kind, cfg.loss.lambda_conn, created)


def analysable_runs(store: RunStore) -> dict[str, str]:
    """id -> label of finished (or stopped) runs that have cached latents, newest first."""
    out: dict[str, str] = {}
    for summary in store.list():
        if summary.status not in USABLE:
            continue
        run = store.get(summary.id)
        if run.has_latents():
            out[summary.id] = run_label(run)
    return unique_labels(out)
