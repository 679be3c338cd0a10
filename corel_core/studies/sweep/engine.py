"""Run a sweep's trials as Ray Tune trials: on an embedded local Ray, or on a running cluster.

Ray Tune does the sweep machinery: the grid is a `tune.grid_search` per swept setting, the
concurrency limit is `max_concurrent_trials`, a trial that raises is marked errored while the
others go on, Ctrl-C stops the experiment and saves its state, and `Tuner.restore` continues
it. Each Tune trial calls `trial.run_trial`, which writes an ordinary run into the run store.

Ray is imported only here and only when a sweep runs. Its usage statistics and dashboard are
off, an embedded Ray listens on 127.0.0.1 only and is shut down when the sweep ends. On a
cluster (`address`), every node needs this project and its environment at the same path and
the run store on shared storage (NFS or similar) mounted at the same path: workers write the
runs and the sweep records there, and Tune keeps its experiment state in the sweep folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from corel_core.store.files import now_iso
from corel_core.studies.sweep.spec import SweepError
from corel_core.studies.sweep.store import Sweep

EXPERIMENT = "experiment"  # Tune's experiment folder inside <sweep>/tune/
OBJECT_STORE_BYTES = 128 * 2**20  # trials exchange only small dicts
Progress = Callable[[str], None]


LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray keeps 127.0.0.1 as the node IP
PROJECT_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding corel_core/


def quiet_ray_environment() -> None:
    """No usage statistics, terse output."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("TUNE_MAX_PENDING_TRIALS_PG", "1")


def is_loopback(address: str) -> bool:
    """Whether a Ray address ("host:port") names this machine's loopback interface."""
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    return host == "localhost" or host == "::1" or host.startswith("127.")


def _stay_on_loopback() -> None:
    """On Linux Ray replaces 127.0.0.1 by the machine's network address unless multi-node
    clusters are switched off with this variable (its name mentions Windows/OSX, where that is
    the default); an embedded Ray and a loopback cluster then use 127.0.0.1 only."""
    os.environ[LOOPBACK_ONLY] = "0"
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:  # read at import time: Ray was imported before this sweep
        constants.ENABLE_RAY_CLUSTER = False


def _use_token_if_any() -> None:
    """Send Ray's authentication token (~/.ray/auth_token or $RAY_AUTH_TOKEN) to a cluster:
    a head started by `ray start` requires it, and a driver does not send it unless told."""
    has_token = os.environ.get("RAY_AUTH_TOKEN") or (Path.home() / ".ray" / "auth_token").exists()
    if not has_token or "RAY_AUTH_MODE" in os.environ:
        return
    os.environ["RAY_AUTH_MODE"] = "token"
    if "ray" in sys.modules:  # Ray read its configuration at import: make it read it again
        from ray._private.authentication import authentication_token_setup

        authentication_token_setup._enable_token_auth()


def prepare_environment(address: str | None) -> None:
    """Environment for Ray, set before it is imported where possible (it reads some at import)."""
    quiet_ray_environment()
    if not address or is_loopback(address):
        _stay_on_loopback()
    if address:
        _use_token_if_any()


@contextlib.contextmanager
def ray_session(address: str | None = None, temp_dir: str | None = None) -> Iterator[str]:
    """Connect to the cluster at `address`, else start an embedded local Ray; yields a label.

    The embedded Ray is sized to this machine (all CPUs, any GPUs torch's driver shows), listens
    on 127.0.0.1 and is shut down on exit; a Ray this process had already started is reused
    and left running. `temp_dir` (or $COREL_RAY_TMPDIR) holds an embedded Ray's sockets/logs.
    """
    prepare_environment(address)
    import ray

    if ray.is_initialized():
        yield "the Ray already running in this process"
        return
    common: dict[str, Any] = {
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        # workers import corel_core from this checkout (the same path on every node)
        "runtime_env": {"env_vars": {"PYTHONPATH": PROJECT_ROOT}},
    }
    if address:
        try:
            ray.init(address=address, **common)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise SweepError(f"could not reach a Ray cluster at {address}: {exc}") from exc
        label = f"Ray cluster at {address}"
    else:
        ray.init(
            address="local",
            num_cpus=os.cpu_count() or 1,
            object_store_memory=OBJECT_STORE_BYTES,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            _temp_dir=temp_dir or os.environ.get("COREL_RAY_TMPDIR") or None,
            **common,
        )
        label = "embedded local Ray"
    try:
        yield label
    finally:
        ray.shutdown()


def _trainable(config: dict[str, Any]) -> None:
    """What every Tune trial runs (module level, so workers import it instead of unpickling)."""
    from ray import tune

    from corel_core.studies.sweep.trial import run_trial

    sweep = config["sweep"]
    run_trial(sweep["runs_dir"], sweep["id"], config["params"], report=tune.report)


def _progress_callback(sweep: Sweep, total: int, progress: Progress) -> Any:
    """A Tune callback printing one line per finished trial."""
    from ray import tune

    class Lines(tune.Callback):
        def __init__(self) -> None:
            self.done = 0

        def _line(self, trial: Any, what: str) -> None:
            self.done += 1
            key = " ".join(f"{k}={v}" for k, v in trial.config["params"].items())
            progress(f"[{self.done}/{total}] {key}: {what}")

        def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            result = trial.last_result or {}
            self._line(trial, f"completed, run {result.get('run_id', '?')}")

        def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            self._line(trial, "failed (recorded; the sweep goes on)")

    return Lines()


