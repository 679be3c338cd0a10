"""Frozen configuration dataclasses shared by the app, the CLI and the run store.

One `RunConfig` describes a training run completely; it round-trips through JSON so a run folder,
a URL and a CLI `--config FILE` all hold the same object. Every leaf field is declared ONCE here
with its metadata (help, label, unit, bounds, choices, widget hint; see `corel_core.schema`);
`SETTINGS` lists them, and the `train` flags, the URL parameters, the Train form and validation
are all derived from it. Rules that tie two fields together are the explicit `__post_init__`
code below the field checks. What each seed seeds is in the `seed` and `data-seed` help.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corel_core.schema import (
    ConfigError,
    Interval,
    Setting,
    check_fields,
    did_you_mean,
    replace_settings,
    setting,
    walk,
)

MODEL_KINDS = ("mlp", "linear", "conv", "branch_conv", "vae", "cvae", "cvae_optimal")
RECONSTRUCTIONS = ("mse", "l1", "bce")
METRICS = ("l1", "l2")
NOISE_KINDS = ("none", "gaussian", "mask")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "identity")
DEVICES = ("auto", "cpu", "cuda", "mps")

AT_LEAST_0 = Interval(0)
AT_LEAST_1 = Interval(1)
POSITIVE = Interval(0, closed="neither")
SEEDS = Interval(0, 2**32 - 1)  # what numpy, torch and scikit-learn all accept


@dataclass(frozen=True)
class DataConfig:
    """Which dataset to train on and which part of it."""

    name: str = setting(
        "digits",
        name="dataset",
        label="Dataset",
        help="Built-in toys and 8×8 digits need no download; MNIST-family and CIFAR sets are "
        "read from the data folder or downloaded; uploads are named upload:<file>.",
        widget="select",
    )
    data_dir: str | None = setting(
        None,
        label="Data folder",
        help="Folder holding dataset files (empty: $COREL_DATA_DIR, else ~/.corel/data).",
    )
    split: str = setting(
        "all",
        label="Split",
        help="all samples, aux (first half) or eval (second half) of the dataset.",
        choices=("all", "aux", "eval"),
    )
    limit: int | None = setting(
        None,
        label="Sample limit",
        help="Keep at most this many samples after the split (none or 0 in the form = all).",
        unit="samples",
        bounds=AT_LEAST_1,
    )
    n_target: int = setting(
        100,
        label="Target-task size",
        help="Samples of the small target task of two-task datasets (ignored by the others).",
        unit="samples",
        bounds=AT_LEAST_1,
    )
    seed: int = setting(
        0,
        name="data_seed",
        label="Data seed",
        help="Seeds toy/synthetic data generation, the toys' shuffle into aux/eval halves and "
        "the target subsample of two-task sets; files on disk (digits, MNIST, CIFAR) ignore it.",
        bounds=SEEDS,
    )

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the autoencoder family member to build."""

    kind: str = setting(
        "mlp",
        name="model",
        label="Model",
        help="mlp/linear: dense autoencoders; conv: the lecture's 28×28 conv AE; branch_conv: "
        "the COREL CIFAR architecture with independent latent branches; vae/cvae/cvae_optimal: "
        "variational models (cvae needs a two-task dataset).",
        choices=MODEL_KINDS,
    )
    latent_dim: int = setting(
        2,
        label="Latent size",
        help="Dimensions of the code. 2 or 3 can be plotted directly.",
        bounds=AT_LEAST_1,
    )
    hidden: tuple[int, ...] = setting(
        (256, 128),
        label="Hidden widths",
        help="Comma-separated dense layer widths, e.g. 256,128 (empty: one linear map).",
        bounds=AT_LEAST_1,
    )
    activation: str = setting(
        "relu", label="Activation", help="Nonlinearity between dense layers.", choices=ACTIVATIONS
    )
    branches: int = setting(
        1,
        label="Latent branches",
        help="Split the code into this many independent blocks (branch_conv, mlp); the "
        "connectivity loss is averaged over them (16 in the paper). Must divide the latent size.",
        bounds=AT_LEAST_1,
    )
    conv_channels: tuple[int, ...] = setting(
        (32, 64, 128),
        label="Conv channels",
        help="Comma-separated channel counts of the convolutional encoder (conv, branch_conv).",
        bounds=AT_LEAST_1,
    )
    decoder: str = setting(
        "auto",
        label="Decoder",
        help="bernoulli: sigmoid outputs in [0, 1] (use with bce or mse); gaussian: unbounded "
        "outputs (mse or l1); auto: bernoulli for images in [0, 1], gaussian for point clouds.",
        choices=("auto", "bernoulli", "gaussian"),
    )

    def __post_init__(self) -> None:
        check_fields(self)
        if self.latent_dim % self.branches:
            raise ConfigError(
                f"branches ({self.branches}) must divide the latent size ({self.latent_dim})."
            )


