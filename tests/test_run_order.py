"""Pickers offer the tab's own runs first and study or sweep runs last (analysis.catalog)."""

from __future__ import annotations

from pathlib import Path

from corel_core.analysis.catalog import own_first
from corel_core.config import RunConfig
from corel_core.store import RunStore, RunSummary
from corel_core.store.experiments import RUN_PRESET


def summary(run_id: str, owner: str = "", sweep: str = "", preset: str = "") -> RunSummary:
    return RunSummary(
        run_id, "", "completed", "digits", "mlp", "", 1, owner=owner, sweep=sweep, preset=preset
    )


def test_own_runs_first_then_single_runs_then_study_and_sweep_runs_newest_first() -> None:
    newest_first = [
        summary("sweep-trial-2", sweep="s1"),
        summary("taskdep-run", preset=RUN_PRESET),
        summary("someone-elses", owner="other"),
        summary("mine-new", owner="me"),
        summary("cli-run"),
        summary("sweep-trial-1", sweep="s1"),
        summary("mine-old", owner="me"),
    ]
    order = [s.id for s in own_first(newest_first, "me")]
    assert order == [
        "mine-new",
        "mine-old",
        "someone-elses",
        "cli-run",
        "sweep-trial-2",
        "taskdep-run",
        "sweep-trial-1",
    ]
    # a tab that has started nothing: single runs before studies, nobody's runs first
    assert [s.id for s in own_first(newest_first)][:3] == ["someone-elses", "mine-new", "cli-run"]


def test_a_summary_names_the_tab_that_started_the_run(tmp_path: Path) -> None:
    run = RunStore(tmp_path).create(RunConfig())
    assert run.summary().owner == ""
    run.set_labels(owner="0123abcd")
    assert run.summary().owner == "0123abcd"
