"""Which runs the analysis pages can offer, under the one label every page uses for a run."""

from __future__ import annotations

from corel_core.analysis.runs_table import run_label as label_of
from corel_core.analysis.runs_table import unique_labels
from corel_core.store import Run, RunError, RunStore, RunSummary
from corel_core.store.experiments import RUN_PRESET as TASKDEP_PRESET

USABLE = ("completed", "stopped", "diverged", "interrupted")


def run_label(run: Run) -> str:
    """ "name · model · λ=… · date" (the dataset when the run has no name), as on the Runs page."""
    cfg = run.config
    try:
        created = str(run.raw_status().get("created", ""))
    except RunError:
        created = ""
    return label_of(run.name or cfg.data.name, cfg.model.kind, cfg.loss.lambda_conn, created)


def own_first(summaries: list[RunSummary], owner: str | None = None) -> list[RunSummary]:
    """`summaries` (newest first) with the runs a person made by hand first.

    Order: runs of `owner` (the tab asking), then other single runs, then runs a study or a
    sweep made (task dependency, lessons' batches, grids), each group keeping its order. So a
    page's default run is the one this person just trained, not the newest of a 30-run sweep.
    """

    def rank(summary: RunSummary) -> int:
        if owner and summary.owner == owner:
            return 0
        return 2 if summary.sweep or summary.preset == TASKDEP_PRESET else 1

    return sorted(summaries, key=rank)  # stable: newest first within each group


def analysable_runs(store: RunStore, owner: str | None = None) -> dict[str, str]:
    """id -> label of finished (or stopped) runs that have cached latents (`own_first` order)."""
    out: dict[str, str] = {}
    for summary in own_first(store.list(), owner):
        if summary.status not in USABLE:
            continue
        run = store.get(summary.id)
        if run.has_latents():
            out[summary.id] = run_label(run)
    return unique_labels(out)
