"""What a sweep is: a base RunConfig, a grid of settings × seeds, and how each trial is scored.

A grid names RunConfig settings by their public name (`lambda-conn`, as the `train` flags and the
Train page's URL parameters) or by their field name (`lambda_conn`). `--grid FIELD=V1,V2,…`
is read here; a setting whose values are lists (`hidden`, `conv-channels`) separates its values
with `;` (`--grid hidden=256,128;64`). Trials are the grid's cross product in the order the
fields were given, seeds varying fastest; every trial's RunConfig is built and checked before a
sweep starts, so a bad combination is refused with a sentence instead of failing on a worker.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corel_core.config import RunConfig, setting_named
from corel_core.schema import ConfigError, Setting

NOT_SWEPT = ("preset", "name")  # a preset replaces everything; a name is a label
MAX_TRIALS = 10_000


class SweepError(ValueError):
    """A sweep a person asked for cannot be run (bad grid, unknown sweep id, ...)."""


def setting_for(field_name: str) -> Setting:
    """The setting called `field_name` (`lambda_conn` or `lambda-conn`); SweepError if none."""
    name = field_name.strip().replace("_", "-")
    try:
        s = setting_named(name)
    except ConfigError as exc:
        raise SweepError(f"--grid: {exc}") from None
    if s.name in NOT_SWEPT:
        raise SweepError(f"--grid: the setting {s.name!r} cannot be swept; set it once instead.")
    return s


def parse_values(s: Setting, text: str) -> tuple[str, ...]:
    """Canonical texts of the values in `text` ("0,1,10"; `;`-separated for list settings).

    Each value is parsed and checked like the flag of the same name; duplicates are refused.
    """
    separator = ";" if s.kind == "ints" or ";" in text else ","
    parts = [p.strip() for p in text.split(separator)]
    if not text.strip() or (s.kind != "ints" and "" in parts):
        raise SweepError(
            f"--grid {s.name}: give values separated by '{separator}', e.g. {s.name}=0,20."
        )
    out: list[str] = []
    for part in parts:
        try:
            canonical = s.format(s.parse(part))
        except ConfigError as exc:
            raise SweepError(f"--grid {s.name}: {exc}") from None
        if canonical in out:
            raise SweepError(f"--grid {s.name}: the value {part!r} is listed twice.")
        out.append(canonical)
    return tuple(out)


def parse_grid(items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """{public name: canonical value texts} from `--grid FIELD=V1,V2` arguments, in order."""
    grid: dict[str, tuple[str, ...]] = {}
    for item in items:
        if "=" not in item:
            raise SweepError(f"--grid {item!r}: write FIELD=V1,V2,… (e.g. lambda_conn=0,20).")
        name, values = item.split("=", 1)
        s = setting_for(name)
        if s.name in grid:
            raise SweepError(f"--grid: {s.name} is given twice; list all its values once.")
        grid[s.name] = parse_values(s, values)
    return grid


def parse_n(text: str | Sequence[int]) -> tuple[int, ...]:
    """One-class n values from "80,120,500" (each a whole number ≥ 2, no repeats; the paper's
    grid is PAPER_N)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    try:
        values = tuple(int(str(p).strip()) for p in parts)
    except ValueError:
        raise SweepError(f"--n must be whole numbers like 80,120,500, not {text!r}.") from None
    if not values or any(v < 2 for v in values) or len(set(values)) != len(values):
        raise SweepError(f"--n must be distinct whole numbers of at least 2, not {text!r}.")
    return values


@dataclass(frozen=True)
class Trial:
    """One point of the grid: its index, the settings it changes (texts) and a readable key."""

    index: int
    params: dict[str, str]

    @property
    def key(self) -> str:
        """e.g. 'lambda-conn=20.0 seed=1'."""
        return " ".join(f"{k}={v}" for k, v in self.params.items())


