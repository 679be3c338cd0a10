"""Shapes a `TaskDepResult` for people: table rows, figure inputs and one-line explanations.

The CLI prints `table_rows`; the page feeds `decomposition_rows`, `mi_rows` and `metric_values`
to `corel_core.plots` and shows `METRIC_HELP` under each number.
"""

from __future__ import annotations

from typing import Any

from corel_core.taskdep.config import MODEL_LABELS
from corel_core.taskdep.result import TaskDepResult

MI_ESTIMATORS = {
    "mixture_train": "mixture (train)",
    "mixture_held_out": "mixture (held-out)",
    "classifier": "classifier bound",
    "knn": "kNN",
    "infonce": "InfoNCE",
}
METRIC_HELP = {
    "decomposition": (
        "Theorem 1: the CVAE's KL regulariser splits exactly into I(S;Z), KL(q(z)‖p(z)) and "
        "Σ π_k I(X;Z|S=k); the diamond is the closed-form total, so a gap is Monte Carlo error."
    ),
    "mixture_train": (
        "Plug-in I(S;Z) of the encoder's Gaussian mixture on the training points: exact up to "
        "sampling, but narrow posteriors push it toward H(S)."
    ),
    "mixture_held_out": (
        "The training mixture used as a task classifier on held-out codes: a lower bound that "
        "turns negative when the mixture is over-confident on unseen images."
    ),
    "classifier": (
        "H(S) minus the cross-validated log-loss of a logistic regression predicting the task "
        "from held-out codes: a lower bound on how much the code reveals the task."
    ),
    "knn": "Ross's kNN estimate of I(S;Z) on held-out codes (consistent, not a bound).",
    "infonce": "InfoNCE lower bound from a small critic on held-out codes (capped at ln batch).",
    "normalized": (
        "I/H(S): the share of the task's entropy the code carries; 1 means the task can be read "
        "off the code perfectly."
    ),
    "log_likelihood": (
        "Test log-likelihood ln p(x|s) in nats per image, importance-sampled with K encoder "
        "samples and the N(0, I) prior; higher is better."
    ),
    "log_likelihood_optimal_prior": (
        "The same with the learnt prior p(z)·exp(T(z)) ≈ q(z); unnormalised, so an approximation."
    ),
    "accuracy": (
        "Digit accuracy on held-out target images of a k-NN (k = 5) / logistic classifier fitted "
        "on the codes of the n_target labelled target images."
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


TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("decomposition.i_sz", "I(S;Z) train (Thm 1)"),
    ("decomposition.kl_qz_pz", "KL(q(z)‖p(z))"),
    ("decomposition.i_xz_s", "Σπ I(X;Z|S)"),
    ("decomposition.avg_kl", "E KL"),
    ("mi.mixture_held_out.value", "I mixture held-out"),
    ("mi.classifier.value", "I classifier"),
    ("mi.classifier.normalized", "I/H(S) classifier"),
    ("mi.knn.value", "I kNN"),
    ("mi.infonce.value", "I InfoNCE"),
    ("log_likelihood.source", "ln p(x) source"),
    ("log_likelihood.target", "ln p(x) target"),
    ("log_likelihood.pooled", "ln p(x) pooled"),
    ("log_likelihood_optimal_prior.target", "ln p(x) target, q(z) prior"),
    ("accuracy.knn", "target acc kNN"),
    ("accuracy.logistic", "target acc logistic"),
)


TABLE_HELP = {
    "decomposition.i_sz": "How much the training codes say about the task (Theorem 1 term).",
    "decomposition.kl_qz_pz": "How far the aggregated posterior q(z) sits from the N(0, I) prior.",
    "decomposition.i_xz_s": "Information about the image kept beyond its task (task-weighted).",
    "decomposition.avg_kl": "The whole KL regulariser the CVAE pays (closed form).",
    "mi.mixture_held_out.value": "Training mixture as task classifier on unseen images (bound).",
    "mi.classifier.value": "Held-out logistic-regression lower bound on I(S;Z).",
    "mi.classifier.normalized": "Share of the held-out task entropy H(S) the code carries.",
    "mi.knn.value": "Nearest-neighbour estimate of I(S;Z) on held-out codes.",
    "mi.infonce.value": "InfoNCE lower bound on I(S;Z) on held-out codes.",
    "log_likelihood.source": "Held-out ln p(x|s) of source images, N(0, I) prior (higher: better).",
    "log_likelihood.target": "Held-out ln p(x|s) of target images, N(0, I) prior.",
    "log_likelihood.pooled": "Held-out ln p(x|s) averaged over all held-out images.",
    "log_likelihood_optimal_prior.target": "Target ln p(x|s) with the learnt prior ≈ q(z).",
    "accuracy.knn": "5-NN digit accuracy on held-out targets from n_target labelled codes.",
    "accuracy.logistic": "Logistic digit accuracy on held-out targets from n_target codes.",
}


def table_rows(result: TaskDepResult, with_help: bool = False) -> list[dict[str, Any]]:
    """One row per metric: {"metric": name, <model label>: "mean ± sd"} (blank where absent).

    With `with_help`, a last column "what it means" holds one sentence per metric.
    """
    summary = result.summary()
    rows = []
    for key, name in TABLE_COLUMNS:
        row: dict[str, Any] = {"metric": name}
        for kind in result.records:
            entry = summary.get(kind, {}).get(key)
            row[label(kind)] = "" if entry is None else f"{entry['mean']:.4g} ± {entry['sd']:.2g}"
        if with_help:
            row["what it means"] = TABLE_HELP.get(key, "")
        rows.append(row)
    return rows


def format_table(result: TaskDepResult) -> str:
    """A fixed-width text table of `table_rows` for the terminal."""
    rows = table_rows(result)
    headers = ["metric", *(label(k) for k in result.records)]
    widths = [max(len(h), *(len(str(r.get(h, ""))) for r in rows)) for h in headers]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        cells = (str(r.get(h, "")).ljust(w) for h, w in zip(headers, widths, strict=True))
        lines.append("  ".join(cells))
    return "\n".join(lines)
