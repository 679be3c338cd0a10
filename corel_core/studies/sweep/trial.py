"""One trial of a sweep, as a Ray Tune worker runs it (plain Python: testable without Ray).

A trial is an ordinary run of the run store: `train_run` with the trial's RunConfig, the run
tagged with the sweep id and the trial's key, then (if the sweep asks) the official one-class
protocol of `evaluate_one_class` at each n. A trial that was cut off (Ctrl-C, a lost worker)
continues its own run folder from its last saved epoch when the sweep is resumed, and a trial
whose run already completed is only re-read, so `--resume` finishes a sweep without retraining.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from corel_core.store import Run, RunError, RunStore
from corel_core.store.files import now_iso
from corel_core.studies.sweep.store import Sweep, SweepStore
from corel_core.training import EpochInfo, OnEpoch

FINAL_KEYS = ("recon", "conn", "total", "death_min", "death_mean", "death_max")
Report = Callable[[dict[str, Any]], None]


class TrialError(RuntimeError):
    """A trial's run did not complete (diverged, failed, stopped); the sweep records it."""


def auroc_key(scorer: str, n: int) -> str:
    """Name of a one-class metric in a trial's results, e.g. 'auroc_count_n120'."""
    return f"auroc_{scorer}_n{n}"


def _epoch_row(report: Report | None, index: int) -> OnEpoch:
    """Passes each finished epoch's metrics to Ray Tune (live progress in Tune's own tables)."""

    def send(info: EpochInfo) -> None:
        if report is not None:
            row = {k: v for k, v in info.metrics.items() if isinstance(v, (int, float))}
            report({**row, "trial": index, "done": False})

    return OnEpoch(send)


def _earlier_run(store: RunStore, record: Mapping[str, Any]) -> Run | None:
    run_id = record.get("run_id")
    if not run_id or not store.exists(str(run_id)):
        return None
    return store.get(str(run_id))


def _train(sweep: Sweep, index: int, report: Report | None) -> Run:
    """Train (or resume, or re-read) the trial's run; TrialError unless it completed."""
    from corel_core.training.runner import RESUMABLE, resume_run, train_run

    spec = sweep.spec
    trial = spec.trials[index]
    config = spec.config_of(trial)
    store = RunStore(sweep.runs_dir)
    run = _earlier_run(store, sweep.trial(index))
    callbacks = [_epoch_row(report, index)]
    if run is not None and run.status == "completed":
        return run
    if run is not None and run.status in RESUMABLE and 0 < len(run.metrics()) < config.train.epochs:
        sweep.update_trial(index, message=f"resuming run {run.id} after epoch {len(run.metrics())}")
        outcome = resume_run(run.id, store, callbacks=callbacks)
    else:

        def tag(new: Run, *_: Any) -> None:
            new.set_labels(sweep=sweep.id, trial=trial.key)
            sweep.update_trial(index, run_id=new.id)

        outcome = train_run(config, store, callbacks=callbacks, on_created=tag)
    if outcome.result.status != "completed":
        raise TrialError(
            f"run {outcome.run.id} ended {outcome.result.status}: {outcome.result.message}"
        )
    return outcome.run


def code_death_mean(
    z: np.ndarray, batch: int, branches: int = 1, metric: str = "l1", batches: int = 10
) -> float:
    """Mean 0-dim death time of batches of `batch` codes, per branch, as the loss sees them.

    z: (N, D) codes; up to `batches` disjoint batches drawn with a fixed seed (0); each batch's
    D / branches-wide branches give batch − 1 MST edge lengths each (Hofer et al. 2019, §3).
    Defined for every λ, unlike the trainer's death statistics (only logged when λ > 0).
    Raises TopologyError for non-finite codes or branches that do not divide D.
    """
    from corel_core.topology import branch_blocks, vr0_persistence

    codes = torch.as_tensor(np.asarray(z, dtype=np.float64))
    size = min(int(batch), len(codes))
    if size < 2:
        return float("nan")
    order = np.random.default_rng(0).permutation(len(codes))
    deaths = []
    for k in range(min(batches, len(codes) // size)):
        block = codes[order[k * size : (k + 1) * size]]
        for part in branch_blocks(block, branches):
            deaths.append(vr0_persistence(part.contiguous(), metric).deaths.numpy())
    return float(np.concatenate(deaths).mean())


def _one_class(run: Run, ns: tuple[int, ...]) -> dict[str, float]:
    """AUROC per scorer and n (official protocol; mean over its 5 draws, then classes)."""
    from corel_core.analysis.oneclass import evaluate_one_class

    config = run.config
    out: dict[str, float] = {}
    for n in ns:
        result = evaluate_one_class(run, config.data.name, data_dir=config.data.data_dir, n=n)
        for scorer in result.scorers:
            out[auroc_key(scorer, n)] = result.mean(scorer)
            out[auroc_key(scorer, n) + "_sd"] = result.sd(scorer)
    return out


def _mark_interrupted(sweep: Sweep, index: int) -> None:
    """Record a trial cut off by a stopped sweep: pending again, its run "interrupted"."""
    hint = f"the sweep was stopped; python -m corel_core sweep --resume {sweep.id} continues it."
    record = sweep.update_trial(index, status="pending", message=hint)
    store = RunStore(sweep.runs_dir)
    run = _earlier_run(store, record)
    if run is not None:
        run.set_status("interrupted", hint)


def run_trial(
    runs_dir: str, sweep_id: str, params: Mapping[str, Any], report: Report | None = None
) -> dict[str, Any]:
    """Run the trial of sweep `sweep_id` whose settings are `params`; its final results.

    Torch runs with one thread (several trials share the machine's cores). The trial's record
    in the sweep folder says running / completed / failed with the run id and results; any
    error is recorded there and re-raised, so Ray Tune marks the trial as errored too.
    """
    torch.set_num_threads(1)
    sweep = SweepStore(runs_dir).get(sweep_id)
    trial = sweep.spec.trial_for(params)
    started = time.monotonic()
    sweep.update_trial(
        trial.index, status="running", started=now_iso(), host=socket.gethostname(), message=""
    )
    try:
        run = _train(sweep, trial.index, report)
        final = run.final_metrics()
        results: dict[str, Any] = {k: final[k] for k in FINAL_KEYS if k in final}
        results["epochs"] = len(run.metrics())
        config = run.config
        if run.has_latents():
            results["code_death_mean"] = code_death_mean(
                run.load_latents()["z"],
                config.train.batch_size,
                config.model.branches,
                config.loss.metric,
            )
        results.update(_one_class(run, sweep.spec.oneclass_n))
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        seconds = time.monotonic() - started
        sweep.update_trial(trial.index, status="failed", message=message, seconds=seconds)
        raise
    except BaseException:  # Ctrl-C: Tune ends the trial's actor (SystemExit) mid-epoch
        _mark_interrupted(sweep, trial.index)
        raise
    seconds = time.monotonic() - started
    sweep.update_trial(
        trial.index,
        status="completed",
        run_id=run.id,
        results=results,
        seconds=seconds,
        finished=now_iso(),
        message="",
    )
    final_row = {**results, "run_id": run.id, "trial": trial.index, "seconds": seconds}
    if report is not None:
        report({**final_row, "done": True})
    return final_row


__all__ = ["FINAL_KEYS", "RunError", "TrialError", "auroc_key", "run_trial"]
