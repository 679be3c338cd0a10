"""The connectivity toy of the official COREL tutorial, reproduced through the normal training path.

Preset "toy_connectivity": three 2-D Gaussians (3×500 points), MLP 2→10→10→2, connectivity loss
alone with b = 50, η = 2 (Hofer et al., ICML 2019). A trainer callback keeps the encoded cloud at
chosen epochs; the trainer's history already holds, per epoch, the mean over batches of each
batch's (min, mean, max) death time and the loss per batch — the tutorial's statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from corel_core.analysis.errors import LabError
from corel_core.config import RunConfig
from corel_core.models import evaluating
from corel_core.presets import get_preset
from corel_core.store import Run, RunError, RunStore
from corel_core.training import Callback, EpochInfo, OnEpoch, Trainer

TOY_PRESET = "toy_connectivity"
SNAPSHOT_EPOCHS = (0, 5, 50)
# (min, mean, max) of batch deaths and loss per batch of 50, from the official tutorial's output
TUTORIAL_FIRST = {"death_min": 0.00, "death_mean": 0.07, "death_max": 0.54, "loss": 95.0}
TUTORIAL_LAST = {"death_min": 0.22, "death_mean": 1.60, "death_max": 3.88, "loss": 38.0}


def toy_config(epochs: int = 50, seed: int = 0, device: str = "cpu") -> RunConfig:
    """The toy preset's RunConfig, optionally shortened (tests) and reseeded."""
    if epochs < 1:
        raise LabError("the toy needs at least one epoch.")
    base = get_preset(TOY_PRESET).config
    milestones = tuple(m for m in base.train.lr_milestones if m < epochs)
    return base.replace(
        data={"seed": seed},
        train={"epochs": epochs, "seed": seed, "device": device, "lr_milestones": milestones},
    )


