"""The training form as data: every control's label, help text, choices and config field.

The Train page renders these generically, so the page stays thin and every control has a
tooltip; the mapping to and from `RunConfig` is tested here without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corel_core.config import (
    ACTIVATIONS,
    DEVICES,
    METRICS,
    MODEL_KINDS,
    NOISE_KINDS,
    RECONSTRUCTIONS,
    ConfigError,
    RunConfig,
)


@dataclass(frozen=True)
class FormField:
    """One control of the training form, bound to `config.<section>.<name>`."""

    section: str
    name: str
    label: str
    help: str
    kind: str  # "choice", "int", "float", "ints" (comma-separated), "bool"
    group: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def key(self) -> str:
        """Widget key: unique and readable."""
        return f"form.{self.section}.{self.name}"


FIELDS: tuple[FormField, ...] = (
    FormField(
        "data",
        "name",
        "Dataset",
        "Built-in toys and 8×8 digits need no download; MNIST-family "
        "and CIFAR sets are read from the data folder or downloaded.",
        "choice",
        "Data",
    ),
    FormField(
        "data",
        "limit",
        "Sample limit",
        "Keep at most this many samples (0 = all).",
        "int",
        "Data",
        minimum=0,
    ),
    FormField(
        "model",
        "kind",
        "Model",
        "mlp/linear: dense autoencoders; conv: the lecture's 28×28 "
        "conv AE; branch_conv: the COREL CIFAR architecture with independent latent branches; "
        "vae/cvae/cvae_optimal: variational models (cvae needs a two-task dataset).",
        "choice",
        "Model",
        choices=MODEL_KINDS,
    ),
    FormField(
        "model",
        "latent_dim",
        "Latent size",
        "Dimensions of the code. 2 or 3 can be plotted directly.",
        "int",
        "Model",
        minimum=1,
        maximum=1024,
    ),
    FormField(
        "model",
        "hidden",
        "Hidden widths",
        "Comma-separated widths of the dense layers, e.g. 256,128 (empty for a single linear map).",
        "ints",
        "Model",
    ),
    FormField(
        "model",
        "activation",
        "Activation",
        "Nonlinearity between dense layers.",
        "choice",
        "Model",
        choices=ACTIVATIONS,
    ),
    FormField(
        "model",
        "decoder",
        "Decoder",
        "bernoulli: sigmoid outputs in [0, 1] (use with bce or "
        "mse); gaussian: unbounded outputs (mse or l1).",
        "choice",
        "Model",
        choices=("bernoulli", "gaussian"),
    ),
    FormField(
        "model",
        "branches",
        "Latent branches",
        "Split the code into this many independent "
        "blocks; the connectivity loss is averaged over them (16 in the paper).",
        "int",
        "Model",
        minimum=1,
        maximum=64,
    ),
    FormField(
        "loss",
        "reconstruction",
        "Reconstruction loss",
        "mse: squared error; l1: absolute "
        "error (the COREL paper); bce: binary cross-entropy. Summed per sample, averaged over "
        "the batch.",
        "choice",
        "Loss",
        choices=RECONSTRUCTIONS,
    ),
    FormField(
        "loss",
        "recon_weight",
        "Reconstruction weight",
        "0 trains on the other terms alone (the connectivity toy).",
        "float",
        "Loss",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "noise",
        "Input corruption",
        "Denoising: corrupt the input, reconstruct the clean one.",
        "choice",
        "Loss",
        choices=NOISE_KINDS,
    ),
    FormField(
        "loss",
        "noise_factor",
        "Noise factor",
        "Gaussian: noise standard deviation; mask: fraction of inputs zeroed.",
        "float",
        "Loss",
        minimum=0.0,
        maximum=1.0,
    ),
    FormField(
        "loss",
        "sparse_l1",
        "L1 sparsity weight",
        "Weight of Σ|z| on the code.",
        "float",
        "Loss",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "sparse_kl",
        "KL sparsity weight",
        "Weight of Σ KL(ρ‖ρ̂) on mean sigmoid code activations.",
        "float",
        "Loss",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "sparse_rho",
        "Sparsity target ρ",
        "Target mean activation of each code unit.",
        "float",
        "Loss",
        minimum=0.001,
        maximum=0.999,
    ),
    FormField(
        "loss",
        "contractive",
        "Contractive weight",
        "Weight of the squared Frobenius norm of the encoder Jacobian.",
        "float",
        "Loss",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "beta",
        "β (KL weight)",
        "Weight of the KL term of variational models.",
        "float",
        "Loss",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "kl_warmup_epochs",
        "KL warm-up epochs",
        "The KL weight rises linearly from 0 to β over these epochs.",
        "int",
        "Loss",
        minimum=0,
    ),
    FormField(
        "loss",
        "lambda_conn",
        "λ (connectivity weight)",
        "Weight of the connectivity loss "
        "Σ|ε − η| over the 0-dim death times ε of each batch (20 in the paper; 0 = off).",
        "float",
        "Connectivity",
        minimum=0.0,
    ),
    FormField(
        "loss",
        "eta",
        "η (target scale)",
        "Death times are pulled toward η (2 in the paper: balls of radius 1 just touch).",
        "float",
        "Connectivity",
        minimum=0.001,
    ),
    FormField(
        "loss",
        "metric",
        "Distance",
        "l1 as in the official code, or l2.",
        "choice",
        "Connectivity",
        choices=METRICS,
    ),
    FormField(
        "train",
        "epochs",
        "Epochs",
        "Passes over the data.",
        "int",
        "Optimiser",
        minimum=1,
        maximum=10_000,
    ),
    FormField(
        "train",
        "batch_size",
        "Batch size b",
        "Also the size of each point cloud whose "
        "persistence the connectivity loss shapes (100 in the paper).",
        "int",
        "Optimiser",
        minimum=2,
        maximum=100_000,
    ),
    FormField(
        "train", "lr", "Learning rate", "Adam step size.", "float", "Optimiser", minimum=1e-7
    ),
    FormField(
        "train",
        "seed",
        "Seed",
        "Same seed and settings give the same run.",
        "int",
        "Optimiser",
        minimum=0,
    ),
    FormField(
        "train",
        "device",
        "Device",
        "auto picks cuda > mps > cpu.",
        "choice",
        "Optimiser",
        choices=DEVICES,
    ),
)

GROUPS: tuple[str, ...] = ("Data", "Model", "Loss", "Connectivity", "Optimiser")


def values_from_config(config: RunConfig) -> dict[str, Any]:
    """Widget values (by key) showing `config`."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        value = getattr(getattr(config, field.section), field.name)
        if field.kind == "ints":
            value = ",".join(str(v) for v in value)
        elif field.kind == "int":
            value = int(value or 0)
        elif field.kind == "float":
            value = float(value)
        values[field.key] = value
    return values


def config_from_values(values: dict[str, Any], base: RunConfig | None = None) -> RunConfig:
    """The RunConfig the widgets describe; fields without a widget keep `base`'s values."""
    base = base or RunConfig()
    sections: dict[str, dict[str, Any]] = {}
    for field in FIELDS:
        if field.key not in values:
            continue
        value = values[field.key]
        if field.kind == "ints":
            try:
                value = tuple(int(v) for v in str(value).split(",") if v.strip())
            except ValueError:
                raise ConfigError(f"{field.label} must be comma-separated integers.") from None
        elif field.kind == "int":
            value = int(value)
        elif field.kind == "float":
            value = float(value)
        if field.name == "limit":
            value = value or None
        sections.setdefault(field.section, {})[field.name] = value
    return base.replace(**sections)
