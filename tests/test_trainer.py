"""Tests for the model-agnostic training loop, its control switches and device choice."""

from __future__ import annotations

import bisect
import threading
import time

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from torch import nn

from corel_core.config import TrainConfig
from corel_core.training import (
    Callback,
    DeviceError,
    OnEpoch,
    Trainer,
    TrainError,
    TrainingControl,
    device_report,
    pick_device,
)
from corel_core.training.death_stats import DeathStatistics

torch.set_num_threads(1)


def make_model(seed: int = 0, d: int = 5, k: int = 2) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, k), nn.Linear(k, d))


class MSE:
    """Plain reconstruction objective; records the batches it saw."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, torch.Tensor]] = []

    def __call__(self, model, xb, taskb, epoch):
        self.batches.append((epoch, xb[:, 0].detach().clone()))
        loss = ((model(xb) - xb) ** 2).mean()
        return {"total": loss, "recon": loss}


class Recorder(Callback):
    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.states: dict[int, dict[str, torch.Tensor]] = {}
        self.batches = 0
        self.result = None
        self.started = False

    def on_train_start(self, trainer):
        self.started = True

    def on_batch_end(self, trainer, info):
        self.batches += 1

    def on_epoch_end(self, trainer, info):
        self.epochs.append(info.epoch)
        self.states[info.epoch] = {
            k: v.detach().clone() for k, v in trainer.model.state_dict().items()
        }

    def on_train_end(self, trainer, result):
        self.result = result


def low_rank_data(n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(2, 5))
    return (rng.normal(size=(n, 2)) @ basis + 0.1 * rng.normal(size=(n, 5)) + 1.0).astype(
        np.float32
    )


def cfg(**kw) -> TrainConfig:
    base = {"epochs": 4, "batch_size": 50, "lr": 1e-2, "device": "cpu"}
    base.update(kw)
    return TrainConfig(**base)


def strip_time(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def test_same_seed_same_history_and_weights():
    x = low_rank_data()
    runs = []
    for _ in range(2):
        model = make_model(0)
        result = Trainer(model, MSE(), cfg(seed=3), x).fit()
        runs.append((strip_time(result.history), model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for key in runs[0][1]:
        assert torch.equal(runs[0][1][key], runs[1][1][key])
    other = Trainer(make_model(0), MSE(), cfg(seed=4), x).fit()
    assert strip_time(other.history) != runs[0][0]


def test_loss_falls_to_the_pca_optimum():
    # A linear autoencoder with a k-dim code cannot beat PCA's rank-k reconstruction error.
    x = low_rank_data(n=400)
    model = make_model(1)
    result = Trainer(model, MSE(), cfg(epochs=40, batch_size=40, lr=2e-2), x).fit()
    assert result.status == "completed"
    pca = PCA(n_components=2).fit(x)
    oracle = float(np.mean((pca.inverse_transform(pca.transform(x)) - x) ** 2))
    with torch.no_grad():
        t = torch.from_numpy(x)
        final = float(((model(t) - t) ** 2).mean())
    assert final >= oracle * (1 - 1e-4)
    assert final <= 1.5 * oracle
    assert result.history[0]["total"] > 5 * result.history[-1]["total"]
    assert set(result.history[-1]) >= {"epoch", "total", "recon", "lr", "seconds"}


class NaNAt:
    """Returns a NaN total at (epoch, batch); earlier steps are normal."""

    def __init__(self, epoch: int, batch: int, grad: bool = False) -> None:
        self.epoch, self.batch, self.grad = epoch, batch, grad
        self.count: dict[int, int] = {}

    def __call__(self, model, xb, taskb, epoch):
        b = self.count.get(epoch, 0)
        self.count[epoch] = b + 1
        loss = ((model(xb) - xb) ** 2).mean()
        if (epoch, b) == (self.epoch, self.batch):
            if self.grad:  # finite value (0) whose gradient is inf * 0 = nan
                first = next(model.parameters())
                return {"total": loss + torch.sqrt((first * 0).sum()), "recon": loss}
            return {"total": loss * float("nan"), "recon": loss}
        return {"total": loss, "recon": loss}


@pytest.mark.parametrize(("grad", "word"), [(False, "'total'"), (True, "gradient")])
def test_non_finite_loss_or_gradient_diverges_and_restores_last_good_epoch(grad, word):
    x = low_rank_data(n=200)
    model = make_model(2)
    rec = Recorder()
    result = Trainer(model, NaNAt(2, 1, grad=grad), cfg(epochs=5), x, callbacks=[rec]).fit()
    assert result.status == "diverged"
    assert word in result.message and "epoch 3" in result.message
    assert [row["epoch"] for row in result.history] == [0, 1]
    assert rec.epochs == [0, 1]
    assert rec.result is not None and rec.result.status == "diverged"
    state = model.state_dict()
    for key, value in rec.states[1].items():
        assert torch.equal(state[key], value)
    # batch 0 of epoch 3 did step, so the restore really undid something
    assert rec.batches == 2 * 4 + 1


class Gate(Callback):
    """Blocks the trainer at the end of epoch 0 until the test thread says go."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go = threading.Event()
        self.batches = 0
        self.paused_calls = 0

    def on_batch_end(self, trainer, info):
        self.batches += 1

    def on_epoch_end(self, trainer, info):
        if info.epoch == 0:
            self.reached.set()
            assert self.go.wait(10)

    def on_pause(self, trainer):
        self.paused_calls += 1


