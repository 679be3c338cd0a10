"""End-to-end task-dependency experiment on tiny settings, its storage and the CLI."""

from __future__ import annotations

import argparse
import hashlib
import json
import math

import numpy as np
import pytest
import torch

from corel_core.cli import taskdep as taskdep_cli
from corel_core.config import ConfigError
from corel_core.data import load_dataset
from corel_core.store import RunStore
from corel_core.studies.taskdep import (
    TaskDepConfig,
    TaskDepResult,
    TaskDepStore,
    dataset_name,
    run_taskdep,
)
from corel_core.studies.taskdep.experiment import held_out_data
from corel_core.studies.taskdep.report import format_table, mi_rows, table_rows
from corel_core.training import TrainingControl

torch.set_num_threads(1)
KINDS = ("vae", "cvae", "cvae_optimal")


def tiny(mnist_dir, **extra) -> TaskDepConfig:
    """300 source and 30 target images, 2 epochs, 1 seed, small evaluation sets."""
    fields = dict(
        n_source=300,
        n_target=30,
        epochs=2,
        seeds=(0,),
        latent_dim=4,
        hidden=(32,),
        n_eval_source=100,
        n_eval_target=60,
        iw_samples=10,
        mi_samples=512,
        infonce_steps=30,
        data_dir=str(mnist_dir),
        device="cpu",
    )
    fields.update(extra)
    return TaskDepConfig(**fields)


@pytest.fixture(scope="module")
def finished(mnist_dir, tmp_path_factory):
    """One tiny experiment shared by the tests below: (config, result, store root)."""
    root = tmp_path_factory.mktemp("taskdep-runs")
    events: list[tuple[str, int, int]] = []
    cfg = tiny(mnist_dir)
    result = run_taskdep(cfg, RunStore(root), progress=lambda *e: events.append(e))
    return cfg, result, root, events


