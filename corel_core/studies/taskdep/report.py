"""Shapes a `TaskDepResult` for people: table rows, figure inputs and one-line explanations.

The CLI prints `table_rows`; the page feeds `decomposition_rows`, `mi_rows`, `likelihood_rows`
and `fidelity_per_seed` to `corel_core.plots` and shows `METRIC_HELP` under each figure. A lower
bound whose value is ≤ 0 carries no evidence of dependence: tables and figures show it as
"≤ 0 (no evidence of dependence)" and keep the raw value for hover text (`table_raw`).
"""

from __future__ import annotations

import math
from typing import Any

from corel_core.studies.taskdep.config import MODEL_LABELS
from corel_core.studies.taskdep.priors import RECOVERY_WARNING
from corel_core.studies.taskdep.result import TaskDepResult

NO_EVIDENCE = "≤ 0 (no evidence of dependence)"
RECOVERY_FAIL = 0.7  # below this share the learned prior is far from q(z): no test at all
MI_ESTIMATORS = {
    "mixture_train": "mixture (train)",
    "mixture_held_out": "mixture (held-out)",
    "classifier": "classifier bound (boosting)",
    "classifier_logistic": "classifier bound (logistic)",
    "knn": "kNN",
    "infonce": "InfoNCE",
}
#: estimators that are lower bounds on I(S;Z): a value ≤ 0 says nothing about dependence
BOUND_ESTIMATORS = ("mixture_held_out", "classifier", "classifier_logistic", "infonce")
#: series of the likelihood figure: (record key, label)
LIKELIHOOD_SERIES = (
    ("log_likelihood_own_prior", "own prior (N(0, I); exact q(z) for the optimal prior)"),
    ("log_likelihood_learned_prior", "learned prior N(0, I)·e^T / Z_T"),
    ("log_likelihood", "N(0, I) for every model (cross-check)"),
)
METRIC_HELP = {
    "decomposition": (
        "Theorem 1: the KL regulariser to p(z) = N(0, I) splits exactly into I(S;Z), "
        "KL(q(z)‖p(z)) and Σ π_k I(X;Z|S=k) (training posteriors); the diamond is the "
        "closed-form total, so a gap is Monte Carlo error. The optimal-prior model does not pay "
        "the KL(q(z)‖p(z)) term: its prior is q(z) itself (Theorem 2)."
    ),
    "mixture_train": (
        "Plug-in I(S;Z) of the encoder's Gaussian mixture on the training points: exact up to "
        "sampling, but narrow posteriors push it toward H(S)."
    ),
    "mixture_held_out": (
        "The training mixture used as a task classifier on sampled codes of unseen images: a "
        "lower bound that turns negative when the mixture is over-confident on unseen images."
    ),
    "classifier": (
        "H(S) minus the cross-fitted log-loss of a gradient-boosting classifier predicting the "
        "task from sampled codes z ~ q(z|x,s) of held-out images (each scored by a model that "
        "did not see it): a lower bound on I(S;Z); the logistic version is a cross-check."
    ),
    "knn": (
        "Ross's k-nearest-neighbour estimate on sampled held-out codes: not a bound, and only "
        "asymptotically right: with a few thousand points in many dimensions it is biased low."
    ),
    "infonce": "InfoNCE lower bound from a small critic on sampled held-out codes (≤ ln batch).",
    "bounds": (
        "A lower bound ≤ 0 is shown as ≤ 0: it gives no evidence of dependence (hover for the "
        "raw value). All held-out estimates use sampled codes z ~ q(z|x,s), not posterior means "
        "(those would measure I(S;μ))."
    ),
    "normalized": (
        "I/H(S): the share of the task's entropy the code carries; 1 means the task can be read "
        "off the code perfectly."
    ),
    "log_likelihood": (
        "Held-out ln p(x|s) in nats per image, importance-sampled with K encoder samples, each "
        "model under its OWN prior: N(0, I) for the VAE and the CVAE, the exact aggregated "
        "posterior q(z) (a mixture over the training codes) for the optimal prior, whose learned "
        "N(0, I)·e^T/Z_T version is shown too. Higher is better; bars: ± 1 sd over seeds."
    ),
    "ratio_fidelity": (
        "The optimal prior is learned as N(0, I)·e^T with T a discriminator's log-ratio. E_q[T] "
        "should equal the exact KL(q(z)‖p(z)) of the training mixture; the share it recovers "
        "says how well the learned prior stands in for q(z)."
    ),
    "accuracy": (
        "Class accuracy (digit or cluster) on held-out target samples of a k-NN (k = 5) / "
        "logistic classifier fitted on the posterior-mean codes of the n_target labelled target "
        "samples."
    ),
}


