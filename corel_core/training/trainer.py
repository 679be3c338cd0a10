"""A model-agnostic training loop in the style of minGPT's Trainer.

The loop knows nothing about the model family, the loss or the UI: an objective turns a batch into
named loss terms, and callbacks (run store, job progress, CLI bar) listen at batch and epoch end.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from corel_core.config import TrainConfig
from corel_core.training.control import TrainingControl
from corel_core.training.device import pick_device


class TrainError(ValueError):
    """Training cannot start with these inputs (e.g. no samples, or no "total" loss term)."""


@dataclass(frozen=True)
class BatchInfo:
    """What happened in one optimiser step; `epoch` and `batch` count from 0."""

    epoch: int
    batch: int
    n_batches: int
    terms: dict[str, float]


@dataclass(frozen=True)
class EpochInfo:
    """One completed epoch: its history row and what callbacks added for listeners (extras).

    ``extras["deaths"]`` holds the last batch's death times when `DeathStatistics` listens.
    """

    epoch: int
    metrics: dict[str, float]
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    """How fit() ended: status is "completed", "stopped", "diverged" (or "failed" on an error)."""

    status: str
    history: list[dict[str, float]] = field(default_factory=list)
    message: str = ""


class Objective(Protocol):
    """Anything callable as objective(model, xb, taskb, epoch) -> {"total": Tensor, ...}."""

    def __call__(
        self, model: nn.Module, x: Tensor, task: Tensor | None, epoch: int
    ) -> dict[str, Tensor]: ...


class Callback:
    """Base class with no-op hooks; override the ones you need (duck-typed objects work too)."""

    def on_train_start(self, trainer: Trainer) -> None:
        """Called once before the first batch."""

    def on_batch_end(self, trainer: Trainer, info: BatchInfo) -> None:
        """Called after every successful optimiser step."""

    def on_epoch_row(self, trainer: Trainer, row: dict[str, float], extras: dict[str, Any]) -> None:
        """Called before an epoch's row is recorded: add metrics to `row`, objects to `extras`."""

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        """Called after every completed epoch (never for a partial or diverged one)."""

    def on_pause(self, trainer: Trainer) -> None:
        """Called when the loop starts waiting because its control was paused."""

    def on_resume(self, trainer: Trainer) -> None:
        """Called when a paused loop continues (or was stopped while paused)."""

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        """Called once at the end, whatever the outcome."""


class OnEpoch(Callback):
    """The one epoch listener: calls ``fn(info)`` after every completed epoch.

    Progress bars, stage counters and reporters (a job's progress, Ray Tune) are all this with
    a different ``fn``; `info.epoch` counts from 0 and `info.metrics` is the history row.
    """

    def __init__(self, fn: Callable[[EpochInfo], None]) -> None:
        self.fn = fn

    def on_epoch_end(self, trainer: Trainer, info: EpochInfo) -> None:
        self.fn(info)


