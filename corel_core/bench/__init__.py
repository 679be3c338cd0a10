"""Benchmarks that print ratios against named peers measured in the same run.

`python -m corel_core bench persistence|connectivity|first-run [--quick]` ends up in `main` below.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from corel_core.bench.connectivity import format_connectivity_bench, run_connectivity_bench
from corel_core.bench.persistence import format_persistence_bench, run_persistence_bench

BENCHES = ("persistence", "connectivity", "first-run")

__all__ = [
    "BENCHES",
    "format_connectivity_bench",
    "format_persistence_bench",
    "main",
    "run_connectivity_bench",
    "run_persistence_bench",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one named benchmark from command-line style arguments; returns an exit code."""
    parser = argparse.ArgumentParser(prog="corel bench", description="Run a corel benchmark.")
    parser.add_argument("name", choices=BENCHES, help="which benchmark to run")
    parser.add_argument("--quick", action="store_true", help="a small grid, for a smoke run")
    args = parser.parse_args(argv)
    if args.name == "persistence":
        from corel_core.bench.persistence import main as run
    elif args.name == "first-run":
        from corel_core.bench.first_run import main as run
    else:
        from corel_core.bench.connectivity import main as run
    run(quick=args.quick)
    return 0