def label(kind: str) -> str:
    """Display name of a model kind."""
    return MODEL_LABELS.get(kind, kind)


def _mean(summary: dict[str, dict[str, float]], key: str) -> float:
    entry = summary.get(key)
    return float("nan") if entry is None else float(entry["mean"])


def decomposition_rows(result: TaskDepResult) -> dict[str, dict[str, float]]:
    """{model label: {i_sz, kl_qz_pz, i_xz_s, avg_kl}} means over seeds (training posteriors)."""
    summary = result.summary()
    keys = ("i_sz", "kl_qz_pz", "i_xz_s", "avg_kl", "residual")
    return {
        label(kind): {k: _mean(summary[kind], f"decomposition.{k}") for k in keys}
        for kind in result.records
        if result.records[kind]
    }


def _spread(summary: dict[str, dict[str, float]], key: str) -> tuple[float, float, float] | None:
    """(mean, mean − sd, mean + sd) over seeds; with one seed (mean, mean, mean)."""
    entry = summary.get(key)
    if entry is None:
        return None
    mean, sd = float(entry["mean"]), float(entry["sd"])
    return (mean, mean - sd, mean + sd)


def mi_rows(result: TaskDepResult) -> dict[str, dict[str, tuple[float, float, float]]]:
    """{model label: {estimator label: (value, low, high)}} for the MI figure.

    value is the mean over seeds; the bar is ± 1 sd over seeds, or the estimator's own 95 %
    interval when there is a single seed.
    """
    summary = result.summary()
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for kind, records in result.records.items():
        if not records:
            continue
        row = {}
        for est, name in MI_ESTIMATORS.items():
            entry = summary[kind].get(f"mi.{est}.value")
            if entry is None:
                continue
            mean, sd = entry["mean"], entry["sd"]
            if entry["n"] > 1:
                row[name] = (mean, mean - sd, mean + sd)
            else:
                low = min(mean, _mean(summary[kind], f"mi.{est}.low"))
                row[name] = (mean, low, max(mean, _mean(summary[kind], f"mi.{est}.high")))
        out[label(kind)] = row
    return out


def bound_labels() -> set[str]:
    """Display names of the estimators that are lower bounds (for the "≤ 0" display)."""
    return {MI_ESTIMATORS[k] for k in BOUND_ESTIMATORS}


def held_out_entropy(result: TaskDepResult) -> float | None:
    """H(S) of the held-out task labels (the ceiling of the held-out estimators)."""
    for records in result.records.values():
        if records:
            return float(records[0]["mi"]["classifier"]["h_s"])
    return None


def metric_values(result: TaskDepResult, key: str) -> dict[str, float]:
    """{model label: mean over seeds} of one flat metric, e.g. "log_likelihood.target"."""
    summary = result.summary()
    return {
        label(kind): _mean(summary[kind], key)
        for kind in result.records
        if result.records[kind] and key in summary[kind]
    }