def run_in_thread(trainer):
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("result", trainer.fit()))
    thread.start()
    return thread, out


def test_stop_from_another_thread_ends_after_current_batch():
    control = TrainingControl()
    gate = Gate()
    trainer = Trainer(
        make_model(), MSE(), cfg(epochs=5), low_rank_data(200), callbacks=[gate], control=control
    )
    thread, out = run_in_thread(trainer)
    assert gate.reached.wait(10)
    control.stop()
    gate.go.set()
    thread.join(10)
    result = out["result"]
    assert result.status == "stopped"
    assert len(result.history) == 1  # the stopped epoch is not recorded
    assert gate.batches == 4


def test_pause_and_resume_from_another_thread():
    control = TrainingControl()
    gate = Gate()
    trainer = Trainer(
        make_model(), MSE(), cfg(epochs=3), low_rank_data(200), callbacks=[gate], control=control
    )
    thread, out = run_in_thread(trainer)
    assert gate.reached.wait(10)
    control.pause()
    gate.go.set()
    time.sleep(0.3)
    assert thread.is_alive() and control.is_paused
    assert gate.batches == 4 and gate.paused_calls == 1
    control.resume()
    thread.join(10)
    assert out["result"].status == "completed"
    assert len(out["result"].history) == 3 and gate.batches == 12


def test_control_waits_and_wakes():
    control = TrainingControl()
    assert control.wait_if_paused(0.01)
    control.pause()
    assert control.is_paused and not control.wait_if_paused(0.05)
    threading.Timer(0.05, control.stop).start()
    assert control.wait_if_paused(5)
    assert control.is_stopped and not control.is_paused


def indexed_data(n: int) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(n, 5)).astype(np.float32)
    x[:, 0] = np.arange(n)
    return x


def test_drop_last_and_shuffling():
    obj = MSE()
    Trainer(make_model(), obj, cfg(epochs=2, batch_size=100), indexed_data(250)).fit()
    sizes = [len(ids) for _, ids in obj.batches]
    assert sizes == [100, 100, 100, 100]
    per_epoch = [torch.cat([ids for e, ids in obj.batches if e == k]) for k in (0, 1)]
    for ids in per_epoch:
        assert len(torch.unique(ids)) == 200
    assert not torch.equal(per_epoch[0], per_epoch[1])

    obj = MSE()
    Trainer(
        make_model(), obj, cfg(epochs=1, batch_size=100, drop_last=False), indexed_data(250)
    ).fit()
    assert [len(ids) for _, ids in obj.batches] == [100, 100, 50]
    seen = torch.cat([ids for _, ids in obj.batches]).long().sort().values
    assert torch.equal(seen, torch.arange(250))


def test_fewer_samples_than_batch_size_gives_one_batch_and_says_so():
    obj = MSE()
    result = Trainer(make_model(), obj, cfg(epochs=2, batch_size=100), indexed_data(30)).fit()
    assert [len(ids) for _, ids in obj.batches] == [30, 30]
    assert "one batch of all 30" in result.message