def _finite_numbers(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _finite_numbers(v, f"{path}.{k}")
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield path, float(obj)


def test_every_number_is_present_and_finite(finished):
    _, result, _, _ = finished
    assert result.status == "completed"
    assert set(result.records) == set(KINDS)
    for kind in KINDS:
        (rec,) = result.records[kind]
        for section in ("decomposition", "mi", "log_likelihood", "elbo", "accuracy"):
            assert section in rec, (kind, section)
        assert set(rec["mi"]) == {
            "mixture_train",
            "mixture_held_out",
            "classifier",
            "classifier_logistic",
            "knn",
            "infonce",
        }
        numbers = dict(_finite_numbers(rec))
        bad = [k for k, v in numbers.items() if not math.isfinite(v)]
        assert not bad, (kind, bad)
        assert set(rec["log_likelihood_own_prior"]) >= {"source", "target", "pooled"}
    best, cvae = result.records["cvae_optimal"][0], result.records["cvae"][0]
    assert "log_likelihood_learned_prior" in best and "ratio_fidelity" in best
    assert "log_likelihood_learned_prior" not in cvae and "ratio_fidelity" not in cvae
    # VAE and CVAE: own prior is N(0, I), the very same numbers (same z samples)
    assert cvae["log_likelihood_own_prior"] == cvae["log_likelihood"]
    assert best["log_likelihood_own_prior"] != best["log_likelihood"]


def test_decomposition_adds_up_and_mi_is_in_range(finished):
    _, result, _, _ = finished
    for kind in KINDS:
        rec = result.records[kind][0]
        dec = rec["decomposition"]
        parts = dec["i_sz"] + dec["kl_qz_pz"] + dec["i_xz_s"]
        assert abs(dec["avg_kl"] - parts) < 5 * dec["se_residual"] + 0.05
        mix = rec["mi"]["mixture_train"]
        se = (mix["high"] - mix["value"]) / 1.96  # Monte Carlo error: may dip just below 0
        assert -4 * se - 1e-9 <= mix["value"] <= math.log(2) + 0.02
        assert dec["i_sz"] <= dec["h_s"] + 0.02
        for est in rec["mi"].values():
            assert est["low"] <= est["value"] <= est["high"]
        # the IS bound with K samples is above the (analytic-KL) ELBO on average
        assert rec["log_likelihood"]["pooled"] >= rec["elbo"]["pooled"] - 1.0
        assert 0.0 <= rec["accuracy"]["knn"] <= 1.0


def test_split_sizes_and_held_out_images_are_unseen(finished, mnist_dir):
    cfg, result, _, _ = finished
    assert result.data["n_train_source"] == 300
    assert result.data["n_train_target"] == 30
    assert result.data["n_held_out_source"] == 100
    assert result.data["n_held_out_target"] == 60
    train = load_dataset(cfg.run_config("vae", 0).data)
    held = held_out_data(cfg, train, 0)

    def digests(x):
        return {hashlib.sha1(row.tobytes()).hexdigest() for row in x}

    assert not digests(train.x) & digests(held.x)
    assert np.bincount(held.task).tolist() == [100, 60]


def test_progress_reports_every_model_to_completion(finished):
    cfg, _, _, events = finished
    last = {}
    for stage, done, total in events:
        assert 0 <= done <= total
        last[stage] = (done, total)
    per_model = (cfg.epochs + 1) * len(cfg.seeds)
    for kind in KINDS:
        assert last[kind] == (per_model, per_model)
    assert last["data"] == (1, 1)
    scored = len(KINDS) * len(cfg.seeds)
    assert last["evaluation"] == (scored, scored)
    # each scoring is announced before it starts (done = those finished so far), then counted
    announced = [done for stage, done, _ in events if stage == "evaluation"]
    assert announced == [k for i in range(scored) for k in (i, i + 1)]


def test_result_is_saved_and_reloads(finished):
    _, result, root, _ = finished
    store = TaskDepStore(root)
    assert store.ids() == [result.id]
    raw = store.load_result(result.id)
    assert raw == json.loads(result.to_json())
    again = TaskDepResult.from_dict(raw)
    assert list(again.records) == list(KINDS)  # model order survives JSON's sorted keys
    assert again.summary() == result.summary()  # JSON keeps Python floats exactly
    latents = store.load_latents(result.id)
    assert latents["z_cvae"].shape == (160, 4)
    assert latents["task"].tolist() == [0] * 100 + [1] * 60
    runs = RunStore(root)
    for kind in KINDS:
        assert runs.exists(result.records[kind][0]["run_id"])
    assert [r["id"] for r in store.list()] == [result.id]
    rows = table_rows(result, with_help=True)
    assert all(r["what it means"] for r in rows)
    assert "CVAE + optimal prior" in format_table(result)


def test_summary_is_mean_and_sample_sd_over_seeds(finished):
    cfg, result, _, _ = finished
    rec = result.records["cvae"][0]
    other = json.loads(json.dumps(rec))
    other["mi"]["classifier"]["value"] += 0.3
    other["log_likelihood"]["target"] -= 4.0
    two = TaskDepResult(config=cfg, records={"cvae": [rec, other]})
    summary = two.summary()["cvae"]
    values = [rec["mi"]["classifier"]["value"], other["mi"]["classifier"]["value"]]
    assert summary["mi.classifier.value"]["mean"] == pytest.approx(np.mean(values))
    assert summary["mi.classifier.value"]["sd"] == pytest.approx(np.std(values, ddof=1))
    lo, hi = np.mean(values) - np.std(values, ddof=1), np.mean(values) + np.std(values, ddof=1)
    assert mi_rows(two)["CVAE"]["classifier bound (boosting)"] == pytest.approx(
        (np.mean(values), lo, hi)
    )


def test_stop_before_start_gives_a_stopped_result(mnist_dir, tmp_path):
    control = TrainingControl()
    control.stop()
    result = run_taskdep(tiny(mnist_dir), RunStore(tmp_path), control=control, save=False)
    assert result.status == "stopped"
    assert all(not recs for recs in result.records.values())


def test_config_validation_and_dataset_mapping():
    assert dataset_name("mnist", "digits") == "mnist_digits"
    assert dataset_name("mnist", "rotated") == "mnist_rotated"
    with pytest.raises(ConfigError):
        dataset_name("mnist", "svhn")
    assert TaskDepConfig(seeds=3).seeds == (0, 1, 2)
    with pytest.raises(ConfigError):
        TaskDepConfig(n_target=5)
    with pytest.raises(ConfigError):
        TaskDepConfig(epochs=0)
    with pytest.raises(ConfigError):
        TaskDepConfig.from_dict({"bogus": 1})


def test_cli_json_has_the_three_models(mnist_dir, tmp_path, monkeypatch, capsys):
    smaller = tiny(mnist_dir, n_source=60, epochs=1, n_eval_source=20, n_eval_target=20)
    tiny_quick = {
        k: v
        for k, v in smaller.to_dict().items()
        if k not in ("source", "target", "n_target", "data_dir")
    }
    tiny_quick.update(seeds=(0,), iw_samples=4, mi_samples=128, infonce_steps=5)
    monkeypatch.setattr(taskdep_cli, "QUICK", tiny_quick)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    taskdep_cli.add_taskdep_parser(sub)
    common = ["taskdep", "--quick", "--n-target", "30", "--data-dir", str(mnist_dir)]
    args = parser.parse_args([*common, "--runs-dir", str(tmp_path), "--json"])
    assert taskdep_cli.cmd_taskdep(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["records"]) == set(KINDS)
    assert set(out["summary"]) == set(KINDS)
    assert out["config"]["n_target"] == 30
    assert TaskDepStore(tmp_path).load_result(out["id"]) == out
    # the table form says that --quick numbers are a smoke test, with the sizes it used
    args = parser.parse_args([*common, "--runs-dir", str(tmp_path)])
    assert taskdep_cli.cmd_taskdep(args) == 0
    text = capsys.readouterr().out
    assert "--quick: a smoke test (1 epoch, 60 source samples, 1 seed)" in text
    assert "not the README's table" in text


def test_a_stop_during_evaluation_ends_the_experiment_as_stopped(mnist_dir, tmp_path):
    """The control is checked between evaluation steps, not only between models: a stop
    requested once the held-out data are loaded (right before the first evaluation) ends it."""
    control = TrainingControl()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "data":
            control.stop()

    cfg = tiny(mnist_dir, models=("vae", "cvae"))
    result = run_taskdep(cfg, RunStore(tmp_path), progress, control, save=False)
    assert result.status == "stopped"
    assert result.message == "stopped while evaluating vae, seed 0."
    assert result.records == {"vae": [], "cvae": []}