def likelihood_rows(
    result: TaskDepResult, task: str = "target"
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """{model label: {prior label: (mean, mean − sd, mean + sd)}} of held-out ln p(x|s).

    `task` is "target", "source" or "pooled". The N(0, I) cross-check is listed only where it
    differs from the model's own prior (the optimal-prior CVAE). Results stored before the
    own-prior key existed fall back to N(0, I) for the VAE and the CVAE (their own prior).
    """
    summary = result.summary()
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for kind, records in result.records.items():
        if not records:
            continue
        row: dict[str, tuple[float, float, float]] = {}
        own = _spread(summary[kind], f"log_likelihood_own_prior.{task}")
        if own is None and kind != "cvae_optimal":
            own = _spread(summary[kind], f"log_likelihood.{task}")
        if own is not None:
            row[LIKELIHOOD_SERIES[0][1]] = own
        learned = _spread(summary[kind], f"log_likelihood_learned_prior.{task}")
        if learned is not None:
            row[LIKELIHOOD_SERIES[1][1]] = learned
        standard = _spread(summary[kind], f"log_likelihood.{task}")
        if kind == "cvae_optimal" and standard is not None:
            row[LIKELIHOOD_SERIES[2][1]] = standard
        out[label(kind)] = row
    return out


def fidelity_per_seed(result: TaskDepResult) -> dict[str, dict[str, float]]:
    """{"seed N": T's fidelity record} of the optimal-prior CVAE (empty if it was not run)."""
    return {
        f"seed {rec.get('seed', i)}": rec["ratio_fidelity"]
        for i, rec in enumerate(result.records.get("cvae_optimal", []))
        if "ratio_fidelity" in rec
    }


def fidelity_note(result: TaskDepResult) -> tuple[bool, str]:
    """(ok, sentence): whether T recovered ≥ 90 % of KL(q(z)‖p(z)) on every seed, and why not."""
    per_seed = fidelity_per_seed(result)
    if not per_seed:
        return True, ""
    parts = [
        f"{name}: E_q[T] {f['e_q_t']:.3g} of {f['kl_exact']:.3g} nats ({f['recovery']:.0%}), "
        f"corr {f['correlation']:.2f}, ln Z_T {f['log_normaliser']:.2g}"
        for name, f in per_seed.items()
    ]
    low = [n for n, f in per_seed.items() if not f["recovery"] >= RECOVERY_WARNING]
    if low:
        worst = min(f["recovery"] for f in per_seed.values())
        verdict = (
            "so the optimal-prior model here does not test the paper's claim (Theorem 2)"
            if not worst >= RECOVERY_FAIL
            else "so the optimal-prior model here tests the paper's claim (Theorem 2) only "
            "approximately; the exact-q(z) likelihood scores the prior the paper means"
        )
        return False, (
            f"T recovers less than {RECOVERY_WARNING:.0%} of the exact KL(q(z)‖p(z)) on "
            f"{', '.join(low)}: the learned prior stands in for q(z) only in part, {verdict}. "
            + "; ".join(parts)
        )
    return True, f"T recovers ≥ {RECOVERY_WARNING:.0%} of KL(q(z)‖p(z)) on every seed. " + (
        "; ".join(parts)
    )


def comparison(result: TaskDepResult) -> dict[str, Any]:
    """Per seed, optimal prior vs CVAE: is held-out I(S;Z) (mixture and classifier bound) lower,
    the target log-likelihood under each model's own prior higher? Counts and differences
    (optimal − CVAE, nats); ``ll_seeds`` counts the seeds that have own-prior likelihoods (results
    stored before they existed have none)."""
    cvae = {r["seed"]: r for r in result.records.get("cvae", []) if "seed" in r}
    best = {r["seed"]: r for r in result.records.get("cvae_optimal", []) if "seed" in r}
    rows = []
    for s in sorted(set(cvae) & set(best)):
        a, b = cvae[s], best[s]
        own_a = a.get("log_likelihood_own_prior", a["log_likelihood"])["target"]
        own_b = b.get("log_likelihood_own_prior", {}).get("target", float("nan"))
        rows.append(
            {
                "seed": s,
                "d_mi_mixture_held_out": b["mi"]["mixture_held_out"]["value"]
                - a["mi"]["mixture_held_out"]["value"],
                "d_mi_classifier": b["mi"]["classifier"]["value"] - a["mi"]["classifier"]["value"],
                "d_ll_target_own_prior": own_b - own_a,
            }
        )
    return {
        "seeds": len(rows),
        "mi_lower": sum(r["d_mi_mixture_held_out"] < 0 for r in rows),
        "mi_classifier_lower": sum(r["d_mi_classifier"] < 0 for r in rows),
        "ll_higher": sum(r["d_ll_target_own_prior"] > 0 for r in rows),
        "ll_seeds": sum(math.isfinite(r["d_ll_target_own_prior"]) for r in rows),
        "per_seed": rows,
    }


TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("decomposition.i_sz", "I(S;Z) train (Thm 1)"),
    ("decomposition.kl_qz_pz", "KL(q(z)‖p(z))"),
    ("decomposition.i_xz_s", "Σπ I(X;Z|S)"),
    ("decomposition.avg_kl", "E KL"),
    ("mi.mixture_held_out.value", "I mixture held-out"),
    ("mi.classifier.value", "I classifier (boosting)"),
    ("mi.classifier_logistic.value", "I classifier (logistic)"),
    ("mi.classifier.normalized", "I/H(S) classifier (boosting)"),
    ("mi.knn.value", "I kNN"),
    ("mi.infonce.value", "I InfoNCE"),
    ("log_likelihood_own_prior.source", "ln p(x) source, own prior"),
    ("log_likelihood_own_prior.target", "ln p(x) target, own prior"),
    ("log_likelihood_own_prior.pooled", "ln p(x) pooled, own prior"),
    ("log_likelihood_learned_prior.target", "ln p(x) target, learned prior"),
    ("log_likelihood.target", "ln p(x) target, N(0, I)"),
    ("ratio_fidelity.e_q_t", "E_q[T]"),
    ("ratio_fidelity.kl_exact", "exact KL(q‖p) (T's target)"),
    ("ratio_fidelity.recovery", "E_q[T] / KL"),
    ("ratio_fidelity.correlation", "corr(T, ln q/p) held-out"),
    ("ratio_fidelity.log_normaliser", "ln Z_T"),
    ("ratio_fidelity.log_normaliser_q", "ln Z_T (IS from q, check)"),
    ("accuracy.knn", "target acc kNN"),
    ("accuracy.logistic", "target acc logistic"),
)
TABLE_HELP = {
    "decomposition.i_sz": "How much the training codes say about the task (Theorem 1 term).",
    "decomposition.kl_qz_pz": "How far the aggregated posterior q(z) sits from the N(0, I) prior.",
    "decomposition.i_xz_s": "Information about the image kept beyond its task (task-weighted).",
    "decomposition.avg_kl": "The whole KL regulariser the CVAE pays (closed form).",
    "mi.mixture_held_out.value": "Training mixture as task classifier on unseen codes (bound).",
    "mi.classifier.value": "Held-out gradient-boosting lower bound on I(S;Z), sampled codes.",
    "mi.classifier_logistic.value": "The same bound from a logistic regression (cross-check).",
    "mi.classifier.normalized": "Share of the held-out task entropy H(S) the code carries.",
    "mi.knn.value": "Nearest-neighbour estimate on sampled held-out codes (biased low in high d).",
    "mi.infonce.value": "InfoNCE lower bound on I(S;Z) on sampled held-out codes.",
    "log_likelihood_own_prior.source": "Held-out ln p(x|s), source images, the model's own prior.",
    "log_likelihood_own_prior.target": "The same for target images (the paper's comparison).",
    "log_likelihood_own_prior.pooled": "The same averaged over all held-out images.",
    "log_likelihood_learned_prior.target": "Target ln p(x|s) under N(0, I)·e^T/Z_T (Z_T by MC).",
    "log_likelihood.target": "Target ln p(x|s) under N(0, I): not the optimal prior's own.",
    "ratio_fidelity.e_q_t": "Mean learned log-ratio T over z ~ q(z) (training codes).",
    "ratio_fidelity.kl_exact": "Exact KL(q(z)‖N(0, I)) of the training mixture (MC).",
    "ratio_fidelity.recovery": f"Share of KL that T recovers; below {RECOVERY_WARNING:.0%}: poor.",
    "ratio_fidelity.correlation": "Pearson correlation of T and the exact ln q/p, held-out codes.",
    "ratio_fidelity.log_normaliser": "ln E_N(0,I)[e^T]: 0 when T is the exact log-ratio.",
    "ratio_fidelity.log_normaliser_q": "The same by importance sampling from the exact q(z).",
    "accuracy.knn": "5-NN class accuracy on held-out targets from n_target labelled codes.",
    "accuracy.logistic": "Logistic class accuracy on held-out targets from n_target codes.",
}


