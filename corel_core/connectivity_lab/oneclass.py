"""One-class evaluation of a trained run with the COREL protocol (Hofer et al., ICML 2019).

The autoencoder is trained on the "aux" split (MNIST: the first 5,000 test images); evaluation
uses the "eval" split (the last 5,000): in-class samples are drawn from its FIRST half and every
point of its LAST half is scored, so no scored point is ever one of the n reference samples.
The count score uses the run's η, branches and metric (l1 in the official code).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from corel_core.config import DataConfig
from corel_core.connectivity_lab.errors import LabError
from corel_core.density import SCORERS, OneClassResult, one_class_protocol
from corel_core.runs import Run

ENCODE_SHARE = 0.2  # share of the progress bar spent loading and encoding


def protocol_split(n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(pool, test) indices: the first half draws in-class samples, the second half is scored."""
    if n_samples < 4:
        raise LabError(f"{n_samples} evaluation samples are too few to split into pool and test.")
    half = n_samples // 2
    return np.arange(half), np.arange(half, n_samples)


def cache_name(eval_dataset: str, split: str, n: int, runs: int, seed: int, epochs: int) -> str:
    """Name of the run-store JSON that caches one evaluation (one per parameter set)."""
    return f"oneclass-{eval_dataset}-{split}-n{n}-r{runs}-s{seed}-e{epochs}"


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
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"a cached one-class result is unreadable: {exc}") from exc


def cached_one_class(
    run: Run, eval_dataset: str, n: int, runs: int, seed: int, split: str = "eval"
) -> OneClassResult | None:
    """The cached result for these parameters and the run's current epoch count, or None."""
    name = cache_name(eval_dataset, split, n, runs, seed, len(run.metrics()))
    if not run.has_json(name):
        return None
    return result_from_json(run.load_json(name))


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
    scorers: Sequence[str] = SCORERS,
    use_cache: bool = True,
) -> OneClassResult:
    """Encode `eval_dataset`'s `split`, then AUROC per class of count / KDE / OC-SVM scores.

    In-class samples come from the first half of the split, scored points from the second half
    (see protocol_split). Results are cached in the run as JSON per parameter set.
    """
    from corel_core.data import load_dataset
    from corel_core.runner import encode_all, load_trained_model

    epochs = len(run.metrics())
    if epochs == 0:
        raise LabError(f"run {run.id} has no completed epoch, so there is no model to evaluate.")
    name = cache_name(eval_dataset, split, n, runs, seed, epochs)
    if use_cache and set(scorers) == set(SCORERS) and run.has_json(name):
        return result_from_json(run.load_json(name))
    cfg = run.config
    dataset = load_dataset(DataConfig(name=eval_dataset, data_dir=data_dir, split=split))
    if dataset.y is None:
        raise LabError(f"{eval_dataset} has no class labels; the one-class protocol needs them.")
    trained_shape = tuple(run.load_json("dataset")["shape"]) if run.has_json("dataset") else None
    if trained_shape is not None and tuple(dataset.meta.shape) != trained_shape:
        raise LabError(
            f"run {run.id} was trained on inputs of shape {trained_shape}, but {eval_dataset} has "
            f"shape {tuple(dataset.meta.shape)}; pick a dataset of the same kind."
        )
    model = load_trained_model(run)
    z = encode_all(model, dataset.x, dataset.task)["z"]
    pool, test = protocol_split(len(z))
    total_steps = 100

    def forward(done: int, total: int) -> None:
        if progress is not None:
            share = ENCODE_SHARE + (1 - ENCODE_SHARE) * done / max(total, 1)
            progress(round(share * total_steps), total_steps)

    if progress is not None:
        progress(int(ENCODE_SHARE * total_steps), total_steps)
    result = one_class_protocol(
        z[pool],
        dataset.y[pool],
        z[test],
        dataset.y[test],
        n=n,
        runs=runs,
        seed=seed,
        eta=cfg.loss.eta,
        branches=cfg.model.branches,
        scorers=scorers,
        metric=cfg.loss.metric,
        progress=forward,
    )
    if set(scorers) == set(SCORERS):
        run.save_json(name, result.to_json())
    return result


def result_table(result: OneClassResult, class_names: Sequence[str] | None = None) -> dict:
    """JSON-able per-class and mean AUROC (mean ± sd over runs) for every scorer."""
    names = [
        class_names[c] if class_names is not None and c < len(class_names) else str(c)
        for c in result.classes
    ]
    return {
        "classes": names,
        "n": result.n,
        "runs": result.runs,
        "seed": result.seed,
        "eta": result.eta,
        "branches": result.branches,
        "metric": result.metric,
        "n_test": result.n_test,
        "per_class": {s: [round(float(v), 4) for v in result.per_class(s)] for s in result.scorers},
        "mean": {s: round(result.mean(s), 4) for s in result.scorers},
        "sd": {s: round(result.sd(s), 4) for s in result.scorers},
    }
