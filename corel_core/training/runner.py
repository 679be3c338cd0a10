"""Glue from a `RunConfig` to a finished run on disk: data → model → objective → trainer → store.

The app's job manager and the CLI both call `train_run`; listeners (a progress bar, a job's
progress object) attach as trainer callbacks, so this module knows nothing about either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from corel_core.config import ConfigError, ModelConfig, RunConfig
from corel_core.data import Dataset, load_dataset
from corel_core.data.ranges import in_unit_interval
from corel_core.data.subsample import subsample_indices
from corel_core.losses.objective import build_objective
from corel_core.models import Autoencoder, build_model, evaluating, resolved_decoder
from corel_core.store import ACTIVE, RESUMABLE, Run, RunError, RunStore
from corel_core.training import RunRecorder, Trainer, TrainingControl, TrainResult, pick_device
from corel_core.training.death_stats import DeathStatistics

CONDITIONAL_KINDS = ("cvae", "cvae_optimal")
LATENT_CACHE_CAP = 20_000  # latents cached per run; analysis pages subsample further
PREVIEW_COUNT = 8  # fixed samples whose reconstructions are shown while training


@dataclass
class TrainOutcome:
    """What a finished `train_run` hands back."""

    run: Run
    result: TrainResult


def value_range(dataset: Dataset) -> tuple[float, float]:
    """The smallest and largest value in the data (what decides the decoder "auto" picks)."""
    return float(np.min(dataset.x)), float(np.max(dataset.x))


def model_config_for(config: RunConfig, dataset: Dataset) -> ModelConfig:
    """The run's ModelConfig with decoder "auto" resolved for this data (shape and value range)."""
    decoder = resolved_decoder(config.model, dataset.meta.shape, value_range(dataset))
    return dataclasses.replace(config.model, decoder=decoder)


def check_compatible(config: RunConfig, dataset: Dataset) -> None:
    """Refuse model/data combinations that cannot work, with a sentence a person understands."""
    kind = config.model.kind
    if kind in CONDITIONAL_KINDS and dataset.task is None:
        raise ConfigError(
            f"a {kind} needs a dataset with tasks (e.g. mnist_digits); "
            f"{dataset.meta.name} has none."
        )
    span = value_range(dataset)
    decoder = resolved_decoder(config.model, dataset.meta.shape, span)
    if decoder == "bernoulli" and not in_unit_interval(span):
        raise ConfigError(
            f"a Bernoulli decoder outputs values in [0, 1], but {dataset.meta.name} spans "
            f"{span[0]:.3g} to {span[1]:.3g}; choose decoder auto or gaussian."
        )
    if config.loss.reconstruction == "bce" and decoder == "gaussian":
        raise ConfigError(
            "binary cross-entropy needs a Bernoulli decoder on data in [0, 1]; "
            "choose mse or l1 for point clouds and Gaussian decoders."
        )
    if kind in ("conv", "branch_conv") and dataset.meta.kind != "image":
        raise ConfigError(f"the {kind} model needs images; {dataset.meta.name} is a point cloud.")


def n_tasks_of(dataset: Dataset) -> int:
    """Number of tasks (1 when the dataset has none)."""
    return 1 if dataset.task is None else int(dataset.task.max()) + 1


def preview_indices(n: int, count: int = PREVIEW_COUNT, seed: int = 0) -> np.ndarray:
    """Fixed sample indices whose reconstructions are shown during training."""
    return subsample_indices(n, count, seed)


@torch.no_grad()
def encode_all(
    model: Autoencoder, x: np.ndarray, task: np.ndarray | None, batch_size: int = 512
) -> dict[str, np.ndarray]:
    """Deterministic codes (and posterior parameters for VAEs) of every sample, on CPU.

    The model runs in eval mode and is left in the mode it was in.
    """
    with evaluating(model) as device:
        return _encode_batches(model, x, task, batch_size, device)


def _encode_batches(
    model: Autoencoder,
    x: np.ndarray,
    task: np.ndarray | None,
    batch_size: int,
    device: torch.device,
) -> dict[str, np.ndarray]:
    chunks: dict[str, list[np.ndarray]] = {"z": [], "mu": [], "logvar": [], "recon_error": []}
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(x[start : start + batch_size], device=device)
        tb = (
            None
            if task is None
            else torch.as_tensor(task[start : start + batch_size], device=device)
        )
        out = model(xb, tb)
        chunks["z"].append(out.z.cpu().numpy())
        err = (out.recon - xb).flatten(1).pow(2).sum(1)
        chunks["recon_error"].append(err.cpu().numpy())
        if out.mu is not None and out.logvar is not None:
            chunks["mu"].append(out.mu.cpu().numpy())
            chunks["logvar"].append(out.logvar.cpu().numpy())
    return {k: np.concatenate(v).astype(np.float32) for k, v in chunks.items() if v}


@torch.no_grad()
def reconstruct(model: Autoencoder, x: np.ndarray, task: np.ndarray | None) -> np.ndarray:
    """Reconstructions of a few samples, in data space."""
    with evaluating(model) as device:
        tb = None if task is None else torch.as_tensor(task, device=device)
        out = model(torch.as_tensor(x, device=device), tb)
    return out.recon.cpu().numpy()


def save_latents(run: Run, model: Autoencoder, dataset: Dataset, seed: int) -> None:
    """Cache the codes of (a capped random subset of) the training data next to the run."""
    n = len(dataset.x)
    index = subsample_indices(n, LATENT_CACHE_CAP, seed)
    task = None if dataset.task is None else dataset.task[index]
    arrays = encode_all(model, dataset.x[index], task)
    arrays["index"] = index.astype(np.int64)
    if dataset.y is not None:
        arrays["y"] = dataset.y[index]
    if task is not None:
        arrays["task"] = task
    run.save_latents(**arrays)