def test_lr_schedule_follows_milestones():
    train = cfg(epochs=6, lr=0.01, lr_milestones=(2, 4), lr_gamma=0.5)
    result = Trainer(make_model(), MSE(), train, low_rank_data(100)).fit()
    expected = [0.01 * 0.5 ** bisect.bisect_right([2, 4], e) for e in range(6)]
    assert [row["lr"] for row in result.history] == pytest.approx(expected)


class DeathsAndExtras:
    """Sets last_deaths per batch and reports an after_step term, like a COREL objective."""

    def __init__(self) -> None:
        self.gen = torch.Generator().manual_seed(1)
        self.deaths: list[np.ndarray] = []
        self.extras: list[float] = []
        self.last_deaths = None

    def __call__(self, model, xb, taskb, epoch):
        self.last_deaths = torch.rand(2, len(xb) - 1, generator=self.gen) * 3
        self.deaths.append(self.last_deaths.numpy().ravel().copy())
        loss = ((model(xb) - xb) ** 2).mean()
        return {"total": loss}

    def after_step(self, model, xb, taskb):
        self.extras.append(float(len(self.extras)))
        return {"disc": self.extras[-1]}


def test_death_stats_and_after_step_terms():
    obj = DeathsAndExtras()
    seen = []

    class Keep(Callback):
        def on_epoch_end(self, trainer, info):
            seen.append(info)

    listeners = [DeathStatistics(), Keep()]
    result = Trainer(
        make_model(), obj, cfg(epochs=2), low_rank_data(200), callbacks=listeners
    ).fit()
    for e, row in enumerate(result.history):
        batch = obj.deaths[4 * e : 4 * e + 4]
        stats = np.array([[d.min(), d.mean(), d.max()] for d in batch]).mean(axis=0)
        assert [row["death_min"], row["death_mean"], row["death_max"]] == pytest.approx(stats)
        assert row["disc"] == pytest.approx(np.mean(obj.extras[4 * e : 4 * e + 4]))
        np.testing.assert_allclose(seen[e].extras["deaths"], batch[-1])
    # without the listener the trainer records no deaths: it knows nothing of the loss
    plain = Trainer(make_model(), DeathsAndExtras(), cfg(epochs=1), low_rank_data(200)).fit()
    assert "death_mean" not in plain.history[0] and "disc" in plain.history[0]


def test_task_ids_reach_the_objective_and_bad_objective_fails():
    got = []

    def objective(model, xb, taskb, epoch):
        got.append((xb[:, 0].long(), taskb))
        return {"total": ((model(xb) - xb) ** 2).mean()}

    x = indexed_data(100)
    task = (np.arange(100) % 3).astype(np.int64)
    Trainer(make_model(), objective, cfg(epochs=1, batch_size=25), x, task=task).fit()
    for ids, tb in got:
        assert torch.equal(tb, ids % 3)

    rec = Recorder()
    with pytest.raises(TrainError, match="total"):
        Trainer(
            make_model(), lambda m, x, t, e: {"recon": m(x).sum()}, cfg(), x, callbacks=[rec]
        ).fit()
    assert rec.result.status == "failed"
    with pytest.raises(TrainError):
        Trainer(make_model(), objective, cfg(), x, task=task[:10])


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    auto = pick_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    if torch.cuda.is_available():
        assert pick_device("cuda").type == "cuda"
    else:
        assert auto.type in ("mps", "cpu")
        with pytest.raises(DeviceError, match="CUDA"):
            pick_device("cuda")
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match="MPS"):
            pick_device("mps")
    with pytest.raises(ValueError, match="device must be one of"):
        pick_device("tpu")
    assert "auto picks" in device_report()


def test_on_epoch_sees_every_completed_epoch_with_its_history_row():
    seen = []
    result = Trainer(
        make_model(0), MSE(), cfg(epochs=3), low_rank_data(), callbacks=[OnEpoch(seen.append)]
    )
    history = result.fit().history
    assert [info.epoch for info in seen] == [0, 1, 2]
    assert [info.metrics for info in seen] == history
