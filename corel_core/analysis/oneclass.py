"""One-class evaluation of a trained run with the COREL protocol (Hofer et al., ICML 2019).

Two protocols (corel_core.density.oneclass.PROTOCOLS):

- "official" (default, the authors' evaluation code): per class c, n reference codes are drawn
  from the run's own training images of class c (the dataset, split and limit it trained on)
  and every code of the evaluation split is scored. Evaluating on another dataset than the one
  the run trained on draws the references from that dataset's same split and limit (the
  official CIFAR-100 → CIFAR-10 evaluation draws them from CIFAR-10's training images).
- "split-half" (ours, not the paper's): references from the first half of the evaluation split,
  scored: its second half, so references and scored codes are equally unseen.

The count score uses the run's η, branches and metric (l1 in the official code). Results are
cached in the run folder under a name that includes the protocol.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from corel_core.analysis.errors import LabError
from corel_core.config import DataConfig
from corel_core.density import SCORERS, DensityError, OneClassResult, one_class_protocol
from corel_core.density.oneclass import PAPER_N, NChoices, check_protocol, n_choices, split_half
from corel_core.store import Run, RunStore
from corel_core.store.cache import RunCache, cache_key

ENCODE_SHARE = 0.2  # share of the progress bar spent loading and encoding


def protocol_split(n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(pool, test) indices of the split-half protocol: first half draws, second half is scored."""
    try:
        return split_half(n_samples)
    except DensityError as exc:
        raise LabError(str(exc)) from None


def cache_name(
    eval_dataset: str,
    split: str,
    n: int,
    runs: int,
    seed: int,
    epochs: int,
    protocol: str = "official",
) -> str:
    """Key of one evaluation in the run's cache (one per protocol and parameter set)."""
    return cache_key(
        "oneclass",
        protocol=protocol,
        eval_dataset=eval_dataset,
        split=split,
        n=n,
        runs=runs,
        seed=seed,
        epochs=epochs,
    )


def reference_config(run: Run, eval_dataset: str, data_dir: str | None = None) -> DataConfig:
    """Where the official protocol draws references: the run's DataConfig (its split, limit,
    seed), with `eval_dataset` in place of its dataset when they differ."""
    d = run.config.data
    if eval_dataset == d.name:
        return replace(d, data_dir=data_dir or d.data_dir)
    return replace(d, name=eval_dataset, data_dir=data_dir)


def scored_config(
    run: Run, eval_dataset: str, split: str, data_dir: str | None = None
) -> DataConfig:
    """The evaluation split of `eval_dataset`: the whole split (no limit), the run's data seed."""
    d = run.config.data
    folder = data_dir or (d.data_dir if eval_dataset == d.name else None)
    return replace(d, name=eval_dataset, split=split, limit=None, data_dir=folder)


def count_shared(rows: np.ndarray, pool: np.ndarray) -> int:
    """How many of `rows` (N, ...) are byte-identical to some row of `pool` (M, ...)."""

    def key(row: np.ndarray) -> bytes:
        return hashlib.blake2b(np.ascontiguousarray(row).tobytes(), digest_size=16).digest()

    keys = {key(r) for r in pool}
    return sum(key(r) in keys for r in rows)


@dataclass
class OneClassData:
    """Reference and scored images of a protocol, and a plain description of both."""

    protocol: str
    ref_x: np.ndarray
    ref_y: np.ndarray
    ref_task: np.ndarray | None
    scored_x: np.ndarray
    scored_y: np.ndarray
    scored_task: np.ndarray | None
    provenance: dict[str, Any]  # reference/scored: dataset, split, limit, images; seen counts

    def counts(self) -> dict[int, int]:
        """Reference images per class, for every class that occurs among the scored images."""
        return {int(c): int((self.ref_y == c).sum()) for c in np.unique(self.scored_y)}

    def choices(self, grid: Sequence[int] = PAPER_N) -> NChoices:
        """n values every scored class can draw (see density.oneclass.n_choices)."""
        return n_choices(self.counts(), grid)

    def notes(self) -> list[str]:
        """Sentences a person should read next to the result (overlaps with training data)."""
        p, out = self.provenance, []
        scored = p["scored"]
        if p.get("scored_in_training"):
            out.append(
                f"{p['scored_in_training']} of the {scored['images']} scored images are images "
                f"this run trained on (it trained on split '{p['trained_on']['split']}' of "
                f"{p['trained_on']['dataset']}). The official protocol scores unseen test "
                "images: train on split 'aux' and evaluate split 'eval' for that."
            )
        if (
            self.protocol == "official"
            and p.get("scored_in_references")
            and not p.get("scored_in_training")
        ):
            out.append(
                f"{p['scored_in_references']} of the {scored['images']} scored images also lie "
                "in the reference pool."
            )
        return out


