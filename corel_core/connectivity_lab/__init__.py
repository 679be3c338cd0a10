"""The connectivity-loss lab: the tutorial toy, the one-class protocol and persistence/KDE views.

Modules: toy (run_toy, snapshots), oneclass (evaluate_one_class, the aux/eval protocol split),
persistence (batch vs N ≫ b diagrams, densification), kde (bandwidth rules, density maps),
cli (the `oneclass` and `toy` commands). Built on runner, density, topology and embedding.
"""

from __future__ import annotations

from corel_core.connectivity_lab.catalog import analysable_runs, run_label
from corel_core.connectivity_lab.errors import LabError
from corel_core.connectivity_lab.kde import KDEViews, kde_views
from corel_core.connectivity_lab.oneclass import (
    cached_one_class,
    evaluate_one_class,
    protocol_split,
    result_table,
)
from corel_core.connectivity_lab.persistence import (
    Densification,
    PersistenceViews,
    densification,
    persistence_views,
)
from corel_core.connectivity_lab.toy import (
    SNAPSHOT_EPOCHS,
    TUTORIAL_FIRST,
    TUTORIAL_LAST,
    SnapshotCallback,
    ToyResult,
    load_toy_result,
    run_toy,
    toy_runs,
)

__all__ = [
    "SNAPSHOT_EPOCHS",
    "TUTORIAL_FIRST",
    "TUTORIAL_LAST",
    "Densification",
    "KDEViews",
    "LabError",
    "PersistenceViews",
    "SnapshotCallback",
    "ToyResult",
    "analysable_runs",
    "cached_one_class",
    "densification",
    "evaluate_one_class",
    "kde_views",
    "load_toy_result",
    "persistence_views",
    "protocol_split",
    "result_table",
    "run_label",
    "run_toy",
    "toy_runs",
]
