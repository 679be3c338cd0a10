"""Autoencoders vs PCA, checked against scikit-learn's PCA."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from corel_core.analysis.pca_compare import decoder_basis, deep_vs_pca, fit_pca, linear_ae_vs_pca
from corel_core.config import DataConfig, LossConfig, ModelConfig, TrainConfig
from corel_core.data import load_dataset
from corel_core.losses.objective import build_objective
from corel_core.models import build_model
from corel_core.training import Trainer


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    return load_dataset(DataConfig(name="digits"))


def test_fit_pca_matches_sklearn(digits):
    flat = digits.x.reshape(len(digits.x), -1).astype(np.float64)
    ours = fit_pca(digits.x, 5)
    ref = PCA(n_components=5, svd_solver="full").fit(flat)
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_, 1e-8)
    overlap = np.abs(np.sum(ours.components * ref.components_, axis=1))  # signs may differ
    np.testing.assert_allclose(overlap, 1.0, atol=1e-8)
    np.testing.assert_allclose(
        ours.reconstruct(flat), ref.inverse_transform(ref.transform(flat)), atol=1e-8
    )


def test_decoder_basis_of_a_linear_model_is_its_weight():
    model = build_model(ModelConfig(kind="linear", latent_dim=3, hidden=()), (1, 8, 8))
    weight = model.decoder[0].weight.detach().double().numpy()  # (64, 3)
    np.testing.assert_allclose(decoder_basis(model), weight, atol=1e-6)


def test_linear_autoencoder_learns_the_pca_subspace(digits):
    # Centred inputs: on raw digits the mean first occupies one decoder direction and leaves it
    # only slowly (see the lessons page), which would need far more epochs than a unit test.
    x = digits.x - digits.x.mean(axis=0)
    cfg = ModelConfig(kind="linear", latent_dim=4, hidden=(), decoder="gaussian")
    torch.manual_seed(0)
    model = build_model(cfg, (1, 8, 8))
    train = TrainConfig(epochs=30, batch_size=128, lr=2e-2, lr_milestones=(20,), device="cpu")
    Trainer(model, build_objective(LossConfig(reconstruction="mse"), cfg), train, x).fit()
    comp = linear_ae_vs_pca(model, x)

    flat = x.reshape(len(x), -1).astype(np.float64)
    ref = PCA(n_components=4, svd_solver="full").fit(flat)
    ref_mse = float(((ref.inverse_transform(ref.transform(flat)) - flat) ** 2).mean())
    assert comp.pca_mse == pytest.approx(ref_mse, rel=1e-8)
    assert ref_mse <= comp.ae_mse < 1.01 * ref_mse  # PCA is the optimum; the AE gets close
    ref_angles = np.degrees(subspace_angles(decoder_basis(model), ref.components_.T))
    np.testing.assert_allclose(np.sort(comp.angles_degrees), np.sort(ref_angles), atol=1e-6)
    assert comp.angles_degrees.max() < 3.0


def _sklearn_heldout_errors(x, test_index, k):
    flat = x.reshape(len(x), -1).astype(np.float64)
    train = np.setdiff1d(np.arange(len(x)), test_index)
    ref = PCA(n_components=k, svd_solver="full").fit(flat[train])
    test = flat[test_index]
    return ((ref.inverse_transform(ref.transform(test)) - test) ** 2).mean(axis=1)


def test_deep_vs_pca_on_digits(digits):
    comp = deep_vs_pca(digits, code_dim=30, hidden=(64,), epochs=3, n_show=6)
    assert len(comp.test_index) == round(0.2 * len(digits.x))
    np.testing.assert_allclose(
        comp.pca_errors, _sklearn_heldout_errors(digits.x, comp.test_index, 30), rtol=1e-6
    )
    assert comp.ae_errors.shape == comp.pca_errors.shape
    assert np.all(np.isfinite(comp.ae_errors))
    assert comp.ae_history[-1] < comp.ae_history[0]
    assert comp.originals.shape == comp.ae_recon.shape == comp.pca_recon.shape == (6, 1, 8, 8)
    np.testing.assert_allclose(comp.originals, digits.x[comp.test_index[:6]])


def test_deep_vs_pca_on_mnist(mnist_dir):
    data = load_dataset(DataConfig(name="mnist", data_dir=str(mnist_dir), limit=500))
    comp = deep_vs_pca(data, code_dim=30, hidden=(64,), epochs=1, n_show=4)
    np.testing.assert_allclose(
        comp.pca_errors, _sklearn_heldout_errors(data.x, comp.test_index, 30), rtol=1e-6
    )
    assert comp.ae_recon.shape == (4, 1, 28, 28)


def test_too_few_samples_is_refused(digits):
    small = digits.__class__(x=digits.x[:20], y=None, task=None, meta=digits.meta)
    with pytest.raises(ValueError, match="too few"):
        deep_vs_pca(small, code_dim=30, epochs=1)