def _describe(cfg: DataConfig, images: int | None, part: str) -> dict[str, Any]:
    return {
        "dataset": cfg.name,
        "split": cfg.split,
        "limit": cfg.limit,
        "images": images,
        "part": part,
    }


def load_protocol_data(
    run: Run,
    eval_dataset: str,
    split: str = "eval",
    protocol: str = "official",
    data_dir: str | None = None,
) -> OneClassData:
    """Load (not encode) the reference and scored images of `protocol` for a run.

    Raises LabError when the dataset has no labels or another input shape than the run's, and
    the data module's DataError when files are missing. `scored_in_training` counts scored images
    byte-identical to one the run trained on (None when evaluating on another dataset).
    """
    from corel_core.data import load_dataset

    try:
        check_protocol(protocol)
    except DensityError as exc:
        raise LabError(str(exc)) from None
    ev_cfg = scored_config(run, eval_dataset, split, data_dir)
    ev = load_dataset(ev_cfg)
    trained_shape = tuple(run.load_json("dataset")["shape"]) if run.has_json("dataset") else None
    if trained_shape is not None and tuple(ev.meta.shape) != trained_shape:
        raise LabError(
            f"run {run.id} was trained on inputs of shape {trained_shape}, but {eval_dataset} has "
            f"shape {tuple(ev.meta.shape)}; pick a dataset of the same kind."
        )
    if ev.y is None:
        raise LabError(f"{eval_dataset} has no class labels; the one-class protocol needs them.")
    same = eval_dataset == run.config.data.name
    tr_cfg = reference_config(run, eval_dataset, data_dir)
    tr = load_dataset(tr_cfg) if (protocol == "official" or same) else None
    info: dict[str, Any] = {"trained_on": _describe(run.config.data, None, "training images")}
    if protocol == "official":
        assert tr is not None
        if tr.y is None:
            raise LabError(
                f"{eval_dataset} has no class labels; the one-class protocol needs them."
            )
        shared = count_shared(ev.x, tr.x)
        info["trained_on"]["images"] = len(tr.x) if same else None
        info["reference"] = _describe(
            tr_cfg, len(tr.x), "the run's training images" if same else "the run's split"
        )
        info["scored"] = _describe(ev_cfg, len(ev.x), "whole split")
        info["scored_in_references"] = shared
        info["scored_in_training"] = shared if same else None
        return OneClassData(protocol, tr.x, tr.y, tr.task, ev.x, ev.y, ev.task, info)
    pool, test = protocol_split(len(ev.x))
    info["reference"] = _describe(ev_cfg, len(pool), "first half")
    info["scored"] = _describe(ev_cfg, len(test), "second half")
    info["scored_in_references"] = 0
    info["scored_in_training"] = None if tr is None else count_shared(ev.x[test], tr.x)
    if tr is not None:
        info["trained_on"]["images"] = len(tr.x)
    task = ev.task
    return OneClassData(
        protocol,
        ev.x[pool],
        ev.y[pool],
        None if task is None else task[pool],
        ev.x[test],
        ev.y[test],
        None if task is None else task[test],
        info,
    )


def result_from_json(raw: dict[str, Any]) -> OneClassResult:
    """Rebuild a OneClassResult from OneClassResult.to_json() output."""
    try:
        scorers = tuple(raw["scorers"])
        roc = {
            s: [(np.asarray(c["fpr"]), np.asarray(c["tpr"])) for c in raw.get("roc", {}).get(s, [])]
            for s in scorers
        }
        return OneClassResult(
            classes=tuple(int(c) for c in raw["classes"]),
            scorers=scorers,
            auroc={s: np.asarray(raw["auroc"][s], dtype=np.float64) for s in scorers},
            roc=roc,
            n=int(raw["n"]),
            runs=int(raw["runs"]),
            seed=int(raw["seed"]),
            eta=float(raw["eta"]),
            branches=int(raw["branches"]),
            metric=str(raw["metric"]),
            n_test=int(raw["n_test"]),
            protocol=raw.get("protocol"),
            provenance=dict(raw.get("provenance") or {}),
            notes=[str(n) for n in raw.get("notes", [])],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"a cached one-class result is unreadable: {exc}") from exc


def cached_one_class(
    run: Run,
    eval_dataset: str,
    n: int,
    runs: int,
    seed: int,
    split: str = "eval",
    protocol: str = "official",
) -> OneClassResult | None:
    """The cached result for these parameters and the run's current epoch count, or None."""
    hit = RunCache(run).get(
        cache_name(eval_dataset, split, n, runs, seed, len(run.metrics()), protocol)
    )
    return None if hit is None else result_from_json(hit[0])