def _resources(spec_gpus: float | None, device: str, concurrency: int) -> dict[str, float]:
    """One CPU per trial; GPUs shared evenly by concurrent trials when the cluster has any."""
    import ray

    gpus = float(ray.cluster_resources().get("GPU", 0.0))
    if spec_gpus is not None:
        per_trial = spec_gpus
    elif gpus >= 1 and device != "cpu":
        per_trial = min(1.0, gpus / concurrency)
    else:
        per_trial = 0.0
    if per_trial > gpus:
        raise SweepError(f"each trial asks for {per_trial} GPUs but the cluster has {gpus:g}.")
    return {"cpu": 1.0, "gpu": per_trial}


def _settle(sweep: Sweep, errors: dict[int, str], interrupted: bool) -> str:
    """Make every trial record final after Tune returns; the sweep's status."""
    for record in sweep.trials():
        index, status = record["index"], record.get("status", "pending")
        if index in errors and status != "failed":
            sweep.update_trial(index, status="failed", message=errors[index])
        elif status == "running" and index not in errors:
            sweep.update_trial(
                index, status="pending", message="interrupted; --resume continues its run."
            )
    counts = sweep.counts()
    if counts["pending"] or counts["running"] or interrupted:
        return "interrupted"
    return "completed"


def run_sweep(
    sweep: Sweep,
    address: str | None = None,
    max_concurrent: int | None = None,
    progress: Progress | None = None,
    temp_dir: str | None = None,
    retry_failed: bool = False,
) -> dict[str, Any]:
    """Run (or resume) every unfinished trial of `sweep` with Ray Tune; the sweep's summary.

    Restores Tune's saved experiment when there is one (after Ctrl-C; failed trials stay failed
    unless `retry_failed`), else grid-searches the whole space; trials whose run already
    completed are only re-read. Returns
    `results.summary(sweep)` plus wall time and where it ran.
    """
    from corel_core.studies.sweep.results import summary

    spec = sweep.spec
    started = time.monotonic()
    tune_dir = sweep.tune_dir.resolve()
    say = progress or (lambda line: None)
    status, interrupted = "failed", False
    with ray_session(address, temp_dir) as where:
        import ray
        from ray import tune

        cpus = int(ray.cluster_resources().get("CPU", 1))
        concurrency = max_concurrent or spec.max_concurrent or max(1, cpus)
        resources = _resources(spec.gpus_per_trial, spec.base.train.device, concurrency)
        trainable = tune.with_resources(_trainable, resources)
        sweep.set_state(
            "running",
            f"{len(spec.trials)} trials on {where}",
            started=now_iso(),
            address=address or "embedded",
            concurrency=concurrency,
            resources=resources,
        )
        say(f"sweep {sweep.id}: {len(spec.trials)} trials, {concurrency} at a time on {where}")
        experiment = tune_dir / EXPERIMENT
        callbacks = [_progress_callback(sweep, len(spec.trials), say)]
        errors: dict[int, str] = {}
        try:
            if tune.Tuner.can_restore(str(experiment)):
                tuner = tune.Tuner.restore(
                    str(experiment),
                    trainable,
                    resume_unfinished=True,
                    restart_errored=retry_failed,
                )
            else:
                params = {k: tune.grid_search(list(v)) for k, v in spec.space.items()}
                tuner = tune.Tuner(
                    trainable,
                    param_space={
                        "sweep": {"id": sweep.id, "runs_dir": str(sweep.runs_dir.resolve())},
                        "params": params,
                    },
                    tune_config=tune.TuneConfig(max_concurrent_trials=concurrency),
                    run_config=tune.RunConfig(
                        name=EXPERIMENT,
                        storage_path=str(tune_dir),
                        verbose=0,
                        callbacks=callbacks,
                        failure_config=tune.FailureConfig(max_failures=0),
                    ),
                )
            for result in tuner.fit():
                if result.error is not None:
                    params = (result.config or {}).get("params", {})
                    with contextlib.suppress(SweepError):
                        index = spec.trial_for(params).index
                        errors[index] = _error_text(result.error)
        except KeyboardInterrupt:  # a second Ctrl-C while Tune was saving its state
            interrupted, errors = True, {}
        finally:
            wall = time.monotonic() - started
            status = _settle(sweep, errors if not interrupted else {}, interrupted)
            hint = (
                f"resume with: python -m corel_core sweep --resume {sweep.id} "
                f"--runs-dir {sweep.runs_dir}"
                if status == "interrupted"
                else ""
            )
            before = float(sweep.state().get("wall_seconds_total") or 0.0)
            sweep.set_state(
                status,
                hint,
                finished=now_iso(),
                wall_seconds=wall,
                wall_seconds_total=before + wall,
            )
    out = summary(sweep)
    say(f"sweep {sweep.id} {status} in {wall:.1f} s. {out['message']}".strip())
    return out


def _error_text(error: BaseException) -> str:
    """The last line of a Tune trial error: the trial's own exception, not Ray's wrapping."""
    text = str(error).strip().splitlines()
    lines = [line for line in text if line.strip()]
    return lines[-1] if lines else type(error).__name__


def stderr_progress(line: str) -> None:
    """Progress lines on stderr (stdout stays for --json)."""
    print(line, file=sys.stderr, flush=True)
