"""Every lecture variant trains through the ordinary config path and shows its loss term."""

from __future__ import annotations

import pytest
import torch

from corel_core.config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainConfig
from corel_core.models import ConvAutoencoder
from corel_core.store import RunStore
from corel_core.training.runner import load_trained_model, train_run

MLP = {"kind": "mlp", "hidden": (16,)}
VARIANTS = {
    "undercomplete": ({**MLP, "latent_dim": 2}, {}, set()),
    "overcomplete": ({**MLP, "latent_dim": 128}, {}, set()),
    "linear": ({"kind": "linear", "latent_dim": 4, "hidden": ()}, {}, set()),
    "sparse_l1": ({**MLP, "latent_dim": 32}, {"sparse_l1": 0.1}, {"sparse_l1"}),
    "sparse_kl": ({**MLP, "latent_dim": 32}, {"sparse_kl": 1.0}, {"sparse_kl"}),
    "denoise_gauss": ({**MLP, "latent_dim": 8}, {"noise": "gaussian"}, set()),
    "denoise_mask": ({**MLP, "latent_dim": 8}, {"noise": "mask", "noise_factor": 0.3}, set()),
    "contractive": ({**MLP, "latent_dim": 8}, {"contractive": 0.1}, {"contractive"}),
    "vae_beta4": ({"kind": "vae", "latent_dim": 2, "hidden": (16,)}, {"beta": 4.0}, {"kl"}),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_trains(name, tmp_path):
    torch.set_num_threads(1)
    model, loss, terms = VARIANTS[name]
    config = RunConfig(
        data=DataConfig(name="digits", limit=200),
        model=ModelConfig(**model),
        loss=LossConfig(**loss),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    outcome = train_run(config, RunStore(tmp_path))
    assert outcome.result.status == "completed"
    row = outcome.run.metrics()[-1]
    assert terms <= set(row), f"{name} should log {terms}, logged {sorted(row)}"
    assert outcome.run.load_latents()["z"].shape == (200, model["latent_dim"])


def test_lecture_conv_autoencoder_on_28x28(mnist_dir, tmp_path):
    torch.set_num_threads(1)
    config = RunConfig(
        data=DataConfig(name="mnist", data_dir=str(mnist_dir), limit=100),
        model=ModelConfig(kind="conv", latent_dim=16),
        loss=LossConfig(reconstruction="bce"),
        train=TrainConfig(epochs=1, batch_size=50, device="cpu"),
    )
    outcome = train_run(config, RunStore(tmp_path))
    assert outcome.result.status == "completed"
    model = load_trained_model(outcome.run)
    assert isinstance(model, ConvAutoencoder)
    assert model.code_shape == (8, 4, 4)  # 28×28×1 → 16 → 8 filters with pooling → 4×4×8
    convs = [m.out_channels for m in model.encoder if isinstance(m, torch.nn.Conv2d)]
    assert convs[:2] == [16, 8]
