"""The task-dependency experiment of Takahashi et al. (KDD 2022): VAE vs CVAE vs optimal prior.

For every seed the three models are trained on the same two-task data (a large source task and a
target task of exactly `n_target` images) through `corel_core.training.runner.train_run`, then
scored:
  * Theorem 1 on the training posteriors: E KL = I(S;Z) + KL(q(z)‖p(z)) + Σ π_k I(X;Z|S=k);
  * I(S;Z) by the mixture plug-in (training and held-out), and on held-out codes SAMPLED
    z ~ q(z|x,s) (`corel_core.mi.sample_posterior`, one draw per image; posterior means would
    give I(S;μ)): a cross-fitted non-linear (gradient-boosting) classifier bound with the
    logistic one as a cross-check, kNN and InfoNCE; each also as I/H(S);
  * importance-sampled test log-likelihood per task and pooled under each model's OWN prior
    (`corel_core.studies.taskdep.priors`): N(0, I) for the VAE and the CVAE; for the optimal-prior
    CVAE the exact aggregated posterior of the training codes ("log_likelihood_own_prior") and the
    learned N(0, I)·e^T/Z_T ("log_likelihood_learned_prior"); every model also under N(0, I)
    ("log_likelihood") and the ELBO;
  * for the optimal-prior CVAE, T's fidelity ("ratio_fidelity"): E_q[T] against the exact
    KL(q(z)‖p(z)) of the mixture, their correlation on held-out codes, ln Z_T;
  * k-NN / logistic accuracy on held-out target codes (posterior means) from the n_target
    labelled training ones.
Held-out data: source images after the first `n_source` (file order) and target images drawn
from the rest of the target pool (any image equal to a training target is dropped).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from corel_core.config import ConfigError, DataConfig
from corel_core.data import DataError, Dataset, load_dataset
from corel_core.mi import (
    classifier_mi,
    decompose_kl,
    infonce_mi,
    knn_mi,
    mixture_mi,
    sample_posterior,
)
from corel_core.mi.base import Z_95
from corel_core.store import RunStore
from corel_core.store.experiments import TaskDepStore
from corel_core.studies.taskdep.config import MODEL_KINDS, MODEL_LABELS, TASK_PAIRS, TaskDepConfig
from corel_core.studies.taskdep.evaluation import (
    EvaluationStopped,
    elbo,
    importance_log_likelihoods,
    target_accuracy,
)
from corel_core.studies.taskdep.priors import (
    LearnedPrior,
    MixturePrior,
    StandardNormalPrior,
    ratio_fidelity,
    ratio_log_normaliser,
)
from corel_core.studies.taskdep.result import TaskDepResult
from corel_core.training import OnEpoch, TrainingControl
from corel_core.training.runner import encode_all, train_run

__all__ = [
    "MODEL_KINDS",
    "MODEL_LABELS",
    "TASK_PAIRS",
    "TaskDepConfig",
    "TaskDepResult",
    "evaluate_model",
    "held_out_data",
    "progress_stages",
    "run_taskdep",
]
HELD_OUT_SEED_OFFSET = 1000  # the held-out target pool is drawn with seed + this
SAMPLE_SEED_OFFSET = 2000  # the held-out code samples z ~ q(z|x,s) are drawn with seed + this
NORMALISER_PER_MI_SAMPLE = 16  # ln Z_T = ln E_N(0,I)[e^T] uses 16 × mi_samples prior draws
OWN_PRIOR = {
    "vae": "N(0, I)",
    "cvae": "N(0, I)",
    "cvae_optimal": "aggregated posterior q(z): exact mixture over the training codes",
}
Progress = Callable[[str, int, int], None]


def _digest(x: np.ndarray) -> list[bytes]:
    return [hashlib.sha1(np.ascontiguousarray(row).tobytes()).digest() for row in x]


def held_out_data(cfg: TaskDepConfig, train: Dataset, seed: int) -> Dataset:
    """Held-out images of both tasks, disjoint from `train` (see the module docstring)."""
    pool_size = cfg.n_target + cfg.n_eval_target
    pool_seed = seed + HELD_OUT_SEED_OFFSET
    pool_cfg = DataConfig(
        name=cfg.dataset, data_dir=cfg.data_dir, n_target=pool_size, seed=pool_seed
    )
    try:
        pool = load_dataset(pool_cfg)
    except DataError as exc:
        raise ConfigError(
            f"the target pool cannot supply {cfg.n_target} training plus {cfg.n_eval_target} "
            f"held-out images: {exc}"
        ) from exc
    assert pool.task is not None and train.task is not None
    src = np.flatnonzero(pool.task == 0)[cfg.n_source : cfg.n_source + cfg.n_eval_source]
    seen = set(_digest(train.x[train.task == 1]))
    tgt_all = np.flatnonzero(pool.task == 1)
    fresh = [i for i, h in zip(tgt_all, _digest(pool.x[tgt_all]), strict=True) if h not in seen]
    tgt = np.array(fresh[: cfg.n_eval_target], dtype=np.int64)
    if src.size < 10 or tgt.size < 10:
        raise ConfigError(
            f"only {src.size} held-out source and {tgt.size} held-out target images are left; "
            "lower n_source or n_target."
        )
    idx = np.concatenate([src, tgt])
    return Dataset(
        x=pool.x[idx],
        y=None if pool.y is None else pool.y[idx],
        task=pool.task[idx],
        meta=pool.meta,
    )


def _estimate(est: Any) -> dict[str, Any]:
    return {
        "value": est.value,
        "low": est.low,
        "high": est.high,
        "normalized": est.normalized,
        "h_s": est.h_s,
        "method": est.method,
        "quantity": getattr(est, "quantity", "I(S;Z)"),
    }


def _by_task(values: np.ndarray, task: np.ndarray) -> dict[str, float]:
    """Mean per task and pooled, with the standard error of each mean ("se_<part>")."""
    out: dict[str, float] = {}
    for part, v in (
        ("source", values[task == 0]),
        ("target", values[task == 1]),
        ("pooled", values),
    ):
        out[part] = float(v.mean())
        out[f"se_{part}"] = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return out


def _mi_estimates(
    tr: dict[str, np.ndarray],
    ho: dict[str, np.ndarray],
    train: Dataset,
    held: Dataset,
    cfg: TaskDepConfig,
    seed: int,
    check: Callable[[], None],
) -> dict[str, Any]:
    """Every I(S;Z) estimate of one model (see the module docstring), as plain dicts.

    ``check()`` runs between estimators (it raises to abandon the evaluation).
    """
    assert train.task is not None and held.task is not None
    mix_args = dict(n_samples=cfg.mi_samples, seed=seed)
    draws = sample_posterior(ho["mu"], ho["logvar"], held.task, seed=seed + SAMPLE_SEED_OFFSET)
    sampled = dict(groups=draws.groups, seed=seed)
    mi = {"mixture_train": _estimate(mixture_mi(tr["mu"], tr["logvar"], train.task, **mix_args))}
    check()
    held_out = (ho["mu"], ho["logvar"], held.task)
    mi["mixture_held_out"] = _estimate(
        mixture_mi(tr["mu"], tr["logvar"], train.task, **mix_args, held_out=held_out)
    )
    check()
    classifier = classifier_mi(draws.z, draws.s, **sampled)  # non-linear, logistic cross-check
    mi["classifier"] = _estimate(classifier)
    check()
    mi["knn"] = _estimate(knn_mi(draws.z, draws.s, **sampled))
    check()
    mi["infonce"] = _estimate(infonce_mi(draws.z, draws.s, steps=cfg.infonce_steps, **sampled))
    if "logistic" in classifier.details:
        value, se = classifier.details["logistic"], classifier.details["logistic_se"]
        mi["classifier_logistic"] = {
            "value": value,
            "low": value - Z_95 * se,
            "high": value + Z_95 * se,
            "normalized": value / classifier.h_s if classifier.h_s > 0 else float("nan"),
            "h_s": classifier.h_s,
        }
    return mi


def evaluate_model(
    model: Any,
    kind: str,
    train: Dataset,
    held: Dataset,
    cfg: TaskDepConfig,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """Every number of one trained model (see the module docstring); also its held-out codes.

    The codes returned (for the latent plot) are posterior means. ``should_stop()`` is asked
    between steps (and per importance-sampling batch); when it turns true the evaluation is
    abandoned with `EvaluationStopped`, so a stop request is honoured within seconds.
    """

    def check() -> None:
        if should_stop is not None and should_stop():
            raise EvaluationStopped(f"stopped while evaluating {kind}.")

    assert train.task is not None and held.task is not None
    # an unconditional VAE ignores the task ids it is given
    tr = encode_all(model, train.x, train.task)
    ho = encode_all(model, held.x, held.task)
    rec: dict[str, Any] = {
        "decomposition": decompose_kl(
            tr["mu"], tr["logvar"], train.task, n_samples=cfg.mi_samples, seed=seed
        )
    }
    check()
    rec["mi"] = _mi_estimates(tr, ho, train, held, cfg, seed, check)
    rec["mi_codes"] = "samples z ~ q(z|x,s), one per held-out image"
    rec["own_prior"] = OWN_PRIOR.get(kind, "N(0, I)")
    check()
    priors: dict[str, Any] = {"standard": StandardNormalPrior()}
    ratio = getattr(model, "ratio", None)
    if ratio is not None:
        norm = ratio_log_normaliser(
            ratio, tr["mu"].shape[1], n_samples=NORMALISER_PER_MI_SAMPLE * cfg.mi_samples, seed=seed
        )
        priors["mixture"] = MixturePrior(tr["mu"], tr["logvar"])
        priors["learned"] = LearnedPrior(ratio, tr["mu"].shape[1], log_normaliser=norm["value"])
        rec["ratio_fidelity"] = ratio_fidelity(
            ratio,
            (tr["mu"], tr["logvar"]),
            (ho["mu"], ho["logvar"]),
            n_samples=cfg.mi_samples,
            seed=seed,
            log_normaliser=norm,
        )
    check()
    ll = importance_log_likelihoods(
        model,
        held.x,
        held.task,
        k=cfg.iw_samples,
        priors=priors,
        seed=seed,
        should_stop=should_stop,
    )
    rec["log_likelihood"] = _by_task(ll["standard"], held.task)  # N(0, I) for every model
    own = "mixture" if "mixture" in ll else "standard"
    rec["log_likelihood_own_prior"] = _by_task(ll[own], held.task)
    if "learned" in ll:
        rec["log_likelihood_learned_prior"] = _by_task(ll["learned"], held.task)
    rec["elbo"] = _by_task(elbo(model, held.x, held.task, seed=seed), held.task)
    assert train.y is not None and held.y is not None
    t_tr, t_ho = train.task == 1, held.task == 1
    rec["accuracy"] = target_accuracy(tr["z"][t_tr], train.y[t_tr], ho["z"][t_ho], held.y[t_ho])
    return rec, ho["z"]


def progress_stages(cfg: TaskDepConfig) -> list[tuple[str, int]]:
    """The stages `run_taskdep` reports, in order, with their totals: "data" (seeds), each model
    kind (epochs + 1 scoring step per seed), "evaluation" (models scored)."""
    per_model = (cfg.epochs + 1) * len(cfg.seeds)
    n_scored = len(cfg.seeds) * len(cfg.models)
    return [
        ("data", len(cfg.seeds)),
        *((k, per_model) for k in cfg.models),
        ("evaluation", n_scored),
    ]


def run_taskdep(
    cfg: TaskDepConfig,
    store: RunStore | None = None,
    progress: Progress | None = None,
    control: TrainingControl | None = None,
    *,
    exp_id: str | None = None,
    save: bool = True,
) -> TaskDepResult:
    """Train and score the models for every seed; save the result next to the runs if `save`.

    `progress(stage, done, total)`: stage "data" counts seeds whose data is loaded, each model kind
    counts epochs plus one evaluation step per seed, and "evaluation" counts the models scored on
    held-out data (reported as each scoring starts and ends). A stop request ends the experiment
    after the current model; the result then holds the seeds finished so far and status "stopped".
    """
    store = store or RunStore()
    tstore = TaskDepStore(store.root)
    if save and exp_id is None:
        exp_id = tstore.new_id(cfg.source, cfg.target)
    report = progress or (lambda stage, done, total: None)
    control = control or TrainingControl()
    start = time.perf_counter()
    result = TaskDepResult(config=cfg, records={k: [] for k in cfg.models}, id=exp_id)
    per_seed = cfg.epochs + 1
    totals = dict(progress_stages(cfg))
    total, n_scored = totals[cfg.models[0]], totals["evaluation"]
    first_codes: dict[str, np.ndarray] = {}
    first_task: np.ndarray | None = None
    for i, seed in enumerate(cfg.seeds):
        held: Dataset | None = None  # built once per seed, after the first model's data is known
        for kind in cfg.models:
            captured: dict[str, Any] = {}

            def keep(run: Any, dataset: Dataset, model: Any, captured=captured) -> None:
                captured.update(run=run, dataset=dataset, model=model)

            name = f"taskdep {cfg.source} {cfg.target} {kind} s{seed}"
            t0 = time.perf_counter()
            outcome = train_run(
                cfg.run_config(kind, seed, name),
                store,
                control=control,
                callbacks=[
                    OnEpoch(
                        lambda info, kind=kind, at=i * per_seed: report(
                            kind, at + info.epoch + 1, total
                        )
                    )
                ],
                on_created=keep,
            )
            train_s = time.perf_counter() - t0
            if outcome.result.status == "stopped" or control.is_stopped:
                result.status, result.message = "stopped", f"stopped during {kind}, seed {seed}."
                break
            if outcome.result.status != "completed":
                result.status = "failed"
                result.message = f"{kind}, seed {seed}: {outcome.result.message}"
                break
            train = captured["dataset"]
            if held is None:
                held = held_out_data(cfg, train, seed)
                report("data", i + 1, len(cfg.seeds))
            scored = sum(len(v) for v in result.records.values())
            report("evaluation", scored, n_scored)  # says what runs now
            t1 = time.perf_counter()
            try:
                rec, codes = evaluate_model(
                    captured["model"], kind, train, held, cfg, seed, lambda: control.is_stopped
                )
            except EvaluationStopped:
                result.status = "stopped"
                result.message = f"stopped while evaluating {kind}, seed {seed}."
                break
            rec.update(
                seed=seed,
                run_id=outcome.run.id,
                train_seconds=train_s,
                eval_seconds=time.perf_counter() - t1,
            )
            result.records[kind].append(rec)
            report("evaluation", scored + 1, n_scored)
            if i == 0:
                first_codes[kind], first_task = codes, held.task
                result.data = {
                    "n_train_source": int((train.task == 0).sum()),
                    "n_train_target": int((train.task == 1).sum()),
                    "n_held_out_source": int((held.task == 0).sum()),
                    "n_held_out_target": int((held.task == 1).sum()),
                    "task_names": list(train.meta.task_names),
                }
            report(kind, (i + 1) * per_seed, total)
        if result.status != "completed":
            break
    result.seconds = time.perf_counter() - start
    if save and exp_id is not None:
        if first_codes and first_task is not None:
            codes = {f"z_{k}": v for k, v in first_codes.items()}
            tstore.save_latents(exp_id, task=first_task, **codes)
        tstore.save_result(exp_id, result.to_dict())
    return result
