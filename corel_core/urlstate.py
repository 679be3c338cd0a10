"""Bind the main training controls to URL query parameters, so a URL reproduces a set-up.

Only short, common fields are bound; everything else keeps its preset or default value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from corel_core.config import ConfigError, RunConfig


def _floats(text: str) -> float:
    return float(text)


def _ints(text: str) -> int:
    return int(text)


def _hidden(text: str) -> tuple[int, ...]:
    return tuple(int(h) for h in text.split(",") if h.strip())


# query parameter → (config section, field, parser)
BOUND_FIELDS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    "dataset": ("data", "name", str),
    "model": ("model", "kind", str),
    "latent": ("model", "latent_dim", _ints),
    "hidden": ("model", "hidden", _hidden),
    "branches": ("model", "branches", _ints),
    "recon": ("loss", "reconstruction", str),
    "lambda": ("loss", "lambda_conn", _floats),
    "eta": ("loss", "eta", _floats),
    "metric": ("loss", "metric", str),
    "epochs": ("train", "epochs", _ints),
    "batch": ("train", "batch_size", _ints),
    "lr": ("train", "lr", _floats),
    "seed": ("train", "seed", _ints),
}


def config_to_params(config: RunConfig) -> dict[str, str]:
    """The bound fields of `config` as query-parameter strings."""
    params: dict[str, str] = {}
    for key, (section, field, _) in BOUND_FIELDS.items():
        value = getattr(getattr(config, section), field)
        params[key] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return params


def config_from_params(params: Mapping[str, str], base: RunConfig | None = None) -> RunConfig:
    """`base` with every bound field present in `params` replaced; bad values raise ConfigError."""
    base = base or RunConfig()
    sections: dict[str, dict[str, Any]] = {}
    for key, (section, field, parse) in BOUND_FIELDS.items():
        if key not in params:
            continue
        try:
            value = parse(params[key])
        except ValueError:
            raise ConfigError(f"the URL parameter {key}={params[key]!r} is not valid.") from None
        sections.setdefault(section, {})[field] = value
    return base.replace(**sections)
