"""The live latent view: PCA of the codes (vs scikit-learn) and what a training job publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.decomposition import PCA

from corel_core.analysis.latents import project_2d
from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.data.subsample import subsample_indices
from corel_core.store import RunStore
from corel_core.training.launch import train_job


def test_pca_view_matches_scikit_learn_up_to_sign() -> None:
    rng = np.random.default_rng(4)
    z = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 3.0
    coords, names = project_2d(z)
    pca = PCA(n_components=2).fit(z)
    theirs = pca.transform(z)
    for k in range(2):
        sign = np.sign(coords[:, k] @ theirs[:, k])
        np.testing.assert_allclose(coords[:, k], sign * theirs[:, k], atol=1e-9)
    shares = pca.explained_variance_ratio_
    assert names == [f"PC{k + 1} ({shares[k]:.0%})".replace("%", " %") for k in range(2)]
    # the sign convention (largest loading positive) keeps the picture from flipping between
    # epochs whose codes barely differ
    nudged, _ = project_2d(z + rng.normal(scale=1e-3, size=z.shape))
    assert np.abs(nudged - coords).max() < 0.05


def test_two_and_one_dimensional_codes_are_shown_as_they_are() -> None:
    z = np.arange(10.0).reshape(5, 2)
    coords, names = project_2d(z)
    assert np.array_equal(coords, z) and names == ["z₁", "z₂"]
    coords, names = project_2d(np.arange(3.0)[:, None])
    assert np.array_equal(coords, [[0, 0], [1, 0], [2, 0]]) and names[0] == "z₁"
    with pytest.raises(ValueError, match="non-empty"):
        project_2d(np.zeros((0, 2)))


class Recorder:
    """Stands in for the job's progress writer; keeps every value set."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, Any]] = []

    def set(self, key: str, value: Any) -> None:
        self.sets.append((key, value))

    def append(self, key: str, value: Any) -> None:
        self.sets.append((key, value))

    def set_total(self, total: float) -> None: ...

    def set_done(self, done: float) -> None: ...

    def set_message(self, message: str) -> None:
        self.sets.append(("message", message))

    def flush(self) -> None:
        self.sets.append(("flush", None))


def trained(config: RunConfig, root: Path) -> Recorder:
    """Run the Train page's job body in this process; what it reported."""
    progress = Recorder()
    train_job(None, progress, config, str(root), None)
    return progress


def moons_config(latent_dim: int, epochs: int, batch_size: int, **train: Any) -> RunConfig:
    """A small MLP autoencoder on 200 moons samples."""
    return RunConfig(
        data=DataConfig(name="moons", limit=200),
        model=ModelConfig(kind="mlp", latent_dim=latent_dim, hidden=(8,), decoder="gaussian"),
        train=TrainConfig(epochs=epochs, batch_size=batch_size, device="cpu", **train),
    )


def saved_codes(root: Path, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes and labels the only run under `root` saved for the samples `rows`."""
    store = RunStore(root)
    latents = store.get(store.ids()[0]).load_latents()
    where = {int(i): k for k, i in enumerate(latents["index"])}
    picked = [where[int(i)] for i in rows]
    return latents["z"][picked], latents["y"][picked]


def test_a_training_job_publishes_the_codes_before_and_after_every_epoch(tmp_path: Path) -> None:
    progress = trained(moons_config(2, epochs=3, batch_size=50, seed=1), tmp_path / "runs")
    views = [v for k, v in progress.sets if k == "codes"]
    assert [v["epoch"] for v in views] == [0, 1, 2, 3]
    last = views[-1]
    assert last["coords"].shape == (200, 2) and last["axes"] == ["z₁", "z₂"]
    # oracle: the codes the finished run saved with its final model, for the same samples
    saved, labels = saved_codes(tmp_path / "runs", subsample_indices(200, 500, 1))
    np.testing.assert_allclose(last["coords"], saved, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(last["labels"], labels)
    assert not np.allclose(views[0]["coords"], last["coords"])  # it moved while training
    # the run id is written out at once, before the first view of the codes
    keys = [k for k, _ in progress.sets]
    assert keys.index("run_id") < keys.index("flush") < keys.index("codes")


def test_a_lambda_run_says_it_loads_the_kernels_before_training(tmp_path: Path) -> None:
    config = RunConfig(
        data=DataConfig(name="moons", limit=100),
        model=ModelConfig(kind="mlp", latent_dim=2, hidden=(8,), decoder="gaussian"),
        loss=LossConfig(lambda_conn=1.0),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    progress = trained(config, tmp_path / "runs")
    messages = [v for k, v in progress.sets if k == "message"]
    kernels = next(i for i, m in enumerate(messages) if "connectivity-loss kernels" in m)
    assert "compiled once" in messages[kernels]
    assert messages[kernels + 1].startswith("training on")
    # its deaths are the loss's, of its last batch (50 codes), not those of the fixed codes
    assert [len(v) for k, v in progress.sets if k == "deaths"] == [49]
    plain = trained(config.replace(loss={"lambda_conn": 0.0}), tmp_path / "r2")
    assert not any("kernels" in v for k, v in plain.sets if k == "message")


def test_a_lambda_zero_run_reports_the_death_times_of_a_batch_of_its_codes(tmp_path: Path) -> None:
    """λ = 0 computes no deaths in the loss: the live view reports those of the first b fixed
    codes, checked against scipy's minimum spanning tree (0-dim deaths = its edge lengths)."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import cdist

    progress = trained(moons_config(3, epochs=2, batch_size=40, seed=2), tmp_path / "runs")
    deaths = [v for k, v in progress.sets if k == "deaths"]
    assert len(deaths) == 3  # before training and after each epoch
    batch, _ = saved_codes(tmp_path / "runs", subsample_indices(200, 500, 2)[:40])
    mst = minimum_spanning_tree(cdist(batch, batch, "cityblock")).toarray()  # l1, as the loss
    expected = np.sort(mst[mst > 0])
    assert len(deaths[-1]) == 39
    np.testing.assert_allclose(np.sort(deaths[-1]), expected, rtol=1e-5, atol=1e-6)
