"""Connectivity lab: toy snapshots, one-class evaluation of a run, the MNIST split, views, CLI.

Oracles: scipy (cdist, minimum_spanning_tree), sklearn (roc_auc_score), ripser H0, raw IDX files.
"""

from __future__ import annotations

import argparse
import gzip
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist
from sklearn.metrics import roc_auc_score

from corel_core.analysis import oneclass as oneclass_module
from corel_core.analysis.catalog import analysable_runs
from corel_core.analysis.errors import LabError
from corel_core.analysis.kde_views import kde_views
from corel_core.analysis.oneclass import evaluate_one_class, protocol_split
from corel_core.analysis.persistence_views import densification, persistence_views
from corel_core.cli.lab import (
    add_oneclass_parser,
    add_toy_parser,
    cmd_oneclass,
    cmd_toy,
)
from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.data import load_dataset
from corel_core.density import DensityError
from corel_core.models import build_model
from corel_core.store import RunStore
from corel_core.store.cache import RunCache
from corel_core.studies.toy import load_toy_result, run_toy
from corel_core.training.runner import load_trained_model, train_run

torch.set_num_threads(1)


def tiny_config() -> RunConfig:
    """A 2-epoch MLP on the digits 'aux' half with a 2-branch 4-D code and the loss on."""
    return RunConfig(
        data=DataConfig(name="digits", split="aux"),
        model=ModelConfig(kind="mlp", latent_dim=4, hidden=(32,), branches=2),
        loss=LossConfig(reconstruction="bce", lambda_conn=1.0, eta=2.0, metric="l1"),
        train=TrainConfig(epochs=2, batch_size=64, lr=3e-3, device="cpu"),
        name="tiny",
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory):
    """One trained tiny run in its own store (trained once for the module)."""
    store = RunStore(tmp_path_factory.mktemp("lab-runs"))
    outcome = train_run(tiny_config(), store)
    assert outcome.result.status == "completed"
    return outcome.run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corel")
    sub = parser.add_subparsers(dest="command", required=True)
    add_oneclass_parser(sub)
    add_toy_parser(sub)
    return parser


def _count_oracle(train: np.ndarray, test: np.ndarray, eta: float, branches: int) -> np.ndarray:
    width = train.shape[1] // branches
    total = np.zeros(len(test), dtype=np.int64)
    for k in range(branches):
        sl = slice(k * width, (k + 1) * width)
        total += (cdist(test[:, sl], train[:, sl], "cityblock") <= eta).sum(axis=1)
    return total


# ---------------------------------------------------------------- one-class evaluation


def _encode(run, x: np.ndarray) -> np.ndarray:
    model = load_trained_model(run)
    with torch.no_grad():
        return model.encode(torch.as_tensor(x)).numpy().astype(np.float64)


def test_official_protocol_draws_from_the_runs_training_images(tiny_run) -> None:
    # tiny_run trained on digits 'aux': references = those 898 images, scored = the whole 'eval'
    train = load_dataset(DataConfig(name="digits", split="aux"))
    scored = load_dataset(DataConfig(name="digits", split="eval"))
    counts = np.bincount(train.y, minlength=10)
    n = int(counts.min())  # the rarest class's whole pool is its sample: no random draw there
    result = evaluate_one_class(tiny_run, "digits", n=n, runs=2, seed=0)
    assert result.protocol == "official"
    assert result.classes == tuple(range(10)) and result.n_test == len(scored.y) == 899
    for scorer in ("count", "kde", "ocsvm"):
        assert result.auroc[scorer].shape == (10, 2)
        assert np.all((result.auroc[scorer] >= 0) & (result.auroc[scorer] <= 1))
    rare = int(np.argmin(counts))
    z_scored = _encode(tiny_run, scored.x)
    expected = roc_auc_score(
        scored.y == rare,
        _count_oracle(_encode(tiny_run, train.x)[train.y == rare], z_scored, 2.0, branches=2),
    )
    assert result.auroc["count"][rare, 0] == pytest.approx(expected, abs=1e-9)
    # split-half references from the eval split's first half would give another number here
    pool, _ = protocol_split(len(scored.y))
    other = roc_auc_score(
        scored.y == rare,
        _count_oracle(z_scored[pool][scored.y[pool] == rare], z_scored, 2.0, branches=2),
    )
    assert abs(other - expected) > 1e-6
    prov = result.provenance
    assert prov["reference"]["split"] == "aux" and prov["reference"]["images"] == 898
    assert prov["scored"]["split"] == "eval" and prov["scored"]["images"] == 899
    assert prov["scored_in_training"] == 0 and prov["notes"] == []
    name = oneclass_module.cache_name("digits", "eval", n, 2, 0, 2, "official")
    assert RunCache(tiny_run).get(name) is not None and name.startswith("oneclass-")
    cached = evaluate_one_class(tiny_run, "digits", n=n, runs=2, seed=0)  # from the run's cache
    np.testing.assert_array_equal(cached.auroc["count"], result.auroc["count"])
    assert cached.protocol == "official" and cached.provenance == result.provenance


