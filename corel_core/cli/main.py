"""Command line: the app's capabilities headless (`python -m corel_core <command>`).

Long or GPU runs are started here and opened later in the app, which reads the same run store.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from corel_core.config import SETTINGS, ConfigError, RunConfig
from corel_core.schema import Setting

#: Commands that live in other modules: name → (module, parser adder, handler). A module is
#: imported only when its command runs (or for --help), so `runs --json` never pays for torch,
#: scikit-learn or Ray.
ELSEWHERE: dict[str, tuple[str, str, str]] = {
    "taskdep": ("corel_core.cli.taskdep", "add_taskdep_parser", "cmd_taskdep"),
    "oneclass": ("corel_core.cli.lab", "add_oneclass_parser", "cmd_oneclass"),
    "toy": ("corel_core.cli.lab", "add_toy_parser", "cmd_toy"),
    "sweep": ("corel_core.studies.sweep.cli", "add_sweep_parser", "cmd_sweep"),
}


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train one run and print its folder on the last line",
        description="Train one run. Every RunConfig setting is a flag below; the Train page "
        "takes the same names as URL parameters (?lambda-conn=20&seed=3).",
    )
    p.add_argument("--config", type=Path, help="a RunConfig JSON file; flags below override it")
    p.add_argument("--runs-dir", help="run store directory (default ~/.corel/runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--resume", metavar="RUN_ID", help="continue an interrupted or stopped run")
    add_setting_flags(p)


def add_setting_flags(p: argparse.ArgumentParser) -> None:
    """One flag per RunConfig setting, generated from the schema (train and sweep share them)."""
    group = p.add_argument_group("settings", "one per RunConfig field, applied after --config")
    for s in SETTINGS:
        group.add_argument(s.flag, metavar=_metavar(s), help=_flag_help(s))


def _metavar(s: Setting) -> str:
    if s.choices:
        return "{" + ",".join(s.choices) + "}"
    return {"ints": "N,N,...", "bool": "{true,false}", "int": "INT", "float": "X"}.get(
        s.kind, "TEXT"
    )


def _flag_help(s: Setting) -> str:
    default = "" if s.default in ("", None) else f" Default: {s.format(s.default)}."
    return (s.describe() + default).replace("%", "%%")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Start from --preset (else the defaults), or --config FILE, then apply every setting flag.

    Flags take text exactly like the Train page's URL parameters of the same name.
    """
    texts = {
        s.name: getattr(args, s.name.replace("-", "_"))
        for s in SETTINGS
        if getattr(args, s.name.replace("-", "_")) is not None
    }
    preset = texts.pop("preset", "")
    if preset:
        from corel_core.presets import get_preset

        config = get_preset(preset).config
    else:
        config = RunConfig()
    if args.config:
        try:
            config = RunConfig.from_json(args.config.read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read the configuration file {args.config}: {exc}") from exc
    return config.with_texts(texts)


def cmd_train(args: argparse.Namespace) -> int:
    """Train one run with a progress bar; the last line printed is the run's folder."""
    from corel_core.store import RunStore
    from corel_core.training.progress_bar import ProgressBar
    from corel_core.training.runner import resume_run, train_run

    store = RunStore(args.runs_dir)
    config = store.get(args.resume).config if args.resume else config_from_args(args)
    callbacks = [] if args.quiet else [ProgressBar(config.train.epochs)]
    if args.resume:
        outcome = resume_run(args.resume, store, callbacks=callbacks)
    else:
        outcome = train_run(config, store, callbacks=callbacks)
    result = outcome.result
    last = result.history[-1] if result.history else {}
    summary = ", ".join(f"{k}={v:.4g}" for k, v in last.items() if isinstance(v, float))
    print(f"status: {result.status}. {result.message} {summary}".strip(), file=sys.stderr)
    print(outcome.run.path)
    return 0 if result.status == "completed" else 3


def cmd_runs(args: argparse.Namespace) -> int:
    """List the runs of a store, as a table or JSON."""
    from corel_core.store import RunStore

    summaries = RunStore(args.runs_dir).list()
    rows = [s.to_dict() for s in summaries]
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print("no runs yet")
    for row in rows:
        final = row.get("final_metrics") or {}
        loss = final.get("total")
        loss_text = f"{loss:.4g}" if isinstance(loss, float) else "-"
        print(
            f"{row['id']:<48} {row['status']:<12} {row.get('dataset') or '-':<16} "
            f"{row.get('model_kind') or '-':<12} loss={loss_text}"
        )
    return 0


def cmd_lessons(args: argparse.Namespace) -> int:
    """List the ready-made presets."""
    from corel_core.presets import PRESETS

    for preset in PRESETS.values():
        print(f"{preset.name:<18} {preset.title} — {preset.question}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Benchmarks against named peers, measured in the same run."""
    from corel_core.bench import main as bench_main

    return int(bench_main([args.which, *(["--quick"] if args.quick else [])]) or 0)


def _elsewhere(name: str, which: str) -> Callable:
    """The parser adder (`which="add"`) or the handler (`"cmd"`) of a command in ELSEWHERE."""
    module, adder, handler = ELSEWHERE[name]
    return getattr(importlib.import_module(module), adder if which == "add" else handler)


def cmd_warmup(args: argparse.Namespace) -> int:
    """Compile the numba kernels (connectivity loss, UMAP) once; numba keeps them on disk."""
    from corel_core.analysis.warmup import warm_up

    steps = tuple(args.only) if args.only else None
    seconds = warm_up(*([steps] if steps else []), report=lambda line: print(line, flush=True))
    print(f"warm-up done in {sum(seconds.values()):.0f} s", flush=True)
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a `command` from ELSEWHERE only that one of them is registered.

    Without one (help, a typo) every command is registered, which imports every module.
    """
    parser = argparse.ArgumentParser(prog="python -m corel_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    p = sub.add_parser("runs", help="list the runs in a run store")
    p.add_argument("--runs-dir")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("lessons", help="list the ready-made presets")
    p.add_argument("--list", action="store_true", help="list them (the default)")
    p = sub.add_parser("bench", help="benchmarks with ratios against peers")
    p.add_argument("which", choices=["persistence", "connectivity", "first-run"])
    p.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    p = sub.add_parser(
        "warmup",
        help="compile the numba kernels once (make setup runs it); later runs load them from disk",
    )
    p.add_argument(
        "--only",
        nargs="+",
        choices=["connectivity", "umap", "umap-large"],
        help="compile only these (default: all)",
    )
    if command in COMMANDS:
        return parser
    for name in ELSEWHERE if command not in ELSEWHERE else (command,):
        if name == "sweep":  # sweep takes every train flag too
            _elsewhere(name, "add")(sub, add_setting_flags)
        else:
            _elsewhere(name, "add")(sub)
    return parser


COMMANDS = {
    "train": cmd_train,
    "runs": cmd_runs,
    "lessons": cmd_lessons,
    "bench": cmd_bench,
    "warmup": cmd_warmup,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; user errors print one line and exit with status 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and not argv[0].startswith("-") else None
    args = build_parser(command).parse_args(argv)
    try:
        if args.command in COMMANDS:
            return COMMANDS[args.command](args)
        return _elsewhere(args.command, "cmd")(args)
    except ValueError as exc:  # every error a user can cause is a ValueError subclass
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
