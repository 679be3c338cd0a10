"""`python -m corel_core sweep`: every `train` flag, plus the grid, seeds, one-class scoring and
where to run (an embedded local Ray by default, `--address` for a running cluster)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

EPILOG = """\
examples:
  python -m corel_core sweep --dataset digits --model mlp --latent-dim 2 --epochs 2 \\
      --grid lambda_conn=0,20 --seeds 2 --runs-dir DIR --json
  python -m corel_core sweep --preset mnist_protocol --data-dir DIR --epochs 10 \\
      --grid lambda-conn=0,1,10,20,40 --seeds 3 --oneclass --n 120 --max-concurrent 2
  ray start --head --node-ip-address 127.0.0.1 --port 6380 --include-dashboard false
  python -m corel_core sweep ... --address 127.0.0.1:6380   # the same sweep on that cluster
  python -m corel_core sweep --resume SWEEP_ID --runs-dir DIR  # after Ctrl-C

On a cluster, --runs-dir must be shared storage mounted at the same path on every node (the
workers write the runs and the sweep's records there), and every node needs this project and
its environment at the same path.
"""

RESUME_KEEPS = ("runs_dir", "resume", "retry_failed", "json", "quiet", "address", "command")


def add_sweep_parser(
    subparsers: argparse._SubParsersAction,
    add_setting_flags: Callable[[argparse.ArgumentParser], None],
) -> argparse.ArgumentParser:
    """Register `sweep`; `add_setting_flags` adds the `train` setting flags (from the schema)."""
    p = subparsers.add_parser(
        "sweep",
        help="a grid of runs (settings × seeds) on Ray Tune, each an ordinary run in the store",
        description="Train every combination of the --grid values and seeds as Ray Tune trials. "
        "Each trial is an ordinary run in the run store, tagged with the sweep id; a failed "
        "trial is recorded and the others go on; Ctrl-C stops cleanly and --resume finishes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, help="a RunConfig JSON file; flags below override it")
    p.add_argument(
        "--runs-dir",
        help="run store directory (default ~/.corel/runs); on a cluster: shared storage",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--resume", metavar="SWEEP_ID", help="finish an interrupted sweep")
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run the failed trials again too (they are kept as failed otherwise)",
    )
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="FIELD=V1,V2,…",
        help="a setting (flag name, '_' or '-') and its values; repeat for more settings "
        "(their cross product is run). List settings separate values with ';'.",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="run every grid point with N training seeds: --seed, --seed+1, … (default 1)",
    )
    p.add_argument(
        "--oneclass",
        action="store_true",
        help="score each trial with the official one-class protocol (count, kde, ocsvm AUROC)",
    )
    p.add_argument("--n", help="one-class reference images per class, e.g. 80,120,500 (120)")
    p.add_argument(
        "--max-concurrent", type=int, help="trials at a time (default: the cluster's CPUs)"
    )
    p.add_argument(
        "--gpus-per-trial",
        type=float,
        help="GPUs each trial reserves (default: the cluster's GPUs shared by the concurrent "
        "trials when --device is not cpu, else 0)",
    )
    p.add_argument(
        "--address",
        help="a running Ray cluster, e.g. 127.0.0.1:6379 (default: an embedded local Ray "
        "sized to this machine, stopped when the sweep ends)",
    )
    p.add_argument("--json", action="store_true", help="print the sweep's results as JSON")
    add_setting_flags(p)
    return p


def _given(args: argparse.Namespace, parser_defaults: dict[str, Any]) -> list[str]:
    return [
        k
        for k, v in vars(args).items()
        if k not in RESUME_KEEPS and v not in (None, [], False) and v != parser_defaults.get(k)
    ]


def spec_from_args(args: argparse.Namespace) -> Any:
    """The SweepSpec the flags describe (SweepError / ConfigError with a sentence if not)."""
    from corel_core.cli import config_from_args
    from corel_core.studies.sweep.spec import SweepError, SweepSpec, parse_grid, parse_n

    base = config_from_args(args)
    folder = base.data.data_dir
    if folder and not Path(folder).expanduser().is_absolute():  # workers run elsewhere
        base = base.replace(data={"data_dir": str(Path(folder).expanduser().resolve())})
    if args.seeds < 1:
        raise SweepError(f"--seeds must be at least 1, not {args.seeds}.")
    if args.n is not None and not args.oneclass:
        raise SweepError("--n sets the one-class n; add --oneclass to score the trials.")
    if not args.grid and args.seeds == 1:
        raise SweepError("a sweep needs --grid FIELD=V1,V2 and/or --seeds N (N ≥ 2).")
    seeds = tuple(base.train.seed + i for i in range(args.seeds))
    return SweepSpec(
        base=replace(base, name=base.name),
        grid=parse_grid(args.grid),
        seeds=seeds,
        oneclass_n=parse_n(args.n or "120") if args.oneclass else (),
        max_concurrent=args.max_concurrent,
        gpus_per_trial=args.gpus_per_trial,
    )


def _print_table(out: dict[str, Any]) -> None:
    metrics = out["metrics"][:3]
    fields = list(out["grid"])
    head = [*fields, "seeds", *metrics]
    print("  ".join(f"{h:>22}" for h in head))
    for point in out["points"]:
        cells = [str(point[f]) for f in fields] + [str(point["seeds"])]
        for m in metrics:
            mean, sd = point[m], point[f"{m}_sd"]
            text = "-" if mean is None else f"{mean:.4g}" + ("" if sd is None else f" ± {sd:.2g}")
            cells.append(text)
        print("  ".join(f"{c:>22}" for c in cells))
    for failure in out["failed"]:
        print(f"trial {failure['trial']} failed: {failure['message']}")
    print(f"sweep {out['sweep']}: {out['status']}. {out['message']}")


def cmd_sweep(args: argparse.Namespace) -> int:
    """Create (or resume) a sweep and run it; exit 0 all completed, 3 some failed, 130 stopped."""
    from corel_core.studies.sweep.engine import run_sweep, stderr_progress
    from corel_core.studies.sweep.spec import SweepError
    from corel_core.studies.sweep.store import SweepStore

    store = SweepStore(Path(args.runs_dir).expanduser().resolve() if args.runs_dir else None)
    if args.resume:
        extra = _given(args, {"seeds": 1})
        if extra:
            raise SweepError(
                "--resume finishes a sweep as it was created; leave out "
                + ", ".join("--" + e.replace("_", "-") for e in extra)
                + "."
            )
        sweep = store.get(args.resume)
    elif args.retry_failed:
        raise SweepError("--retry-failed goes with --resume SWEEP_ID.")
    else:
        sweep = store.create(spec_from_args(args))
    progress = None if args.quiet else stderr_progress
    # Ray Tune prints on stdout; with --json only the JSON goes there.
    quiet_stdout = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with quiet_stdout:
        out = run_sweep(
            sweep, address=args.address, progress=progress, retry_failed=args.retry_failed
        )
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        _print_table(out)
    if out["status"] == "interrupted":
        return 130
    return 0 if out["counts"]["failed"] == 0 else 3