def _cell(entry: dict[str, float] | None) -> str:
    """ "mean ± sd" over seeds; just the value when there is one seed (no sd to show)."""
    if entry is None:
        return ""
    if entry.get("n", 2) < 2:
        return f"{entry['mean']:.4g}"
    return f"{entry['mean']:.4g} ± {entry['sd']:.2g}"


def _is_bound(key: str) -> bool:
    """A lower bound on I(S;Z), or that bound divided by H(S)."""
    return any(key in (f"mi.{est}.value", f"mi.{est}.normalized") for est in BOUND_ESTIMATORS)


def table_rows(result: TaskDepResult, with_help: bool = False) -> list[dict[str, Any]]:
    """One row per metric: {"metric": name, <model label>: "mean ± sd"} (blank where absent).

    A lower bound whose mean is ≤ 0 reads `NO_EVIDENCE` (its raw value is in `table_raw`).
    With `with_help`, a last column "what it means" holds one sentence per metric.
    """
    summary = result.summary()
    rows = []
    for key, name in TABLE_COLUMNS:
        row: dict[str, Any] = {"metric": name}
        for kind in result.records:
            entry = summary.get(kind, {}).get(key)
            bound_le_0 = entry is not None and _is_bound(key) and entry["mean"] <= 0
            row[label(kind)] = NO_EVIDENCE if bound_le_0 else _cell(entry)
        if with_help:
            row["what it means"] = TABLE_HELP.get(key, "")
        rows.append(row)
    return rows


def table_raw(result: TaskDepResult) -> list[dict[str, Any]]:
    """`table_rows` with every cell the raw "mean ± sd" (the hover text of "≤ 0" cells)."""
    summary = result.summary()
    return [
        {"metric": name}
        | {label(kind): _cell(summary.get(kind, {}).get(key)) for kind in result.records}
        for key, name in TABLE_COLUMNS
    ]


def format_table(result: TaskDepResult) -> str:
    """A fixed-width text table of `table_rows` for the terminal (≤ 0 bounds show the raw value)."""
    rows = table_rows(result)
    for row, raw in zip(rows, table_raw(result), strict=True):
        for key, value in row.items():
            if value == NO_EVIDENCE:
                row[key] = f"≤ 0 (raw {raw[key]})"
    headers = ["metric", *(label(k) for k in result.records)]
    widths = [max(len(h), *(len(str(r.get(h, ""))) for r in rows)) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        cells = (str(r.get(h, "")).ljust(w) for h, w in zip(headers, widths, strict=True))
        lines.append("  ".join(cells))
    ok, note = fidelity_note(result)
    if note:
        lines.append(("" if ok else "WARNING: ") + note)
    return "\n".join(lines)