@dataclass(frozen=True)
class SweepSpec:
    """A base RunConfig, the grid (public name → value texts), seeds and the one-class scoring.

    `seeds` are the training seeds (the `seed` setting) every grid point is run with; `oneclass_n`
    empty means no one-class scoring, else the official protocol at each n (PAPER_N by default).
    """

    base: RunConfig
    grid: dict[str, tuple[str, ...]]
    seeds: tuple[int, ...] = (0,)
    oneclass_n: tuple[int, ...] = ()
    max_concurrent: int | None = None
    gpus_per_trial: float | None = None
    trials: tuple[Trial, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if "seed" in self.grid and len(self.seeds) > 1:
            raise SweepError("give the seeds either with --seeds or with --grid seed=…, not both.")
        if not self.seeds:
            raise SweepError("a sweep needs at least one seed.")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise SweepError(f"--max-concurrent must be at least 1, not {self.max_concurrent}.")
        if self.gpus_per_trial is not None and self.gpus_per_trial < 0:
            raise SweepError(f"--gpus-per-trial must be at least 0, not {self.gpus_per_trial}.")
        space = dict(self.grid)
        if "seed" not in space:
            space["seed"] = tuple(str(s) for s in self.seeds)
        size = 1
        for values in space.values():
            size *= len(values)
        if size > MAX_TRIALS:
            raise SweepError(f"the grid has {size} trials; at most {MAX_TRIALS} are allowed.")
        combos = itertools.product(*space.values())
        trials = tuple(Trial(i, dict(zip(space, c, strict=True))) for i, c in enumerate(combos))
        object.__setattr__(self, "trials", trials)
        for trial in trials:
            try:
                self.config_of(trial)
            except ConfigError as exc:
                raise SweepError(f"trial {trial.key} is not a valid run: {exc}") from None

    @property
    def space(self) -> dict[str, tuple[str, ...]]:
        """Every swept setting with its values, seed included (what Ray Tune grid-searches)."""
        keys = self.trials[0].params.keys()
        return {k: tuple(dict.fromkeys(t.params[k] for t in self.trials)) for k in keys}

    def config_of(self, trial: Trial) -> RunConfig:
        """The trial's RunConfig: the base with the trial's settings; named after the trial."""
        config = self.base.with_texts(trial.params)
        return config.replace(name=f"{self.base.name or 'sweep'} {trial.key}")

    def trial_for(self, params: Mapping[str, Any]) -> Trial:
        """The trial whose settings are `params` (as Ray Tune hands them to a worker)."""
        wanted = {k: str(v) for k, v in params.items()}
        for trial in self.trials:
            if trial.params == wanted:
                return trial
        raise SweepError(f"no trial of this sweep has the settings {wanted}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (sweep.json); `from_dict` reads it back."""
        return {
            "base": self.base.to_dict(),
            "grid": {k: list(v) for k, v in self.grid.items()},
            "seeds": list(self.seeds),
            "oneclass_n": list(self.oneclass_n),
            "max_concurrent": self.max_concurrent,
            "gpus_per_trial": self.gpus_per_trial,
            "trials": [{"index": t.index, "key": t.key, "params": t.params} for t in self.trials],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SweepSpec:
        try:
            return cls(
                base=RunConfig.from_dict(raw["base"]),
                grid={str(k): tuple(str(x) for x in v) for k, v in raw["grid"].items()},
                seeds=tuple(int(s) for s in raw["seeds"]),
                oneclass_n=tuple(int(n) for n in raw.get("oneclass_n") or ()),
                max_concurrent=raw.get("max_concurrent"),
                gpus_per_trial=raw.get("gpus_per_trial"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise SweepError(f"sweep.json is not a sweep description: {exc!r}") from None


def slug_of(grid: Mapping[str, Sequence[str]]) -> str:
    """A short readable part of a sweep id from its swept settings, e.g. 'lambda-conn'."""
    text = "-".join(grid) or "seeds"
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:30].strip("-") or "sweep"
