"""`python -m corel_core taskdep`: the task-dependency experiment from the command line.

The lead registers `add_taskdep_parser` and `cmd_taskdep` in corel_core/cli.py. The result is
saved next to the runs (<runs dir>/taskdep/<id>/) so the app's task-dependency page lists it.
"""

from __future__ import annotations

import argparse
import sys

from corel_core.taskdep.config import TASK_PAIRS, TaskDepConfig

QUICK = {  # a smoke-test size: one seed, a few epochs, small held-out sets
    "n_source": 500,
    "epochs": 3,
    "seeds": (0,),
    "n_eval_source": 200,
    "n_eval_target": 100,
    "iw_samples": 20,
    "mi_samples": 1024,
    "infonce_steps": 50,
}


def add_taskdep_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `taskdep` sub-command (its handler is `cmd_taskdep`)."""
    sources = sorted({s for s, _ in TASK_PAIRS})
    targets = sorted({t for _, t in TASK_PAIRS})
    p = subparsers.add_parser(
        "taskdep",
        help="VAE vs CVAE vs optimal-prior CVAE: task dependency I(S;Z) and test log-likelihood",
    )
    p.add_argument("--source", default="mnist", choices=sources, help="large source task")
    p.add_argument("--target", default="digits", choices=targets, help="small target task")
    p.add_argument("--n-target", type=int, default=100, help="training images of the target")
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default 3)")
    p.add_argument("--epochs", type=int, help="training epochs per model (default 20)")
    p.add_argument("--data-dir", help="directory holding the MNIST files")
    p.add_argument("--runs-dir", help="run store directory (default ~/.corel/runs)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--quick", action="store_true", help="tiny smoke-test settings (1 seed)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: these small MLPs gain little from more, and a "
        "shared machine slows down badly when threads compete)",
    )
    p.set_defaults(handler=cmd_taskdep)
    return p


def config_from_args(args: argparse.Namespace) -> TaskDepConfig:
    """The experiment's config from the parsed flags (--quick first, explicit flags win)."""
    fields: dict = dict(QUICK) if args.quick else {}
    fields.update(source=args.source, target=args.target, n_target=args.n_target)
    fields["data_dir"] = args.data_dir
    if args.seeds is not None:
        fields["seeds"] = args.seeds
    if args.epochs is not None:
        fields["epochs"] = args.epochs
    return TaskDepConfig(**fields)


def cmd_taskdep(args: argparse.Namespace) -> int:
    """Run the experiment with progress on stderr; print a table (or JSON) on stdout."""
    import torch

    from corel_core.runs import RunStore
    from corel_core.taskdep.experiment import run_taskdep
    from corel_core.taskdep.report import format_table

    if args.threads is not None and args.threads > 0:
        torch.set_num_threads(args.threads)
    cfg = config_from_args(args)
    store = RunStore(args.runs_dir)

    def progress(stage: str, done: int, total: int) -> None:
        print(f"\r{stage:<14} {done:>4}/{total:<4}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    result = run_taskdep(cfg, store, progress=progress)
    print(file=sys.stderr)
    if args.json:
        print(result.to_json())
    else:
        print(
            f"task dependency {cfg.source} → {cfg.target}, n_target={cfg.n_target}, "
            f"{len(cfg.seeds)} seed(s), {result.seconds:.0f} s; mean ± sd over seeds (nats)"
        )
        print(format_table(result))
        print(f"saved: {store.root / 'taskdep' / str(result.id)}")
    if result.status != "completed":
        print(f"status: {result.status}. {result.message}", file=sys.stderr)
        return 3
    return 0