class _Diverged(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _as_tensor(x: np.ndarray, dtype: np.dtype) -> Tensor:
    arr = np.ascontiguousarray(x, dtype=dtype)
    if not arr.flags.writeable:
        arr = arr.copy()
    return torch.from_numpy(arr)


def _fits_on(device: torch.device, nbytes: int) -> bool:
    """Whether a tensor of nbytes can live on the device without crowding the model out."""
    if device.type != "cuda":
        return True
    free, _total = torch.cuda.mem_get_info(device)
    return nbytes < 0.5 * free


class Trainer:
    """Train `model` on `x` (and optional task ids) by minimising objective(...)["total"] with Adam.

    Useful attributes for callbacks: model, objective, train, device, optimizer, scheduler, control,
    history, epoch, n_batches, notes. `start_epoch` > 0 continues a resumed run: the data order
    and learning-rate schedule pick up where they were; Adam's moments start afresh.
    """

    def __init__(
        self,
        model: nn.Module,
        objective: Objective | Callable[..., dict[str, Tensor]],
        train: TrainConfig,
        x: np.ndarray,
        task: np.ndarray | None = None,
        callbacks: Sequence[Any] = (),
        control: TrainingControl | None = None,
        device: torch.device | str | None = None,
        start_epoch: int = 0,
    ) -> None:
        n = len(x)
        if n < 1:
            raise TrainError("there are no samples to train on.")
        if not 0 <= start_epoch <= train.epochs:
            raise TrainError(f"start_epoch must lie in 0..{train.epochs}, not {start_epoch}.")
        self.start_epoch = int(start_epoch)
        if task is not None and len(task) != n:
            raise TrainError(f"task ids ({len(task)}) and samples ({n}) differ in number.")
        self.model = model
        self.objective = objective
        self.train = train
        self.callbacks = list(callbacks)
        self.control = control or TrainingControl()
        if device is None:
            self.device = pick_device(train.device)
        elif isinstance(device, str):
            self.device = pick_device(device)
        else:
            self.device = torch.device(device)
        self.notes: list[str] = []
        self.n = n
        self.batch_size = min(train.batch_size, n)
        if n < train.batch_size:
            self.n_batches = 1
            self.notes.append(
                f"only {n} samples for a batch size of {train.batch_size}: "
                f"each epoch is one batch of all {n}."
            )
        elif train.drop_last:
            self.n_batches = n // train.batch_size
        else:
            self.n_batches = math.ceil(n / train.batch_size)
        self._x = _as_tensor(x, np.float32)
        self._task = None if task is None else _as_tensor(task, np.int64)
        self.history: list[dict[str, float]] = []
        self.epoch = 0
        self.optimizer: torch.optim.Optimizer | None = None
        self.scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
        self._good_state: dict[str, Tensor] = {}

    # -- helpers -----------------------------------------------------------------------------
    def _emit(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            fn = getattr(cb, hook, None)
            if fn is not None:
                fn(self, *args)

    def _snapshot_state(self) -> None:
        self._good_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def _restore_state(self) -> None:
        self.model.load_state_dict(self._good_state)

    def _place_data(self) -> tuple[Tensor, Tensor | None]:
        nbytes = self._x.element_size() * self._x.nelement()
        if self.device.type == "cpu" or not _fits_on(self.device, nbytes):
            return self._x, self._task
        try:
            x = self._x.to(self.device)
            task = None if self._task is None else self._task.to(self.device)
            return x, task
        except RuntimeError:  # out of memory: index on the cpu, copy each batch
            self.notes.append(f"the data did not fit on {self.device}; batches are copied.")
            return self._x, self._task

    def _wait_if_paused(self) -> None:
        if self.control.is_paused:
            self._emit("on_pause")
            self.control.wait_if_paused()
            self._emit("on_resume")

    # -- the loop ----------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        """Run all epochs and say how it ended; errors propagate after on_train_end("failed")."""
        torch.manual_seed(self.train.seed)
        gen = torch.Generator().manual_seed(self.train.seed)
        self.model.to(self.device)
        if hasattr(self.objective, "to"):
            self.objective.to(self.device)  # objectives that own modules (e.g. a discriminator)
        self.model.train()
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=self.train.lr, weight_decay=self.train.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(
            self.optimizer, milestones=list(self.train.lr_milestones), gamma=self.train.lr_gamma
        )
        with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()" is intended
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(self.start_epoch):  # a resumed run: same shuffles and lr as unbroken
                torch.randperm(self.n, generator=gen)
                self.scheduler.step()
        x, task = self._place_data()
        self._snapshot_state()
        self.history = []
        result: TrainResult | None = None
        try:
            self._emit("on_train_start")
            status = "completed"
            message = ""
            for epoch in range(self.start_epoch, self.train.epochs):
                self.epoch = epoch
                row = self._run_epoch(epoch, x, task, gen)
                if row is None:
                    status = "stopped"
                    message = f"stopped by request during epoch {epoch + 1} of {self.train.epochs}."
                    break
            else:
                message = f"completed {self.train.epochs} epochs."
        except _Diverged as exc:
            self._restore_state()
            status, message = "diverged", exc.message
        except BaseException as exc:
            self._restore_state()
            result = TrainResult("failed", list(self.history), f"{type(exc).__name__}: {exc}")
            self.model.eval()
            self._emit("on_train_end", result)
            raise
        if self.notes:
            message = " ".join([message, *self.notes])
        result = TrainResult(status, list(self.history), message)
        self.model.eval()
        self._emit("on_train_end", result)
        return result

    def _run_epoch(
        self, epoch: int, x: Tensor, task: Tensor | None, gen: torch.Generator
    ) -> dict[str, float] | None:
        """One pass over the data; returns its history row, or None when stopped midway."""
        start = time.perf_counter()
        lr = float(self.optimizer.param_groups[0]["lr"])
        perm = torch.randperm(self.n, generator=gen)
        sums: dict[str, float] = {}
        for b in range(self.n_batches):
            self._wait_if_paused()
            if self.control.is_stopped:
                return None
            idx = perm[b * self.batch_size : (b + 1) * self.batch_size].to(x.device)
            xb = x[idx].to(self.device, non_blocking=True)
            tb = None if task is None else task[idx].to(self.device, non_blocking=True)
            terms = self._step(epoch, b, xb, tb)
            for key, value in terms.items():
                sums[key] = sums.get(key, 0.0) + value
            self._emit("on_batch_end", BatchInfo(epoch, b, self.n_batches, terms))
        row: dict[str, float] = {"epoch": epoch}
        row.update({k: v / self.n_batches for k, v in sums.items()})
        extras: dict[str, Any] = {}
        self._emit("on_epoch_row", row, extras)
        row["lr"] = lr
        row["seconds"] = time.perf_counter() - start
        self.scheduler.step()
        self.history.append(row)
        self._snapshot_state()
        self._emit("on_epoch_end", EpochInfo(epoch, dict(row), extras))
        return row

    def _step(self, epoch: int, b: int, xb: Tensor, tb: Tensor | None) -> dict[str, float]:
        """One optimiser step; raises _Diverged, without stepping, on a non-finite term or grad."""
        where = f"epoch {epoch + 1}, batch {b + 1} of {self.n_batches}"
        restored = (
            f"the weights were restored to the end of epoch {epoch}"
            if epoch
            else "the weights were restored to their initial values"
        )
        out = self.objective(self.model, xb, tb, epoch)
        if "total" not in out:
            raise TrainError('the objective must return a "total" loss term.')
        names = list(out)
        values = torch.stack([out[k].detach().float().mean() for k in names]).cpu().tolist()
        for name, value in zip(names, values, strict=True):
            if not math.isfinite(value):
                raise _Diverged(f"the loss term {name!r} became {value} at {where}; {restored}.")
        self.optimizer.zero_grad(set_to_none=True)
        out["total"].backward()
        grads = [(n, p.grad) for n, p in self.model.named_parameters() if p.grad is not None]
        if grads:
            finite = torch.stack([g.isfinite().all() for _, g in grads]).cpu()
            if not bool(finite.all()):
                bad = grads[int((~finite).nonzero()[0])][0]
                msg = f"the gradient of {bad!r} became non-finite at {where}; {restored}."
                raise _Diverged(msg)
        self.optimizer.step()
        terms = dict(zip(names, values, strict=True))
        after = getattr(self.objective, "after_step", None)
        if after is not None:
            for key, value in (after(self.model, xb, tb) or {}).items():
                value = float(value)
                if not math.isfinite(value):
                    raise _Diverged(f"the term {key!r} became {value} at {where}; {restored}.")
                terms[key] = value
        return terms