@dataclass(frozen=True)
class LossConfig:
    """Weights of every loss term; zero switches a term off."""

    reconstruction: str = setting(
        "mse",
        label="Reconstruction loss",
        help="mse: squared error; l1: absolute error (the COREL paper); bce: binary "
        "cross-entropy. Summed per sample, averaged over the batch.",
        choices=RECONSTRUCTIONS,
    )
    recon_weight: float = setting(
        1.0,
        label="Reconstruction weight",
        help="0 trains on the other terms alone (the connectivity toy).",
        bounds=AT_LEAST_0,
    )
    lambda_conn: float = setting(
        0.0,
        label="λ (connectivity weight)",
        help="Weight of the connectivity loss Σ|ε − η| over the 0-dim death times ε of each "
        "batch (Hofer et al. 2019; 20 in the paper; 0 = off).",
        bounds=AT_LEAST_0,
        group="Connectivity",
    )
    eta: float = setting(
        2.0,
        label="η (target scale)",
        help="Death times are pulled toward η (2 in the paper: balls of radius 1 just touch).",
        unit="latent distance",
        bounds=POSITIVE,
        group="Connectivity",
    )
    metric: str = setting(
        "l1",
        label="Distance",
        help="Distance of the connectivity loss: l1 as in the official code, or l2.",
        choices=METRICS,
        group="Connectivity",
    )
    sparse_l1: float = setting(
        0.0, label="L1 sparsity weight", help="Weight of Σ|z| on the code.", bounds=AT_LEAST_0
    )
    sparse_kl: float = setting(
        0.0,
        label="KL sparsity weight",
        help="Weight of Σ KL(ρ‖ρ̂) on mean sigmoid code activations.",
        bounds=AT_LEAST_0,
    )
    sparse_rho: float = setting(
        0.05,
        label="Sparsity target ρ",
        help="Target mean activation of each code unit for the KL sparsity penalty.",
        bounds=Interval(0, 1, closed="neither"),
    )
    contractive: float = setting(
        0.0,
        label="Contractive weight",
        help="Weight of the squared Frobenius norm of the encoder Jacobian.",
        bounds=AT_LEAST_0,
    )
    beta: float = setting(
        1.0,
        label="β (KL weight)",
        help="Weight of the KL term of variational models.",
        bounds=AT_LEAST_0,
    )
    kl_warmup_epochs: int = setting(
        0,
        label="KL warm-up epochs",
        help="The KL weight rises linearly from 0 to β over these epochs.",
        unit="epochs",
        bounds=AT_LEAST_0,
    )
    noise: str = setting(
        "none",
        label="Input corruption",
        help="Denoising: corrupt the input, reconstruct the clean one.",
        choices=NOISE_KINDS,
    )
    noise_factor: float = setting(
        0.5,
        label="Noise factor",
        help="Gaussian: noise standard deviation; mask: fraction of inputs zeroed (at most 1).",
        bounds=AT_LEAST_0,
    )
    ratio_steps: int = setting(
        5,
        label="Discriminator steps",
        help="Discriminator passes per model step for the optimal-prior CVAE (5: T recovers "
        "over 90 % of KL(q(z)||p(z)) on the synthetic task-dependency set).",
        bounds=AT_LEAST_0,
    )

    def __post_init__(self) -> None:
        check_fields(self)
        if self.noise == "mask" and self.noise_factor > 1:
            raise ConfigError(
                f"with mask noise the noise factor is a fraction in [0, 1], "
                f"not {self.noise_factor!r}."
            )


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings."""

    epochs: int = setting(10, label="Epochs", help="Passes over the data.", bounds=AT_LEAST_1)
    batch_size: int = setting(
        100,
        label="Batch size b",
        help="Also the size of each point cloud whose persistence the connectivity loss shapes "
        "(100 in the paper).",
        unit="samples",
        bounds=Interval(2),
    )
    lr: float = setting(1e-3, label="Learning rate", help="Adam step size.", bounds=POSITIVE)
    weight_decay: float = setting(
        0.0, label="Weight decay", help="Adam's L2 weight decay.", bounds=AT_LEAST_0
    )
    seed: int = setting(
        0,
        label="Seed",
        help="Seeds the initial weights, the batch order, the draws during training (input "
        "noise, VAE samples) and the preview/latent-cache subsample; the data has its own data "
        "seed. Same seeds and settings give the same run.",
        bounds=SEEDS,
    )
    device: str = setting(
        "auto", label="Device", help="auto picks cuda > mps > cpu.", choices=DEVICES
    )
    drop_last: bool = setting(
        True, label="Drop last batch", help="Skip a final batch smaller than the batch size."
    )
    lr_milestones: tuple[int, ...] = setting(
        (),
        label="LR milestones",
        help="Comma-separated epochs at which the learning rate is multiplied by the decay "
        "factor (empty: constant).",
        unit="epochs",
        bounds=AT_LEAST_1,
    )
    lr_gamma: float = setting(
        0.1, label="LR decay factor", help="LR multiplier at each milestone.", bounds=POSITIVE
    )

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one training run."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = setting(
        "", label="Run name (optional)", help="A label shown in the run list.", group="Run"
    )
    preset: str = setting(
        "",
        label="Start from a preset",
        help="The ready-made configuration (lesson) this run starts from; the other settings "
        "override it. Empty: the defaults.",
        widget="select",
        group="Run",
    )

    def __post_init__(self) -> None:
        check_fields(self)

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

    def with_texts(self, texts: Mapping[str, str]) -> RunConfig:
        """Copy with settings written as text (CLI arguments, URL parameters) by public name."""
        return replace_settings(self, {setting_named(n): t for n, t in texts.items()}, parse=True)

    def texts_changed_from(self, base: RunConfig) -> dict[str, str]:
        """{public name: text} of every setting whose value differs from `base`'s."""
        return {s.name: s.format(s.get(self)) for s in SETTINGS if s.get(self) != s.get(base)}


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


_GROUPS = {"data": "Data", "model": "Model", "loss": "Loss", "train": "Optimiser"}
#: Every leaf setting of a RunConfig, in declaration order; the form group defaults to the section.
SETTINGS: tuple[Setting, ...] = tuple(
    dataclasses.replace(s, group=s.group or _GROUPS[s.path[0]]) for s in walk(RunConfig)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def setting_named(name: str) -> Setting:
    """The setting with public name `name` (e.g. 'lambda-conn'); `ConfigError` if none."""
    if name not in _BY_NAME:
        hint, names = did_you_mean(name, _BY_NAME), ", ".join(_BY_NAME)
        raise ConfigError(f"unknown setting {name!r}.{hint} The settings are: {names}.")
    return _BY_NAME[name]
