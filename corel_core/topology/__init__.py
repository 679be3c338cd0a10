"""Topology: exact differentiable H0 persistence, the COREL connectivity loss, and diagrams.

- `persistence`: `vr0_persistence` (MST death times via compiled Prim + torch gather), `death_stats`
- `connectivity`: `connectivity_loss` (Hofer et al., ICML 2019)
- `diagrams`: H0..Hk diagrams via ripser with seeded subsampling
"""

from __future__ import annotations

from corel_core.topology.connectivity import (
    branch_blocks,
    connectivity_loss,
    connectivity_loss_and_deaths,
)
from corel_core.topology.diagrams import Diagrams, diagrams
from corel_core.topology.persistence import (
    METRICS,
    NonFiniteInputError,
    Persistence0,
    TopologyError,
    death_stats,
    mst_edges,
    pair_distances,
    vr0_persistence,
)

__all__ = [
    "METRICS",
    "Diagrams",
    "NonFiniteInputError",
    "Persistence0",
    "TopologyError",
    "branch_blocks",
    "connectivity_loss",
    "connectivity_loss_and_deaths",
    "death_stats",
    "diagrams",
    "mst_edges",
    "pair_distances",
    "vr0_persistence",
]
