"""Everything corel keeps on disk: runs, task-dependency experiments, atomic files, ids.

Modules: run (one run folder), runs (the run store), experiments (task-dependency results),
files (atomic writes, JSON cleaning, process liveness), ids (folder ids shared by every store).
"""

from __future__ import annotations

from corel_core.store.run import (
    ACTIVE,
    RESUMABLE,
    STATUSES,
    Run,
    RunError,
    RunSummary,
    validate_run_id,
)
from corel_core.store.runs import RunStore, default_runs_dir

__all__ = [
    "ACTIVE",
    "RESUMABLE",
    "STATUSES",
    "Run",
    "RunError",
    "RunStore",
    "RunSummary",
    "default_runs_dir",
    "validate_run_id",
]
