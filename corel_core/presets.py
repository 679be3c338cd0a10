"""Named, ready-made run configurations: the connectivity toy, the MNIST protocol and lessons.

Each preset is a `RunConfig` plus a two-line explanation and the question it answers, so the
app's lessons page and `python -m corel_core train --preset NAME` show and run the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from corel_core.config import (
    ConfigError,
    DataConfig,
    LossConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
)


@dataclass(frozen=True)
class Preset:
    """A runnable configuration with the words that explain it."""

    name: str
    title: str
    question: str
    explanation: str
    config: RunConfig


def _digits_mlp(latent: int) -> ModelConfig:
    """The small MLP the digit lessons share."""
    return ModelConfig(kind="mlp", latent_dim=latent, hidden=(128, 64), activation="relu")


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="toy_connectivity",
            title="Connectivity loss on the three-Gaussians toy",
            question="Can a loss on 0-dim persistence make batches of points evenly spaced at η?",
            explanation=(
                "An MLP 2→10→10→2 is trained on the connectivity loss alone (no reconstruction), "
                "b = 50, η = 2, as in the official tutorial. Death times of each batch move "
                "toward η; packing in 2-D keeps them from reaching it."
            ),
            config=RunConfig(
                data=DataConfig(name="three_gaussians"),
                model=ModelConfig(
                    kind="mlp",
                    latent_dim=2,
                    hidden=(10, 10),
                    activation="leaky_relu",
                    decoder="gaussian",
                ),
                loss=LossConfig(recon_weight=0.0, lambda_conn=1.0, eta=2.0, metric="l1"),
                train=TrainConfig(epochs=50, batch_size=50, lr=0.01, lr_milestones=(20, 40)),
                preset="toy_connectivity",
            ),
        ),
        Preset(
            name="mnist_protocol",
            title="MNIST one-class protocol, λ = 20",
            question="Do ball counts in the latent space become a one-class score?",
            explanation=(
                "A convolutional autoencoder with 16 independent 10-D branches is trained on the "
                "first 5,000 MNIST test images with L1 reconstruction + 20 · connectivity loss."
            ),
            config=RunConfig(
                data=DataConfig(name="mnist", split="aux"),
                model=ModelConfig(
                    kind="branch_conv", latent_dim=160, branches=16, decoder="gaussian"
                ),
                loss=LossConfig(reconstruction="l1", lambda_conn=20.0, eta=2.0, metric="l1"),
                train=TrainConfig(epochs=20, batch_size=100, lr=1e-3),
                preset="mnist_protocol",
            ),
        ),
        Preset(
            name="undercomplete",
            title="Undercomplete code",
            question="What does a 2-D bottleneck keep of 64-pixel digits?",
            explanation=(
                "An MLP squeezes 8×8 digits through a 2-D code. It must keep what varies most; "
                "the latent scatter shows the classes it could separate."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=_digits_mlp(2),
                loss=LossConfig(reconstruction="bce"),
                train=TrainConfig(epochs=30, batch_size=64, lr=3e-3),
                preset="undercomplete",
            ),
        ),
        Preset(
            name="overcomplete",
            title="Overcomplete code",
            question="What happens when the code is wider than the input?",
            explanation=(
                "With a 128-D code for 64 pixels the network can copy its input: reconstruction "
                "becomes near perfect, and the code need not be useful."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=_digits_mlp(128),
                loss=LossConfig(reconstruction="bce"),
                train=TrainConfig(epochs=30, batch_size=64, lr=3e-3),
                preset="overcomplete",
            ),
        ),
        Preset(
            name="denoising",
            title="Denoising autoencoder",
            question="What does reconstructing clean digits from noisy ones buy?",
            explanation=(
                "Gaussian noise (factor 0.5) corrupts each input; the loss compares the output "
                "with the clean digit, so the code must capture structure, not pixels."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=_digits_mlp(16),
                loss=LossConfig(reconstruction="bce", noise="gaussian", noise_factor=0.5),
                train=TrainConfig(epochs=30, batch_size=64, lr=3e-3),
                preset="denoising",
            ),
        ),
        Preset(
            name="sparse",
            title="Sparse codes",
            question="Can a wide code be forced to use few units at a time?",
            explanation=(
                "A KL sparsity penalty pushes the mean activation of each code unit toward "
                "ρ = 0.05, so each digit lights up only a few units."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=_digits_mlp(64),
                loss=LossConfig(reconstruction="bce", sparse_kl=1.0, sparse_rho=0.05),
                train=TrainConfig(epochs=30, batch_size=64, lr=3e-3),
                preset="sparse",
            ),
        ),
        Preset(
            name="contractive",
            title="Contractive autoencoder",
            question="How does penalising the encoder's Jacobian differ from adding noise?",
            explanation=(
                "The squared Frobenius norm of the encoder Jacobian is added to the loss, so the "
                "code changes little when the input moves off the data."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=_digits_mlp(16),
                loss=LossConfig(reconstruction="bce", contractive=0.1),
                train=TrainConfig(epochs=30, batch_size=64, lr=3e-3),
                preset="contractive",
            ),
        ),
        Preset(
            name="linear_pca",
            title="Linear autoencoder vs PCA",
            question="Does a linear autoencoder learn the PCA subspace?",
            explanation=(
                "With no nonlinearity and squared error, the best code spans the top principal "
                "components; compare the principal angles between the two subspaces."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=ModelConfig(kind="linear", latent_dim=8, hidden=(), decoder="gaussian"),
                loss=LossConfig(reconstruction="mse"),
                train=TrainConfig(epochs=60, batch_size=64, lr=1e-2),
                preset="linear_pca",
            ),
        ),
        Preset(
            name="vae",
            title="The VAE latent space",
            question="What does a KL term to N(0, I) do to the code?",
            explanation=(
                "A VAE encodes each digit as a Gaussian and pays KL to the standard normal prior; "
                "the latent space fills a round blob and samples from the prior decode to digits."
            ),
            config=RunConfig(
                data=DataConfig(name="digits"),
                model=ModelConfig(kind="vae", latent_dim=2, hidden=(128, 64)),
                loss=LossConfig(reconstruction="bce", beta=1.0),
                train=TrainConfig(epochs=40, batch_size=64, lr=3e-3),
                preset="vae",
            ),
        ),
    )
}


def get_preset(name: str) -> Preset:
    """The preset called `name`, or a `ConfigError` listing the ones that exist."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(
            f"no preset named {name!r}; choose one of {', '.join(sorted(PRESETS))}."
        ) from None
