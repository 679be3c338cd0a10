"""Autoencoders against PCA: a linear AE spans the PCA subspace; a deep AE vs PCA at 30-D codes.

Two lecture facts made measurable. (1) With squared error and no nonlinearity, the optimal
k-dimensional autoencoder reconstructs through the span of the top k principal components (Baldi &
Hornik, 1989), so the principal angles between the decoder's column space and that span go to 0.
(2) A deep nonlinear AE with a 30-D code can reconstruct better than PCA with 30 components
(Hinton & Salakhutdinov, 2006). Errors are per-pixel mean squared errors throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.linalg import subspace_angles

from corel_core.config import LossConfig, ModelConfig, TrainConfig
from corel_core.data import Dataset
from corel_core.losses.objective import build_objective
from corel_core.models import Autoencoder, build_model
from corel_core.training import EpochInfo, OnEpoch, Trainer
from corel_core.training.runner import reconstruct


class ComparisonError(ValueError):
    """A comparison that cannot be made (too few samples, code wider than the data, ...)."""


@dataclass(frozen=True)
class PCAFit:
    """Mean, top-k principal directions (rows, orthonormal) and explained variance ratios."""

    mean: np.ndarray
    components: np.ndarray
    explained_variance_ratio: np.ndarray

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Project flattened rows onto the affine PCA subspace and map back."""
        centred = x - self.mean
        return centred @ self.components.T @ self.components + self.mean


def _flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def fit_pca(x: np.ndarray, k: int) -> PCAFit:
    """PCA by SVD of the centred data (rows = samples, flattened); k ≤ min(n, d)."""
    flat = _flat(x)
    n, d = flat.shape
    if not 1 <= k <= min(n, d):
        raise ComparisonError(f"a {k}-component PCA needs 1 ≤ k ≤ min(samples, features).")
    mean = flat.mean(axis=0)
    _, s, vt = np.linalg.svd(flat - mean, full_matrices=False)
    var = s**2
    return PCAFit(mean=mean, components=vt[:k], explained_variance_ratio=var[:k] / var.sum())


def per_sample_mse(x: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """Mean over features of the squared error, one value per sample."""
    return ((_flat(x) - _flat(recon)) ** 2).mean(axis=1)


@torch.no_grad()
def decoder_basis(model: Autoencoder) -> np.ndarray:
    """Columns decode(e_i) − decode(0): the column space of an affine decoder, (features, k)."""
    model.eval()
    device = next(model.parameters()).device
    k = model.latent_dim
    z = torch.cat([torch.zeros(1, k), torch.eye(k)]).to(device)
    out = model.decode(z).reshape(k + 1, -1).double().cpu().numpy()
    return (out[1:] - out[0]).T


@dataclass(frozen=True)
class LinearComparison:
    """A linear AE and PCA at the same code size k, on the same samples."""

    k: int
    ae_mse: float
    pca_mse: float
    angles: np.ndarray  # principal angles in radians, largest first (scipy's order)
    explained_variance_ratio: np.ndarray

    @property
    def angles_degrees(self) -> np.ndarray:
        """The principal angles in degrees."""
        return np.degrees(self.angles)


def linear_ae_vs_pca(model: Autoencoder, x: np.ndarray) -> LinearComparison:
    """Reconstruction MSE of `model` and of PCA with as many components as its code, on `x`,
    and the principal angles between the decoder's column space and PCA's top-k subspace."""
    k = model.latent_dim
    pca = fit_pca(x, k)
    recon = reconstruct(model, np.asarray(x, dtype=np.float32), None)
    return LinearComparison(
        k=k,
        ae_mse=float(per_sample_mse(x, recon).mean()),
        pca_mse=float(per_sample_mse(x, pca.reconstruct(_flat(x))).mean()),
        angles=subspace_angles(decoder_basis(model), pca.components.T),
        explained_variance_ratio=pca.explained_variance_ratio,
    )


@dataclass
class DeepComparison:
    """Held-out per-sample errors of a deep AE and of PCA at the same code size, plus examples."""

    dataset: str
    code_dim: int
    ae_errors: np.ndarray
    pca_errors: np.ndarray
    originals: np.ndarray  # a few held-out inputs in their image/point layout
    ae_recon: np.ndarray
    pca_recon: np.ndarray
    ae_history: list[float]  # training loss per epoch
    pca_explained: float  # variance fraction kept by the PCA
    test_index: np.ndarray  # dataset rows of the held-out split (errors are in this order)

    @property
    def ae_mse(self) -> float:
        """Mean held-out per-pixel MSE of the autoencoder."""
        return float(self.ae_errors.mean())

    @property
    def pca_mse(self) -> float:
        """Mean held-out per-pixel MSE of PCA."""
        return float(self.pca_errors.mean())


def deep_vs_pca(
    dataset: Dataset,
    code_dim: int = 30,
    hidden: tuple[int, ...] = (256, 128),
    epochs: int = 15,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    *,
    test_fraction: float = 0.2,
    n_show: int = 10,
    lr: float = 2e-3,
) -> DeepComparison:
    """Train an MLP AE (BCE, sigmoid output) with a `code_dim` code on a training split, fit PCA
    with `code_dim` components on the same split, and compare per-pixel MSE on the held-out rest."""
    n = len(dataset.x)
    n_test = round(n * test_fraction)
    if n_test < 1 or n - n_test <= code_dim:
        raise ComparisonError(
            f"{n} samples are too few to compare {code_dim}-D codes on a held-out split."
        )
    order = np.random.default_rng(seed).permutation(n)
    train_x, test_x = dataset.x[order[n_test:]], dataset.x[order[:n_test]]
    pca = fit_pca(train_x, code_dim)
    pca_recon = pca.reconstruct(_flat(test_x)).reshape(test_x.shape).astype(np.float32)

    torch.manual_seed(seed)
    cfg = ModelConfig(kind="mlp", latent_dim=code_dim, hidden=hidden, activation="relu")
    model = build_model(cfg, dataset.meta.shape)
    objective = build_objective(LossConfig(reconstruction="bce"), cfg)
    train_cfg = TrainConfig(epochs=epochs, batch_size=64, lr=lr, seed=seed, device="cpu")
    history: list[float] = []

    def on_epoch(info: EpochInfo) -> None:
        history.append(float(info.metrics.get("total", np.nan)))
        if progress is not None:
            progress(info.epoch + 1, epochs)

    callbacks = [OnEpoch(on_epoch)]
    result = Trainer(model, objective, train_cfg, train_x, callbacks=callbacks, device="cpu").fit()
    if result.status != "completed":
        raise ComparisonError(f"the autoencoder did not finish training: {result.message}")
    ae_recon = np.concatenate(
        [reconstruct(model, test_x[s : s + 1024], None) for s in range(0, n_test, 1024)]
    )
    show = slice(0, min(n_show, n_test))
    return DeepComparison(
        dataset=dataset.meta.name,
        code_dim=code_dim,
        ae_errors=per_sample_mse(test_x, ae_recon),
        pca_errors=per_sample_mse(test_x, pca_recon),
        originals=test_x[show],
        ae_recon=ae_recon[show],
        pca_recon=np.clip(pca_recon[show], 0.0, 1.0),
        ae_history=history,
        pca_explained=float(pca.explained_variance_ratio.sum()),
        test_index=order[:n_test],
    )