def test_split_half_protocol_matches_an_independent_count(tiny_run) -> None:
    data = load_dataset(DataConfig(name="digits", split="eval"))
    pool, test = protocol_split(len(data.x))
    counts = np.bincount(data.y[pool], minlength=10)
    n = int(counts.min())
    result = evaluate_one_class(tiny_run, "digits", n=n, runs=2, seed=0, protocol="split-half")
    assert result.protocol == "split-half" and result.n_test == len(test)
    z = _encode(tiny_run, data.x)
    rare = int(np.argmin(counts))
    in_class = z[pool][data.y[pool] == rare]
    scores = _count_oracle(in_class, z[test], 2.0, branches=2)
    expected = roc_auc_score(data.y[test] == rare, scores)
    assert result.auroc["count"][rare, 0] == pytest.approx(expected, abs=1e-9)
    # cached under its own name, never served for the official protocol
    split_half = oneclass_module.cache_name("digits", "eval", n, 2, 0, 2, "split-half")
    assert RunCache(tiny_run).get(split_half) is not None
    assert oneclass_module.cached_one_class(tiny_run, "digits", n, 2, 0, "eval") is None


def test_official_protocol_on_a_run_trained_on_everything(tmp_path: Path) -> None:
    # digits 'all' (about 180 a class): n = 120 fits, 500 does not, and every scored image is
    # one the run trained on, which the notes say
    cfg = replace(
        tiny_config(),
        data=DataConfig(name="digits"),
        train=TrainConfig(epochs=1, batch_size=64, device="cpu"),
    )
    run = train_run(cfg, RunStore(tmp_path)).run
    data = oneclass_module.load_protocol_data(run, "digits", "eval", "official")
    assert data.counts() == dict(enumerate(np.bincount(load_dataset(cfg.data).y).tolist()))
    choices = data.choices()
    assert choices.choices == (80, 120) and choices.default == 120
    assert data.provenance["scored_in_training"] == 899
    assert "899 of the 899 scored images are images this run trained on" in data.notes()[0]
    half = oneclass_module.load_protocol_data(run, "digits", "eval", "split-half")
    assert half.choices().choices == (43,)  # 43 = the rarest class in the eval split's first half
    with pytest.raises(DensityError, match="Class 8 has only 174 reference latents but n=500"):
        evaluate_one_class(run, "digits", n=500, runs=1)


def test_evaluate_one_class_rejects_a_dataset_of_another_shape(tiny_run) -> None:
    with pytest.raises(LabError, match="shape"):
        evaluate_one_class(tiny_run, "three_gaussians", n=5, runs=1)


def _idx_labels(path: Path) -> np.ndarray:
    with gzip.open(path) as fh:
        raw = fh.read()
    return np.frombuffer(raw[8:], dtype=np.uint8).astype(np.int64)


def _idx_image(path: Path, i: int) -> np.ndarray:
    with gzip.open(path) as fh:
        raw = fh.read()
    return np.frombuffer(raw[16 + i * 784 : 16 + (i + 1) * 784], dtype=np.uint8) / 255.0


