"""`python -m corel_core taskdep`: the task-dependency experiment from the command line.

The lead registers `add_taskdep_parser` and `cmd_taskdep` in corel_core/cli.py. The result is
saved next to the runs (<runs dir>/taskdep/<id>/) so the app's task-dependency page lists it.
"""

from __future__ import annotations

import argparse
import sys

from corel_core.studies.taskdep.config import TASK_PAIRS, TaskDepConfig

QUICK = {  # a smoke-test size: one seed, a few epochs, small held-out sets (overrides pairs')
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
    p.add_argument(
        "--source",
        default="synthetic",
        choices=sources,
        help="large source task (default synthetic: built in, offline; mnist needs its files)",
    )
    p.add_argument(
        "--target",
        default=None,
        choices=targets,
        help="small target task (default: shifted for synthetic, digits for mnist)",
    )
    p.add_argument("--n-target", type=int, default=100, help="training samples of the target")
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default 3)")
    p.add_argument(
        "--epochs", type=int, help="training epochs per model (default 40 synthetic, 20 mnist)"
    )
    p.add_argument(
        "--ratio-steps",
        type=int,
        help="discriminator passes per model step of the optimal-prior CVAE (default 5)",
    )
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


def plural(count: int, noun: str) -> str:
    """'1 seed', '3 seeds'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def default_target(source: str) -> str:
    """The first target paired with `source` in TASK_PAIRS (shifted, digits)."""
    return next(t for s, t in TASK_PAIRS if s == source)


def config_from_args(args: argparse.Namespace) -> TaskDepConfig:
    """The experiment's config from the parsed flags (pair defaults, --quick, explicit flags)."""
    fields: dict = dict(QUICK) if args.quick else {}
    fields.update(n_target=args.n_target, data_dir=args.data_dir)
    for flag in ("seeds", "epochs", "ratio_steps"):
        if getattr(args, flag, None) is not None:
            fields[flag] = getattr(args, flag)
    target = args.target or default_target(args.source)
    return TaskDepConfig.for_pair(args.source, target, **fields)


def cmd_taskdep(args: argparse.Namespace) -> int:
    """Run the experiment with progress on stderr; print a table (or JSON) on stdout."""
    import torch

    from corel_core.store import RunStore
    from corel_core.studies.taskdep.experiment import run_taskdep
    from corel_core.studies.taskdep.report import format_table

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
        if args.quick:
            print(
                f"--quick: a smoke test ({plural(QUICK['epochs'], 'epoch')}, "
                f"{plural(QUICK['n_source'], 'source sample')}, "
                f"{plural(len(QUICK['seeds']), 'seed')}); these numbers are not the README's "
                "table, which uses the defaults (drop --quick)."
            )
        print(f"saved: {store.root / 'taskdep' / str(result.id)}")
    if result.status != "completed":
        print(f"status: {result.status}. {result.message}", file=sys.stderr)
        return 3
    return 0
