"""Frozen configuration dataclasses shared by the app, the CLI and the run store.

One `RunConfig` describes a training run completely; it round-trips through JSON so a run folder,
a URL and a CLI `--config FILE` all hold the same object.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A configuration value a person typed or loaded is not allowed."""


MODEL_KINDS = ("mlp", "linear", "conv", "branch_conv", "vae", "cvae", "cvae_optimal")
RECONSTRUCTIONS = ("mse", "l1", "bce")
METRICS = ("l1", "l2")
NOISE_KINDS = ("none", "gaussian", "mask")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "identity")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DataConfig:
    """Which dataset to train on and which part of it."""

    name: str = "digits"
    data_dir: str | None = None
    split: str = "all"  # "all", "aux" (first half) or "eval" (second half); see data registry
    limit: int | None = None  # keep at most this many samples (after the split)
    n_target: int = 100  # size of the small target task for two-task datasets
    seed: int = 0

    def __post_init__(self) -> None:
        if self.split not in ("all", "aux", "eval"):
            raise ConfigError(f"split must be 'all', 'aux' or 'eval', not {self.split!r}.")
        if self.limit is not None and self.limit < 1:
            raise ConfigError("limit must be a positive number of samples.")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the autoencoder family member to build."""

    kind: str = "mlp"
    latent_dim: int = 2
    hidden: tuple[int, ...] = (256, 128)
    activation: str = "relu"
    branches: int = 1  # latent split into this many independent blocks (branch_conv, mlp)
    conv_channels: tuple[int, ...] = (32, 64, 128)
    decoder: str = "auto"  # "bernoulli" (sigmoid output), "gaussian" (identity) or "auto":
    # bernoulli for images in [0, 1], gaussian for point clouds

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "conv_channels", tuple(int(c) for c in self.conv_channels))
        if self.kind not in MODEL_KINDS:
            raise ConfigError(
                f"model kind must be one of {', '.join(MODEL_KINDS)}, not {self.kind!r}."
            )
        if self.latent_dim < 1:
            raise ConfigError("latent_dim must be at least 1.")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"activation must be one of {', '.join(ACTIVATIONS)}.")
        if self.branches < 1 or self.latent_dim % self.branches:
            raise ConfigError("branches must be at least 1 and divide latent_dim.")
        if self.decoder not in ("auto", "bernoulli", "gaussian"):
            raise ConfigError("decoder must be 'auto', 'bernoulli' or 'gaussian'.")


@dataclass(frozen=True)
class LossConfig:
    """Weights of every loss term; zero switches a term off."""

    reconstruction: str = "mse"
    recon_weight: float = 1.0  # 0 trains on the other terms alone (the connectivity toy)
    lambda_conn: float = 0.0  # weight of the connectivity loss (Hofer et al. 2019)
    eta: float = 2.0  # target death time of the connectivity loss
    metric: str = "l1"  # distance of the connectivity loss
    sparse_l1: float = 0.0  # weight of an L1 penalty on the code
    sparse_kl: float = 0.0  # weight of a KL sparsity penalty on sigmoid code activations
    sparse_rho: float = 0.05  # target mean activation for the KL sparsity penalty
    contractive: float = 0.0  # weight of the squared Frobenius norm of the encoder Jacobian
    beta: float = 1.0  # weight of the KL term of (C)VAEs
    kl_warmup_epochs: int = 0  # KL weight rises linearly from 0 to beta over these epochs
    noise: str = "none"  # input corruption of a denoising autoencoder
    noise_factor: float = 0.5
    ratio_steps: int = 3  # discriminator passes per model step for the optimal-prior CVAE

    def __post_init__(self) -> None:
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ConfigError(f"reconstruction must be one of {', '.join(RECONSTRUCTIONS)}.")
        if self.metric not in METRICS:
            raise ConfigError("metric must be 'l1' or 'l2'.")
        if self.noise not in NOISE_KINDS:
            raise ConfigError(f"noise must be one of {', '.join(NOISE_KINDS)}.")
        if self.eta <= 0:
            raise ConfigError("eta must be positive.")
        for name in (
            "recon_weight",
            "lambda_conn",
            "sparse_l1",
            "sparse_kl",
            "contractive",
            "beta",
            "noise_factor",
        ):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative.")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings."""

    epochs: int = 10
    batch_size: int = 100
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"
    drop_last: bool = True
    lr_milestones: tuple[
        int, ...
    ] = ()  # epochs at which the learning rate is multiplied by lr_gamma
    lr_gamma: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr_milestones", tuple(int(m) for m in self.lr_milestones))
        if self.epochs < 1:
            raise ConfigError("epochs must be at least 1.")
        if self.batch_size < 2:
            raise ConfigError("batch_size must be at least 2.")
        if not self.lr > 0:
            raise ConfigError("the learning rate must be positive.")
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}.")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one training run."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = ""  # optional human label; the run id is made by the run store
    preset: str = ""  # name of the lesson/preset this run came from, if any

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunConfig:
        """Build from a dict, rejecting unknown keys with a readable message."""
        if not isinstance(raw, dict):
            raise ConfigError("a run configuration must be a JSON object.")
        parts = {"data": DataConfig, "model": ModelConfig, "loss": LossConfig, "train": TrainConfig}
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            if key in parts:
                kwargs[key] = _build(parts[key], value, key)
            elif key in ("name", "preset"):
                kwargs[key] = str(value)
            else:
                raise ConfigError(f"unknown configuration section {key!r}.")
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"the configuration is not valid JSON: {exc}") from exc
        return cls.from_dict(raw)

    def replace(self, **sections: Any) -> RunConfig:
        """Copy with whole sections or single fields replaced, e.g. replace(train={"epochs": 3})."""
        kwargs: dict[str, Any] = {}
        for key, value in sections.items():
            current = getattr(self, key)
            if isinstance(value, dict) and dataclasses.is_dataclass(current):
                kwargs[key] = dataclasses.replace(current, **value)
            else:
                kwargs[key] = value
        return dataclasses.replace(self, **kwargs)


def _build(cls: type, value: Any, section: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"section {section!r} must be a JSON object.")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s) in {section!r}: {', '.join(unknown)}.")
    try:
        return cls(**value)
    except TypeError as exc:
        raise ConfigError(f"bad value in {section!r}: {exc}") from exc