def _prepare(config: RunConfig) -> tuple[Dataset, torch.device, ModelConfig, Autoencoder]:
    """Load the data, check it fits the model, seed torch and build the model (not yet placed)."""
    dataset = load_dataset(config.data)
    check_compatible(config, dataset)
    torch.manual_seed(config.train.seed)
    device = pick_device(config.train.device)
    model_config = model_config_for(config, dataset)
    model = build_model(model_config, dataset.meta.shape, n_tasks=n_tasks_of(dataset))
    return dataset, device, model_config, model


def _fit(
    trainer: Trainer, run: Run, model: Autoencoder, dataset: Dataset, seed: int
) -> TrainOutcome:
    """Run the trainer; keep the codes of a run that has at least one epoch on disk."""
    result = trainer.fit()
    if result.status in ("completed", "stopped", "diverged") and run.metrics():
        save_latents(run, model, dataset, seed)
    return TrainOutcome(run=run, result=result)


def train_run(
    config: RunConfig,
    store: RunStore | None = None,
    *,
    control: TrainingControl | None = None,
    callbacks: Sequence[Any] = (),
    on_created: Callable[[Run, Dataset, Autoencoder], None] | None = None,
) -> TrainOutcome:
    """Train one run end to end and leave everything on disk (config, metrics, weights, latents).

    `on_created` is called once the run folder exists, before the first batch, so a caller can
    show the run id and build previews; `callbacks` are passed to the trainer as they are.
    """
    store = store or RunStore()
    dataset, device, model_config, model = _prepare(config)
    model = model.to(device)
    objective = build_objective(config.loss, config.model)
    run = store.create(config)
    run.save_json(
        "dataset",
        {
            "shape": list(dataset.meta.shape),
            "n_tasks": n_tasks_of(dataset),
            "kind": dataset.meta.kind,
            "classes": list(dataset.meta.classes),
            "task_names": list(dataset.meta.task_names),
            "n_samples": len(dataset.x),
            "value_range": list(value_range(dataset)),
            "decoder": model_config.decoder,  # "auto" resolved for this data
        },
    )
    try:
        if on_created is not None:
            on_created(run, dataset, model)
        trainer = Trainer(
            model,
            objective,
            config.train,
            dataset.x,
            dataset.task,
            callbacks=[DeathStatistics(), RunRecorder(run), *callbacks],
            control=control,
            device=device,
        )
    except Exception as exc:  # the run folder exists: never leave it stuck at "created"
        run.set_status("failed", str(exc))
        raise
    return _fit(trainer, run, model, dataset, config.train.seed)


def resume_run(
    run_id: str,
    store: RunStore | None = None,
    *,
    control: TrainingControl | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainOutcome:
    """Continue an interrupted, stopped or failed run in its own folder up to its configured epochs.

    Starts from weights/last.pt and the epochs in metrics.jsonl; data order and learning-rate
    schedule continue as if unbroken, but Adam's moment estimates restart (they are not saved).
    Raises RunError for a run that is still active, finished, or whose weights do not fit.
    """
    store = store or RunStore()
    run = store.get(run_id)
    status = run.status
    if status in ACTIVE:
        raise RunError(f"run {run.id} is still {status} in another process; it cannot be resumed.")
    if status not in RESUMABLE:
        raise RunError(
            f"run {run.id} is {status}; only {', '.join(RESUMABLE)} runs can be resumed."
        )
    config = run.config
    done = len(run.metrics())
    if done >= config.train.epochs:
        raise RunError(f"run {run.id} already has all {config.train.epochs} epochs.")
    dataset, device, _, model = _prepare(config)
    if done:
        try:
            model.load_state_dict(run.load_weights("last"))
        except RuntimeError as exc:  # shapes that do not match the config
            raise RunError(f"weights of run {run.id} do not fit its model: {exc}") from exc
    model = model.to(device)
    for stale in run.path.rglob(".*.tmp"):  # temp files of a writer killed mid-save
        stale.unlink(missing_ok=True)
    run.set_epochs_done(done)
    recorder = RunRecorder(run)
    totals = [r["total"] for r in run.metrics() if isinstance(r.get("total"), (int, float))]
    recorder.best_value = min(totals, default=recorder.best_value)
    trainer = Trainer(
        model,
        build_objective(config.loss, config.model),
        config.train,
        dataset.x,
        dataset.task,
        callbacks=[DeathStatistics(), recorder, *callbacks],
        control=control,
        device=device,
        start_epoch=done,
    )
    return _fit(trainer, run, model, dataset, config.train.seed)


def load_trained_model(run: Run, tag: str = "last", device: str = "cpu") -> Autoencoder:
    """Rebuild a run's model from its config and load its saved weights (tensors only)."""
    config = run.config
    dataset_meta = run.load_json("dataset") if run.has_json("dataset") else None
    if dataset_meta is None:
        raise ConfigError(f"run {run.id} has no record of its input shape; it cannot be reloaded.")
    model_config = config.model
    if dataset_meta.get("decoder") in ("bernoulli", "gaussian"):  # as resolved when it trained
        model_config = dataclasses.replace(model_config, decoder=dataset_meta["decoder"])
    model = build_model(
        model_config, tuple(dataset_meta["shape"]), n_tasks=int(dataset_meta["n_tasks"])
    )
    model.load_state_dict(run.load_weights(tag))
    return model.to(pick_device(device)).eval()
