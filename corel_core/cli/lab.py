"""CLI pieces of the lab: `oneclass` (AUROC of a run) and `toy` (the tutorial reproduction).

The lead's corel_core.cli registers them with add_*_parser(subparsers) and dispatches to cmd_*.
"""

from __future__ import annotations

import argparse
import json
import sys

from corel_core.density import SCORERS
from corel_core.density.oneclass import PROTOCOLS


def _progress_printer(label: str, quiet: bool):
    """A callback printing "label done/total" on stderr, or None when quiet."""
    if quiet:
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else "\r"
        print(f"{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def add_oneclass_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `oneclass`: per-class and mean AUROC (count, kde, ocsvm) of a trained run."""
    p = subparsers.add_parser(
        "oneclass",
        help="one-class AUROC of a trained run (COREL protocol: count, kde, ocsvm)",
        description=(
            "Per class draw n reference codes and score the evaluation split with a trained "
            "run. --protocol official (default, the authors' code): references from the run's "
            "own training images, the whole split scored. --protocol split-half (ours): "
            "references from the split's first half, its second half scored."
        ),
    )
    p.add_argument(
        "--protocol",
        default="official",
        choices=list(PROTOCOLS),
        help="where the reference codes come from (default: official)",
    )
    p.add_argument("--run", required=True, help="run folder or run id")
    p.add_argument("--eval-dataset", help="dataset to evaluate on (default: the run's dataset)")
    p.add_argument("--data-dir", help="directory holding dataset files")
    p.add_argument(
        "--split", default="eval", choices=["all", "aux", "eval"], help="the split that is scored"
    )
    p.add_argument(
        "--n",
        type=int,
        default=120,
        help="reference codes per class (the paper's grid: 80/120/500); at most the rarest "
        "class's count in the reference pool",
    )
    p.add_argument("--runs", type=int, default=5, help="repetitions with fresh samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs-dir", help="run store directory when --run is an id")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--no-cache", action="store_true", help="recompute even if cached in the run")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def add_toy_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `toy`: train the tutorial's three-Gaussians toy and print its death statistics."""
    p = subparsers.add_parser(
        "toy", help="reproduce the COREL tutorial toy (connectivity loss alone, b = 50, η = 2)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--runs-dir", help="run store directory (default ~/.corel/runs)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def _resolve_run(spec: str, runs_dir: str | None):
    """A Run from a folder path or an id in the store."""
    from pathlib import Path

    from corel_core.store import Run, RunStore

    path = Path(spec).expanduser()
    if path.is_dir() and (path / "config.json").exists():
        return Run(path)
    return RunStore(runs_dir).get(spec)


def cmd_oneclass(args: argparse.Namespace) -> int:
    """Run evaluate_one_class and print per-class and mean AUROC (JSON with --json)."""
    from corel_core.analysis.oneclass import evaluate_one_class, result_table

    run = _resolve_run(args.run, args.runs_dir)
    dataset = args.eval_dataset or run.config.data.name
    data_dir = args.data_dir or run.config.data.data_dir
    result = evaluate_one_class(
        run,
        dataset,
        data_dir=data_dir,
        n=args.n,
        runs=args.runs,
        seed=args.seed,
        split=args.split,
        progress=_progress_printer("scoring", args.quiet),
        protocol=args.protocol,
        use_cache=not args.no_cache,
    )
    table = {
        "run": run.id,
        "eval_dataset": dataset,
        "split": args.split,
        **result_table(result),
        "protocol": args.protocol,
    }
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    ref, scored = result.provenance["reference"], result.provenance["scored"]
    print(
        f"run {run.id}, {args.protocol} protocol, n = {args.n}, {args.runs} runs: references "
        f"from {ref['dataset']} '{ref['split']}' ({ref['part']}, {ref['images']} images), "
        f"scored: {scored['dataset']} '{scored['split']}' ({scored['part']}, "
        f"{scored['images']} images)"
    )
    for note in result.provenance.get("notes", []):
        print(f"note: {note}")
    print("class " + " ".join(f"{s:>8}" for s in SCORERS))
    for i, name in enumerate(table["classes"]):
        print(f"{name:<5} " + " ".join(f"{table['per_class'][s][i]:8.4f}" for s in SCORERS))
    print("mean  " + " ".join(f"{table['mean'][s]:8.4f}" for s in SCORERS))
    print("sd    " + " ".join(f"{table['sd'][s]:8.4f}" for s in SCORERS))
    return 0


def cmd_toy(args: argparse.Namespace) -> int:
    """Train the toy and print (min, mean, max) deaths and loss next to the tutorial's."""
    from corel_core.store import RunStore
    from corel_core.studies.toy import run_toy

    result = run_toy(
        RunStore(args.runs_dir),
        seed=args.seed,
        progress=_progress_printer("epoch", args.quiet),
        epochs=args.epochs,
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    print(f"run {result.run.id}: {result.status} in {result.seconds:.1f} s")
    print(f"{'':<16}{'min':>8}{'mean':>8}{'max':>8}{'loss':>8}   tutorial (min, mean, max, loss)")
    for row in result.comparison():
        tut = row["tutorial"]
        ref = (
            ""
            if tut is None
            else "   ({death_min}, {death_mean}, {death_max}, ≈{loss})".format(**tut)
        )
        print(
            f"{row['when']:<16}{row['death_min']:8.3f}{row['death_mean']:8.3f}"
            f"{row['death_max']:8.3f}{row['loss']:8.2f}{ref}"
        )
    return 0