@torch.no_grad()
def encode_points(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """Codes of all points (eval mode, then the previous mode restored)."""
    with evaluating(model) as device:
        z = model.encode(torch.as_tensor(x, dtype=torch.float32, device=device)).cpu().numpy()
    return z.astype(np.float64)


def batch_death_stats(
    z: np.ndarray, batch_size: int, eta: float, metric: str = "l1", seed: int = 0
) -> dict[str, float]:
    """Mean over a seeded partition into batches of each batch's min/mean/max death and L_η."""
    from corel_core.topology import vr0_persistence

    n_batches = len(z) // batch_size
    if n_batches < 1:
        raise LabError(f"{len(z)} points do not fill one batch of {batch_size}.")
    perm = np.random.default_rng(seed).permutation(len(z))
    rows = []
    for b in range(n_batches):
        pts = torch.as_tensor(z[perm[b * batch_size : (b + 1) * batch_size]])
        d = vr0_persistence(pts, metric).deaths.numpy()
        rows.append((d.min(), d.mean(), d.max(), np.abs(d - eta).sum()))
    m = np.asarray(rows).mean(axis=0)
    return {"death_min": m[0], "death_mean": m[1], "death_max": m[2], "loss": m[3]}


class SnapshotCallback(Callback):
    """Keeps the encoded cloud after the epochs in `at` (0 = before training) on the trainer."""

    def __init__(self, x: np.ndarray | None = None, at: Sequence[int] = SNAPSHOT_EPOCHS) -> None:
        self.x = x
        self.at = tuple(sorted({int(a) for a in at}))
        self.snapshots: dict[int, np.ndarray] = {}
        self.init_stats: dict[str, float] = {}

    def on_train_start(self, trainer: Trainer) -> None:
        """Encode the untouched cloud (epoch 0) and its batch statistics."""
        if self.x is None:
            raise LabError("the snapshot callback was not given the points to encode.")
        z = encode_points(trainer.model, self.x)
        if 0 in self.at:
            self.snapshots[0] = z
        loss_cfg = getattr(trainer.objective, "loss", None)
        eta = float(getattr(loss_cfg, "eta", 2.0))
        metric = str(getattr(loss_cfg, "metric", "l1"))
        self.init_stats = batch_death_stats(z, trainer.batch_size, eta, metric, trainer.train.seed)

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        """Encode after epoch info.epoch + 1 (1-based) when it is one of `at`."""
        done = info.epoch + 1
        if done in self.at and self.x is not None:
            self.snapshots[done] = encode_points(trainer.model, self.x)


@dataclass
class ToyResult:
    """Snapshots, labels, per-epoch history and timing of one toy run."""

    run: Run
    snapshots: dict[int, np.ndarray]
    labels: np.ndarray | None
    history: list[dict[str, Any]]
    init_stats: dict[str, float]
    seconds: float
    status: str = "completed"
    eta: float = 2.0
    extra: dict[str, Any] = field(default_factory=dict)

    def comparison(self) -> list[dict[str, Any]]:
        """Rows (when, ours, tutorial): before training, after epoch 1 and after the last epoch.

        The tutorial's "epoch 0" numbers describe the untrained network, so they sit next to ours
        before training; its "epoch 50" numbers are the mean over the last epoch's batches.
        """
        rows = [
            {"when": "before training", **_rounded(self.init_stats), "tutorial": TUTORIAL_FIRST}
        ]
        if self.history:
            first, last = _epoch_stats(self.history[0]), _epoch_stats(self.history[-1])
            rows.append({"when": "epoch 1", **_rounded(first), "tutorial": None})
            rows.append(
                {"when": f"epoch {len(self.history)}", **_rounded(last), "tutorial": TUTORIAL_LAST}
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        """Plain JSON of the numbers (not the clouds), for the run store and the CLI."""
        return {
            "run_id": self.run.id,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "eta": self.eta,
            "snapshot_epochs": sorted(self.snapshots),
            "init_stats": _rounded(self.init_stats),
            "per_epoch": [_rounded(_epoch_stats(r)) for r in self.history],
            "comparison": self.comparison(),
        }


def _epoch_stats(row: dict[str, Any]) -> dict[str, float]:
    keys = ("death_min", "death_mean", "death_max")
    out = {k: float(row.get(k, float("nan"))) for k in keys}
    out["loss"] = float(row.get("conn", row.get("total", float("nan"))))
    return out


def _rounded(stats: dict[str, float], digits: int = 3) -> dict[str, float]:
    return {k: round(float(v), digits) for k, v in stats.items()}


def run_toy(
    store: RunStore | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    *,
    epochs: int = 50,
    at: Sequence[int] = SNAPSHOT_EPOCHS,
    device: str = "cpu",
    num_threads: int | None = 1,
) -> ToyResult:
    """Train the toy preset, keep clouds at epochs `at` and save everything in the run.

    Snapshots are saved as arrays "toy_z_e<epoch>" plus "toy_labels"; numbers as JSON "toy".
    `num_threads` caps torch's intra-op threads while training (restored afterwards): ops this
    small run ~8× slower with 2 threads on a busy 2-core machine; None leaves torch alone.
    """
    from corel_core.training.runner import train_run

    config = toy_config(epochs, seed, device)
    snaps = SnapshotCallback(at=[a for a in at if a <= epochs])
    labels: dict[str, np.ndarray | None] = {"y": None}

    def on_created(run: Run, dataset: Any, model: Any) -> None:
        snaps.x = dataset.x
        labels["y"] = dataset.y

    def report(info: EpochInfo) -> None:
        if progress is not None:
            progress(info.epoch + 1, epochs)

    start = time.perf_counter()
    outcome = train_run(config, store, callbacks=[snaps, OnEpoch(report)], on_created=on_created)
    seconds = time.perf_counter() - start
    run = outcome.run
    for epoch, z in snaps.snapshots.items():
        run.save_array(f"toy_z_e{epoch}", z.astype(np.float32))
    if labels["y"] is not None:
        run.save_array("toy_labels", labels["y"])
    result = ToyResult(
        run=run,
        snapshots=dict(sorted(snaps.snapshots.items())),
        labels=labels["y"],
        history=outcome.result.history,
        init_stats=snaps.init_stats,
        seconds=seconds,
        status=outcome.result.status,
        eta=config.loss.eta,
    )
    run.save_json("toy", result.to_json())
    return result


def load_toy_result(run: Run) -> ToyResult:
    """Rebuild a ToyResult from what run_toy saved (LabError if the run is not a toy run)."""
    try:
        raw = run.load_json("toy")
        snapshots = {int(e): run.load_array(f"toy_z_e{int(e)}") for e in raw["snapshot_epochs"]}
        labels = run.load_array("toy_labels") if run.has_array("toy_labels") else None
    except (RunError, KeyError, TypeError) as exc:
        raise LabError(f"run {run.id} holds no toy snapshots: {exc}") from exc
    return ToyResult(
        run=run,
        snapshots=snapshots,
        labels=labels,
        history=run.metrics(),
        init_stats=dict(raw.get("init_stats", {})),
        seconds=float(raw.get("seconds", float("nan"))),
        status=str(raw.get("status", run.status)),
        eta=float(raw.get("eta", 2.0)),
    )


def toy_runs(store: RunStore) -> list[Run]:
    """Runs of the store that hold toy snapshots, newest first."""
    out = []
    for summary in store.list():
        if summary.preset != TOY_PRESET or summary.status == "broken":
            continue
        run = store.get(summary.id)
        if run.has_json("toy"):
            out.append(run)
    return out
