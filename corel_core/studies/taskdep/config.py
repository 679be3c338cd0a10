"""Settings of a task-dependency experiment and the (source, target) → dataset mapping.

One `TaskDepConfig` yields the `RunConfig` of every model and seed, so the three models of a seed
see the same data, seed and optimiser settings. The defaults are those of the built-in offline
set `synthetic → shifted` (corel_core.data.synthetic); `TaskDepConfig.for_pair` applies the
settings that differ for other sources (MNIST pairs: 20 epochs, 3,000 source images, larger
evaluation samples).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from corel_core.config import (
    ConfigError,
    DataConfig,
    LossConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
)
from corel_core.data.registry import get_spec
from corel_core.store.experiments import RUN_PRESET

MODEL_KINDS = ("vae", "cvae", "cvae_optimal")
MODEL_LABELS = {"vae": "VAE", "cvae": "CVAE", "cvae_optimal": "CVAE + optimal prior"}
#: (source, target) -> two-task dataset name in the data registry.
TASK_PAIRS = {
    ("synthetic", "shifted"): "synthetic_shifted",
    ("mnist", "digits"): "mnist_digits",
    ("mnist", "fonts"): "mnist_fonts",
    ("mnist", "rotated"): "mnist_rotated",
}
#: settings that differ from the dataclass defaults (those of synthetic → shifted), per source;
#: the MNIST pairs keep the sizes they were measured with (README, "Task dependency").
SOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "mnist": {
        "epochs": 20,
        "n_source": 3000,
        "n_eval_source": 1000,
        "iw_samples": 100,
        "mi_samples": 4096,
    },
}


def dataset_name(source: str, target: str) -> str:
    """The registry name of the two-task set for a (source, target) pair, e.g. mnist_digits."""
    try:
        return TASK_PAIRS[(source, target)]
    except KeyError:
        pairs = ", ".join(f"{s}→{t}" for s, t in TASK_PAIRS)
        raise ConfigError(f"no two-task dataset for {source}→{target}; choose {pairs}.") from None


@dataclass(frozen=True)
class TaskDepConfig:
    """Settings of one experiment; the defaults finish 3 models × 3 seeds in minutes on a CPU.

    ``decoder`` "auto" is Gaussian (unit variance) for point sets and Bernoulli for images;
    ``ratio_steps`` is the optimal-prior CVAE's discriminator passes per model step.
    """

    source: str = "synthetic"
    target: str = "shifted"
    n_target: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int = 40
    latent_dim: int = 16
    hidden: tuple[int, ...] = (256, 128)
    batch_size: int = 100
    lr: float = 1e-3
    beta: float = 1.0
    kl_warmup_epochs: int = 5
    data_dir: str | None = None
    n_source: int = 2000  # source samples used for training (the first ones in file order)
    decoder: str = "auto"
    iw_samples: int = 50  # K of the importance-sampled log-likelihood
    n_eval_source: int = 500  # held-out source samples
    n_eval_target: int = 500  # held-out target samples (fewer if the pool is smaller)
    mi_samples: int = 2048  # Monte Carlo samples of the mixture estimators
    infonce_steps: int = 300
    device: str = "auto"
    models: tuple[str, ...] = MODEL_KINDS
    ratio_steps: int = 5

    def __post_init__(self) -> None:
        seeds = self.seeds
        if isinstance(seeds, int):
            seeds = tuple(range(seeds))
        object.__setattr__(self, "seeds", tuple(int(s) for s in seeds))
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "models", tuple(str(m) for m in self.models))
        dataset_name(self.source, self.target)
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ConfigError("give at least one seed, each only once.")
        if self.n_target < 10:
            raise ConfigError("n_target must be at least 10 images (accuracy needs classes).")
        if self.n_source < self.n_target:
            raise ConfigError("n_source must be at least n_target.")
        if self.n_eval_source < 10 or self.n_eval_target < 10:
            raise ConfigError("keep at least 10 held-out images per task.")
        if self.decoder == "bernoulli" and get_spec(self.dataset).kind == "points":
            raise ConfigError(
                f"{self.dataset} is real-valued: a Bernoulli decoder needs data in [0, 1]; "
                "choose decoder 'auto' or 'gaussian'."
            )
        if self.ratio_steps < 1:
            raise ConfigError("ratio_steps must be at least 1 discriminator pass per model step.")
        if self.iw_samples < 1 or self.mi_samples < 2:
            raise ConfigError("iw_samples must be ≥ 1 and mi_samples ≥ 2.")
        unknown = [m for m in self.models if m not in MODEL_KINDS]
        if unknown or not self.models:
            raise ConfigError(f"models must be chosen from {', '.join(MODEL_KINDS)}.")
        # the run configs validate the rest (epochs, lr, latent_dim, decoder, ...)
        self.run_config("vae", self.seeds[0])

    @classmethod
    def for_pair(cls, source: str, target: str, **overrides: Any) -> TaskDepConfig:
        """The defaults for a (source, target) pair (`SOURCE_DEFAULTS`), then `overrides`."""
        fields = {**SOURCE_DEFAULTS.get(source, {}), **overrides}
        return cls(source=source, target=target, **fields)

    @property
    def dataset(self) -> str:
        """Registry name of the two-task set."""
        return dataset_name(self.source, self.target)

    @property
    def resolved_decoder(self) -> str:
        """The decoder the models get: "auto" is Gaussian for point sets, Bernoulli for images."""
        if self.decoder != "auto":
            return self.decoder
        return "gaussian" if get_spec(self.dataset).kind == "points" else "bernoulli"

    def run_config(self, kind: str, seed: int, name: str = "") -> RunConfig:
        """The `RunConfig` of one model and seed (same data, same seed for every model)."""
        decoder = self.resolved_decoder
        gaussian = decoder == "gaussian"
        return RunConfig(
            data=DataConfig(
                name=self.dataset,
                data_dir=self.data_dir,
                limit=self.n_source,  # per task: n_source source images, all n_target targets
                n_target=self.n_target,
                seed=seed,
            ),
            model=ModelConfig(
                kind=kind, latent_dim=self.latent_dim, hidden=self.hidden, decoder=decoder
            ),
            # ½·Σ(x−x̂)² is −ln N(x; x̂, I) + const, matching the IS evaluation's unit variance
            loss=LossConfig(
                reconstruction="mse" if gaussian else "bce",
                recon_weight=0.5 if gaussian else 1.0,
                beta=self.beta,
                kl_warmup_epochs=self.kl_warmup_epochs,
                ratio_steps=self.ratio_steps,
            ),
            train=TrainConfig(
                epochs=self.epochs,
                batch_size=self.batch_size,
                lr=self.lr,
                seed=seed,
                device=self.device,
            ),
            name=name,
            preset=RUN_PRESET,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TaskDepConfig:
        """Inverse of `to_dict`; unknown keys are refused."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"unknown task-dependency setting(s): {', '.join(unknown)}.")
        return cls(**raw)