def evaluate_one_class(
    run: Run,
    eval_dataset: str,
    data_dir: str | None = None,
    n: int = 120,
    runs: int = 5,
    seed: int = 0,
    split: str = "eval",
    progress: Callable[[int, int], None] | None = None,
    *,
    protocol: str = "official",
    scorers: Sequence[str] = SCORERS,
    use_cache: bool = True,
) -> OneClassResult:
    """AUROC per class of count / KDE / OC-SVM scores of a run's codes under `protocol`.

    "official": n references per class from the run's training images (reference_config),
    scored: the whole `split` of `eval_dataset`. "split-half": references from the first half of
    that split, scored: its second half. Mean over runs, then classes (OneClassResult.mean).
    Results with every scorer are cached in the run as JSON per protocol and parameter set.
    Raises LabError (no epoch, wrong shape, no labels) and DensityError (n too large, ...).
    """
    from corel_core.training.runner import encode_all, load_trained_model

    epochs = len(run.metrics())
    if epochs == 0:
        raise LabError(f"run {run.id} has no completed epoch, so there is no model to evaluate.")
    cache, key = RunCache(run), cache_name(eval_dataset, split, n, runs, seed, epochs, protocol)
    hit = cache.get(key) if use_cache and set(scorers) == set(SCORERS) else None
    if hit is not None:
        return result_from_json(hit[0])
    cfg = run.config
    data = load_protocol_data(run, eval_dataset, split, protocol, data_dir)
    model = load_trained_model(run)
    ref_z = encode_all(model, data.ref_x, data.ref_task)["z"]
    if progress is not None:
        progress(int(ENCODE_SHARE * 50), 100)
    scored_z = encode_all(model, data.scored_x, data.scored_task)["z"]
    total_steps = 100

    def forward(done: int, total: int) -> None:
        if progress is not None:
            share = ENCODE_SHARE + (1 - ENCODE_SHARE) * done / max(total, 1)
            progress(round(share * total_steps), total_steps)

    if progress is not None:
        progress(int(ENCODE_SHARE * total_steps), total_steps)
    result = one_class_protocol(
        ref_z,
        data.ref_y,
        scored_z,
        data.scored_y,
        n=n,
        runs=runs,
        seed=seed,
        eta=cfg.loss.eta,
        branches=cfg.model.branches,
        scorers=scorers,
        metric=cfg.loss.metric,
        progress=forward,
    )
    result.protocol = protocol
    result.provenance = {**data.provenance, "notes": data.notes()}
    if set(scorers) == set(SCORERS):
        cache.put(key, result.to_json())
    return result


def result_table(result: OneClassResult, class_names: Sequence[str] | None = None) -> dict:
    """JSON-able per-class and mean AUROC (mean ± sd over runs) for every scorer."""
    names = [
        class_names[c] if class_names is not None and c < len(class_names) else str(c)
        for c in result.classes
    ]
    return {
        "protocol": result.protocol,
        "classes": names,
        "n": result.n,
        "runs": result.runs,
        "seed": result.seed,
        "eta": result.eta,
        "branches": result.branches,
        "metric": result.metric,
        "n_test": result.n_test,
        "provenance": result.provenance,
        "per_class": {s: [round(float(v), 4) for v in result.per_class(s)] for s in result.scorers},
        "mean": {s: round(result.mean(s), 4) for s in result.scorers},
        "sd": {s: round(result.sd(s), 4) for s in result.scorers},
    }


def evaluated_rows(
    store: RunStore,
    labels: Mapping[str, str],
    n: int,
    runs: int,
    seed: int,
    split: str = "eval",
    protocol: str = "official",
) -> list[dict[str, Any]]:
    """One row per run of `labels` (id → label) already evaluated on its own dataset with these
    settings: {"run", "id", "<scorer> AUROC" (mean over runs of the class-mean AUROC), ...}.

    Only cached results are read (nothing is computed), so a page can set runs side by side,
    e.g. λ = 0 next to λ = 20 (Hofer et al., ICML 2019, Table 2).
    """
    rows = []
    for run_id, label in labels.items():
        run = store.get(run_id)
        result = cached_one_class(run, run.config.data.name, n, runs, seed, split, protocol)
        if result is None:
            continue
        row: dict[str, Any] = {"run": label, "id": run_id}
        for r in result.summary():
            row[f"{r['scorer']} AUROC"] = r["mean"]
        rows.append(row)
    return rows
