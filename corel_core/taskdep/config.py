"""Settings of a task-dependency experiment and the (source, target) → dataset mapping.

One `TaskDepConfig` yields the `RunConfig` of every model and seed, so the three models of a seed
see the same data, seed and optimiser settings.
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

MODEL_KINDS = ("vae", "cvae", "cvae_optimal")
MODEL_LABELS = {"vae": "VAE", "cvae": "CVAE", "cvae_optimal": "CVAE + optimal prior"}
#: (source, target) -> two-task dataset name in the data registry.
TASK_PAIRS = {
    ("mnist", "digits"): "mnist_digits",
    ("mnist", "fonts"): "mnist_fonts",
    ("mnist", "rotated"): "mnist_rotated",
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
    """Settings of one experiment; the defaults finish 3 models × 3 seeds in minutes on a CPU."""

    source: str = "mnist"
    target: str = "digits"
    n_target: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int = 20
    latent_dim: int = 16
    hidden: tuple[int, ...] = (256, 128)
    batch_size: int = 100
    lr: float = 1e-3
    beta: float = 1.0
    kl_warmup_epochs: int = 5
    data_dir: str | None = None
    n_source: int = 3000  # source images used for training (the first ones in file order)
    decoder: str = "bernoulli"
    iw_samples: int = 100  # K of the importance-sampled log-likelihood
    n_eval_source: int = 1000  # held-out source images
    n_eval_target: int = 500  # held-out target images (fewer if the pool is smaller)
    mi_samples: int = 4096  # Monte Carlo samples of the mixture estimators
    infonce_steps: int = 300
    device: str = "auto"
    models: tuple[str, ...] = MODEL_KINDS

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
        if self.iw_samples < 1 or self.mi_samples < 2:
            raise ConfigError("iw_samples must be ≥ 1 and mi_samples ≥ 2.")
        unknown = [m for m in self.models if m not in MODEL_KINDS]
        if unknown or not self.models:
            raise ConfigError(f"models must be chosen from {', '.join(MODEL_KINDS)}.")
        # the run configs validate the rest (epochs, lr, latent_dim, decoder, ...)
        self.run_config("vae", self.seeds[0])

    @property
    def dataset(self) -> str:
        """Registry name of the two-task set."""
        return dataset_name(self.source, self.target)

    def run_config(self, kind: str, seed: int, name: str = "") -> RunConfig:
        """The `RunConfig` of one model and seed (same data, same seed for every model)."""
        gaussian = self.decoder == "gaussian"
        return RunConfig(
            data=DataConfig(
                name=self.dataset,
                data_dir=self.data_dir,
                limit=self.n_source,  # per task: n_source source images, all n_target targets
                n_target=self.n_target,
                seed=seed,
            ),
            model=ModelConfig(
                kind=kind, latent_dim=self.latent_dim, hidden=self.hidden, decoder=self.decoder
            ),
            # ½·Σ(x−x̂)² is −ln N(x; x̂, I) + const, matching the IS evaluation's unit variance
            loss=LossConfig(
                reconstruction="mse" if gaussian else "bce",
                recon_weight=0.5 if gaussian else 1.0,
                beta=self.beta,
                kl_warmup_epochs=self.kl_warmup_epochs,
            ),
            train=TrainConfig(
                epochs=self.epochs,
                batch_size=self.batch_size,
                lr=self.lr,
                seed=seed,
                device=self.device,
            ),
            name=name,
            preset="taskdep",
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