def test_mnist_protocol_split(mnist_dir: Path, tmp_path: Path, monkeypatch) -> None:
    # split logic: pool = first 2,500 of the eval half (test images 5,000..7,499), scored = last
    data = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir), split="eval"))
    pool, test = protocol_split(len(data.x))
    np.testing.assert_array_equal(pool, np.arange(2500))
    np.testing.assert_array_equal(test, np.arange(2500, 5000))
    images = mnist_dir / "t10k-images-idx3-ubyte.gz"
    np.testing.assert_allclose(data.x[pool[0]].ravel(), _idx_image(images, 5000), atol=1e-6)
    np.testing.assert_allclose(data.x[test[0]].ravel(), _idx_image(images, 7500), atol=1e-6)
    # and evaluate_one_class hands exactly those labels to the protocol
    cfg = RunConfig(
        data=DataConfig(name="mnist", data_dir=str(mnist_dir), split="aux", limit=100),
        model=ModelConfig(kind="mlp", latent_dim=4, hidden=(16,), decoder="gaussian"),
        loss=LossConfig(reconstruction="l1"),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    run = train_run(cfg, RunStore(tmp_path)).run
    seen = {}

    def spy(train, y_train, test_z, y_test, **kwargs):
        seen.update(y_train=np.asarray(y_train), y_test=np.asarray(y_test), n_train=len(train))
        raise LabError("stop after capturing")

    monkeypatch.setattr(oneclass_module, "one_class_protocol", spy)
    labels = _idx_labels(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(LabError, match="capturing"):
        evaluate_one_class(
            run, "mnist", data_dir=str(mnist_dir), n=5, runs=1, protocol="split-half"
        )
    np.testing.assert_array_equal(seen["y_train"], labels[5000:7500])
    np.testing.assert_array_equal(seen["y_test"], labels[7500:10000])
    assert seen["n_train"] == 2500
    # official: references = what the run trained on ('aux', limit 100 = test images 0..99),
    # scored = the whole 'eval' half (test images 5,000..9,999)
    with pytest.raises(LabError, match="capturing"):
        evaluate_one_class(run, "mnist", data_dir=str(mnist_dir), n=5, runs=1)
    np.testing.assert_array_equal(seen["y_train"], labels[:100])
    np.testing.assert_array_equal(seen["y_test"], labels[5000:10000])
    assert seen["n_train"] == 100


# ---------------------------------------------------------------- the toy


def _mst_oracle(points: np.ndarray) -> np.ndarray:
    tree = minimum_spanning_tree(cdist(points, points, "cityblock"))
    return np.sort(tree.data)


def test_toy_snapshots_at_the_right_epochs(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    result = run_toy(store, seed=0, epochs=6, at=(0, 5, 6))
    assert sorted(result.snapshots) == [0, 5, 6]
    assert len(result.history) == 6
    cfg = result.run.config
    assert cfg.train.epochs == 6 and cfg.train.batch_size == 50 and cfg.loss.recon_weight == 0
    x = load_dataset(cfg.data).x
    # epoch 0 = the untouched network: the same seed gives the same initial weights
    torch.manual_seed(cfg.train.seed)
    fresh = build_model(cfg.model, (2,))
    with torch.no_grad():
        np.testing.assert_allclose(
            result.snapshots[0], fresh.encode(torch.as_tensor(x)).numpy(), atol=1e-5
        )
        final = load_trained_model(result.run).encode(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(result.snapshots[6], final, atol=1e-5)
    assert not np.allclose(result.snapshots[5], result.snapshots[0])
    # before-training stats: mean over batches of 50 of MST death min/mean/max (scipy oracle)
    perm = np.random.default_rng(cfg.train.seed).permutation(len(x))
    rows = []
    for b in range(len(x) // 50):
        d = _mst_oracle(result.snapshots[0][perm[b * 50 : (b + 1) * 50]].astype(np.float64))
        rows.append((d.min(), d.mean(), d.max(), np.abs(d - 2.0).sum()))
    ref = np.mean(rows, axis=0)
    got = result.init_stats
    assert [got["death_min"], got["death_mean"], got["death_max"], got["loss"]] == pytest.approx(
        ref, rel=1e-4
    )
    # deaths grow toward η as the loss trains
    assert result.history[-1]["death_mean"] > result.init_stats["death_mean"]
    back = load_toy_result(store.get(result.run.id))
    np.testing.assert_allclose(back.snapshots[5], result.snapshots[5], atol=1e-6)
    assert back.labels is not None and len(back.labels) == len(x)
    views = kde_views(result.run, max_points=600, cv=False)
    assert views.notes == [f"a random subsample of 600 of {len(x)} codes is used."]
    everything = kde_views(result.run, max_points=len(x) + 500, cv=False)
    assert everything.notes == [
        f"the run has {len(x)} codes (fewer than {len(x) + 500}): all are used."
    ]
    assert views.projection == "raw" and views.grid[2].shape == (
        len(views.grid[1]),
        len(views.grid[0]),
    )
    per_class = {r["scope"] for r in views.bandwidths if r["rule"] == "scott"}
    assert {"all", "class 0", "class 1", "class 2"} <= per_class


# ---------------------------------------------------------------- persistence views


def test_persistence_views_and_densification_match_oracles(tiny_run) -> None:
    from ripser import ripser

    z = tiny_run.load_latents()["z"].astype(np.float64)
    views = persistence_views(tiny_run, n_batch=50, n_large=len(z), seed=0, branch=1)
    block = z[:, 2:4]  # branch 1 of a 2-branch 4-D code
    ref = ripser(block, maxdim=0, metric="manhattan")["dgms"][0]
    np.testing.assert_allclose(
        np.sort(views.large[0][:, 1]), np.sort(ref[:, 1]), rtol=1e-6, atol=1e-6
    )
    assert views.batch[0].shape == (50, 2) and views.n_large == len(z)
    dens = densification(tiny_run, sizes=(10, len(z)), branch=1)
    d = cdist(block, block, "cityblock")
    np.fill_diagonal(d, np.inf)
    np.testing.assert_allclose(np.sort(dens.nn[len(z)]), np.sort(d.min(axis=1)), atol=1e-9)
    assert [row["N"] for row in dens.table()] == [10, len(z)]
    with pytest.raises(LabError):
        persistence_views(tiny_run, branch=5)


def test_analysable_runs_lists_the_finished_run(tiny_run) -> None:
    runs = analysable_runs(RunStore(tiny_run.path.parent))
    assert tiny_run.id in runs and "λ=1" in runs[tiny_run.id]


# ---------------------------------------------------------------- CLI


def test_cli_oneclass_json(tiny_run, capsys) -> None:
    args = _parser().parse_args(
        [
            "oneclass",
            "--run",
            str(tiny_run.path),
            "--eval-dataset",
            "digits",
            "--n",
            "20",
            "--runs",
            "2",
            "--seed",
            "3",
            "--json",
            "--quiet",
        ]
    )
    assert cmd_oneclass(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes"] == [str(c) for c in range(10)] and out["n"] == 20
    assert out["protocol"] == "official" and out["n_test"] == 899  # the whole eval split
    assert out["provenance"]["reference"]["split"] == "aux"
    for scorer in ("count", "kde", "ocsvm"):
        per_class = np.array(out["per_class"][scorer])
        assert per_class.shape == (10,) and np.all((per_class >= 0) & (per_class <= 1))
        assert out["mean"][scorer] == pytest.approx(per_class.mean(), abs=1e-3)
    args = _parser().parse_args(
        [
            *("oneclass", "--run", str(tiny_run.path), "--n", "20", "--runs", "1"),
            *("--protocol", "split-half", "--json", "--quiet"),
        ]
    )
    assert cmd_oneclass(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["protocol"] == "split-half" and out["n_test"] == 450  # the eval split's 2nd half


def test_cli_toy_json(tmp_path: Path, capsys) -> None:
    args = _parser().parse_args(
        ["toy", "--epochs", "2", "--runs-dir", str(tmp_path), "--json", "--quiet"]
    )
    assert cmd_toy(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["per_epoch"]) == 2 and out["snapshot_epochs"] == [0]
    assert out["comparison"][0]["tutorial"]["death_mean"] == 0.07
    assert RunStore(tmp_path).get(out["run_id"]).has_array("toy_z_e0")


def test_evaluated_rows_set_the_runs_evaluated_with_the_same_settings_side_by_side(
    tmp_path: Path,
) -> None:
    from corel_core.analysis.oneclass import evaluated_rows

    store = RunStore(tmp_path)
    first, other, unevaluated = (
        train_run(tiny_config().replace(train={"seed": s}), store).run for s in (4, 5, 6)
    )
    labels = {first.id: "first", other.id: "second", unevaluated.id: "third"}
    results = {r.id: evaluate_one_class(r, "digits", n=20, runs=2, seed=3) for r in (first, other)}
    evaluate_one_class(unevaluated, "digits", n=30, runs=2, seed=3)  # other settings: not listed
    rows = evaluated_rows(store, labels, n=20, runs=2, seed=3)
    assert [r["run"] for r in rows] == ["first", "second"]
    for row in rows:
        for scorer in results[row["id"]].scorers:
            assert row[f"{scorer} AUROC"] == pytest.approx(results[row["id"]].mean(scorer))
    assert evaluated_rows(store, labels, n=20, runs=2, seed=4) == []  # another seed: none
