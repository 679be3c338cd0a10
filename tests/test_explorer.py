"""Latent explorer data shaping: inputs behind latents, cached projections, decoding helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import corel_core.analysis.explorer as explorer
from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.density import GaussianKDE
from corel_core.models import build_model
from corel_core.store import RunStore
from corel_core.training.runner import encode_all, load_trained_model, reconstruct, train_run


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    torch.set_num_threads(1)
    store = RunStore(tmp_path_factory.mktemp("runs"))
    config = RunConfig(
        data=DataConfig(name="digits", limit=300),
        model=ModelConfig(kind="mlp", latent_dim=3, hidden=(16,)),
        loss=LossConfig(reconstruction="bce", noise="gaussian", noise_factor=0.5),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    return train_run(config, store).run


def test_inputs_line_up_with_latents(tiny_run):
    inputs = explorer.load_images_for_run(tiny_run)
    latents = tiny_run.load_latents()
    assert inputs.kind == "image" and inputs.x.shape == (300, 1, 8, 8)
    model = load_trained_model(tiny_run)
    codes = encode_all(model, inputs.x, None)["z"]  # re-encode: same codes as stored
    np.testing.assert_allclose(codes, latents["z"], atol=1e-5)


def test_projection_is_cached_on_disk(tiny_run, monkeypatch):
    z = tiny_run.load_latents()["z"]
    first = explorer.cached_projection(tiny_run, z, "pca", n_components=2, seed=0)
    centred = z - z.mean(axis=0)
    ref = np.linalg.svd(centred, full_matrices=False)[2][:2]
    np.testing.assert_allclose(np.abs(first.coords), np.abs(centred @ ref.T), atol=1e-4)

    def boom(*args, **kwargs):
        raise AssertionError("project() should not run again for a cached projection")

    monkeypatch.setattr(explorer, "project", boom)
    again = explorer.cached_projection(tiny_run, z, "pca", n_components=2, seed=0)
    np.testing.assert_array_equal(again.coords, first.coords)
    np.testing.assert_allclose(again.explained_variance_ratio, first.explained_variance_ratio)
    with pytest.raises(AssertionError):  # other parameters are a different cache entry
        explorer.cached_projection(tiny_run, z, "pca", n_components=3, seed=0)


def test_subsampled_projection_keeps_its_rows(tiny_run):
    z = tiny_run.load_latents()["z"]
    proj = explorer.cached_projection(tiny_run, z, "raw", n_components=2, max_points=50)
    assert proj.indices is not None and len(proj.indices) == 50 and "50" in proj.note
    np.testing.assert_allclose(proj.coords, z[proj.indices][:, :2])
    again = explorer.cached_projection(tiny_run, z, "raw", n_components=2, max_points=50)
    np.testing.assert_array_equal(again.indices, proj.indices)


def test_colour_values(tiny_run):
    latents = tiny_run.load_latents()
    assert explorer.color_choices(latents) == [
        "label",
        "KDE density",
        "reconstruction error",
        "none",
    ]
    values, name, _ = explorer.color_values(tiny_run, latents, "KDE density")
    assert name == "log density"
    ref = GaussianKDE(bandwidth="scott").fit(latents["z"]).score_samples(latents["z"])
    np.testing.assert_allclose(values, ref, rtol=1e-5)
    labels, _, _ = explorer.color_values(tiny_run, latents, "label")
    np.testing.assert_array_equal(labels, latents["y"])
    with pytest.raises(explorer.ExplorerError):
        explorer.color_values(tiny_run, latents, "task")


@pytest.mark.parametrize("kind", ["mlp", "vae"])
def test_interpolation_endpoints_are_the_reconstructions(kind):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, latent_dim=4, hidden=(16,)), (1, 8, 8)).eval()
    x = torch.rand(2, 1, 8, 8).numpy()
    with torch.no_grad():
        z = model.encode(torch.as_tensor(x)).numpy()
    path = explorer.interpolate(model, z[0], z[1], steps=5)
    assert path.shape == (5, 1, 8, 8)
    recon = reconstruct(model, x, None)
    np.testing.assert_allclose(path[0], recon[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], recon[1], atol=1e-6)
    mid = explorer.decode(model, (0.5 * (z[0] + z[1]))[None])
    np.testing.assert_allclose(path[2], mid[0], atol=1e-6)


def test_prior_samples_shape_and_errors():
    vae = build_model(ModelConfig(kind="vae", latent_dim=2, hidden=(8,)), (1, 8, 8))
    samples = explorer.prior_samples(vae, 6, seed=1)
    assert samples.shape == (6, 1, 8, 8)
    assert samples.min() >= 0 and samples.max() <= 1  # Bernoulli decoder: probabilities
    np.testing.assert_array_equal(samples, explorer.prior_samples(vae, 6, seed=1))
    ae = build_model(ModelConfig(kind="mlp", latent_dim=2, hidden=(8,)), (1, 8, 8))
    with pytest.raises(explorer.ExplorerError, match="variational"):
        explorer.prior_samples(ae, 4)


def test_denoise_examples(tiny_run):
    model = load_trained_model(tiny_run)
    x = explorer.load_images_for_run(tiny_run).x[:4]
    noisy, cleaned = explorer.denoise_examples(model, x, "mask", 0.5, seed=0)
    assert noisy.shape == cleaned.shape == x.shape
    assert np.all((noisy == 0) | (noisy == x)) and (noisy != x).any()
    np.testing.assert_allclose(cleaned, reconstruct(model, noisy, None), atol=1e-6)


def test_run_listing(tiny_run):
    store = RunStore(tiny_run.path.parent)
    store.create(RunConfig())  # no latents: not listed
    assert [s.id for s in explorer.runs_with_latents(store)] == [tiny_run.id]


def test_decoding_and_encoding_leave_the_model_mode_as_it_was() -> None:
    model = build_model(ModelConfig(kind="mlp", latent_dim=2, hidden=(8,)), (4,), n_tasks=1)
    model.train()
    explorer.decode(model, np.zeros((3, 2), dtype=np.float32))
    encode_all(model, np.zeros((3, 4), dtype=np.float32), None)
    assert model.training
    model.eval()
    explorer.decode(model, np.zeros((3, 2), dtype=np.float32))
    assert not model.training
