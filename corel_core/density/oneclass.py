"""The one-class protocol of Hofer et al. (2019): per class, n in-class latents score the test set.

For each class c and run r: draw n reference latents of class c (without replacement, seeded by
(seed, class position, run)), score every test latent, AUROC with test class c as inliers (ties
count ½). Results are averaged over runs, then over classes.

Where the references come from is the protocol (`reference_and_scored`):
- "official" (the authors' evaluation code): references from the autoencoder's TRAINING codes,
  scored: the whole evaluation split. Unseen codes lie farther from training codes than from each
  other, and that gap is part of what the score measures.
- "split-half" (ours, not the paper's): references from the first half of the evaluation split,
  scored: its second half; references and scored codes are then equally unseen.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sklearn.svm import OneClassSVM

from ._checks import (
    DensityError,
    as_labels,
    as_points,
    check_branches,
    check_metric,
    check_positive,
)
from .auroc import auroc, roc_curve_points
from .kde import GaussianKDE
from .scores import ball_count_score

SCORERS = ("count", "kde", "ocsvm")
PROTOCOLS = ("official", "split-half")
PAPER_N = (80, 120, 500)  # the n grid of the official evaluation


@dataclass
class OneClassResult:
    """Per-scorer AUROC arrays (n_classes, runs) plus run-0 ROC curves per class for plotting."""

    classes: tuple[int, ...]
    scorers: tuple[str, ...]
    auroc: dict[str, np.ndarray]  # scorer -> (n_classes, runs)
    roc: dict[str, list[tuple[np.ndarray, np.ndarray]]]  # scorer -> per class (fpr, tpr), run 0
    n: int
    runs: int
    seed: int
    eta: float
    branches: int
    metric: str
    n_test: int
    protocol: str | None = None  # "official" / "split-half" when a caller says which ran
    provenance: dict[str, Any] = field(default_factory=dict)  # where references/scored came from
    notes: list[str] = field(default_factory=list)  # (scorer, class) pairs left undefined, and why

    def per_class(self, scorer: str = "count") -> np.ndarray:
        """Mean AUROC over runs for each class, shape (n_classes,); NaN where never defined."""
        return _nanmean(self.auroc[scorer], axis=1)

    def per_class_sd(self, scorer: str = "count") -> np.ndarray:
        """Sample sd (ddof=1) over runs for each class; zeros with a single run."""
        a = self.auroc[scorer]
        if a.shape[1] < 2:
            return np.zeros(a.shape[0])
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanstd(a, axis=1, ddof=1)

    def mean(self, scorer: str = "count") -> float:
        """Headline number: mean over runs, then over classes (undefined classes left out)."""
        return float(_nanmean(self.per_class(scorer)))

    def sd(self, scorer: str = "count") -> float:
        """Sample sd (ddof=1) over runs of the class-mean AUROC; 0.0 with a single run."""
        per_run = _nanmean(self.auroc[scorer], axis=0)
        per_run = per_run[np.isfinite(per_run)]
        return float(per_run.std(ddof=1)) if len(per_run) > 1 else 0.0

    def summary(self) -> list[dict[str, Any]]:
        """One row per scorer: scorer, mean, sd, worst and best class."""
        rows = []
        for name in self.scorers:
            pc = self.per_class(name)
            if not np.isfinite(pc).any():
                rows.append({"scorer": name, "mean": None, "sd": None})
                continue
            rows.append(
                {
                    "scorer": name,
                    "mean": self.mean(name),
                    "sd": self.sd(name),
                    "worst_class": int(self.classes[int(np.nanargmin(pc))]),
                    "best_class": int(self.classes[int(np.nanargmax(pc))]),
                }
            )
        return rows

    def to_json(self, include_roc: bool = True) -> dict[str, Any]:
        """Plain-JSON dict (lists and floats) of everything, for the run store and the CLI."""
        out: dict[str, Any] = {
            "classes": [int(c) for c in self.classes],
            "scorers": list(self.scorers),
            "n": self.n,
            "runs": self.runs,
            "seed": self.seed,
            "eta": self.eta,
            "branches": self.branches,
            "metric": self.metric,
            "n_test": self.n_test,
            "protocol": self.protocol,
            "provenance": self.provenance,
            "auroc": {k: _json_floats(v) for k, v in self.auroc.items()},
            "per_class": {k: _json_floats(self.per_class(k)) for k in self.scorers},
            "per_class_sd": {k: _json_floats(self.per_class_sd(k)) for k in self.scorers},
            "summary": self.summary(),
            "notes": list(self.notes),
        }
        if include_roc:
            out["roc"] = {
                k: [{"fpr": f.tolist(), "tpr": t.tolist()} for f, t in curves]
                for k, curves in self.roc.items()
            }
        return out


def _score(
    name: str, train: np.ndarray, test: np.ndarray, eta: float, branches: int, metric: str
) -> np.ndarray:
    if name == "count":
        return ball_count_score(train, test, eta=eta, branches=branches, metric=metric)
    if name == "kde":
        return GaussianKDE(bandwidth="scott").fit(train).score_samples(test)
    if name == "ocsvm":
        return OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(train).decision_function(test)
    raise AssertionError(name)  # names are validated before any work starts


def one_class_protocol(
    train_latents: object,
    train_labels: object,
    test_latents: object,
    test_labels: object,
    n: int = 120,
    runs: int = 5,
    seed: int = 0,
    eta: float = 2.0,
    branches: int = 1,
    scorers: Sequence[str] = SCORERS,
    *,
    metric: str = "l1",
    classes: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> OneClassResult:
    """Run the one-class protocol for every test class (or `classes`) with each scorer.

    Scorers: "count" (official ball count), "kde" (isotropic Scott KDE on the n latents),
    "ocsvm" (OneClassSVM rbf, gamma="scale", nu=0.1; decision_function). Higher = inlier.
    """
    train = as_points(train_latents, "train_latents")
    test = as_points(test_latents, "test_latents")
    y_train = as_labels(train_labels, len(train), "train_labels", "train_latents")
    y_test = as_labels(test_labels, len(test), "test_labels", "test_latents")
    if train.shape[1] != test.shape[1]:
        raise DensityError(
            f"train_latents have {train.shape[1]} dims but test_latents have {test.shape[1]}."
        )
    check_branches(train.shape[1], branches)
    check_metric(metric)
    eta = check_positive(eta, "eta")
    for name, val in (("n", n), ("runs", runs)):
        if int(val) != val or val < 1:
            raise DensityError(f"{name} must be a positive integer, not {val!r}.")
    scorers = tuple(scorers)
    unknown = [s for s in scorers if s not in SCORERS]
    if not scorers or unknown:
        raise DensityError(f"scorers must be chosen from {', '.join(SCORERS)}; got {unknown}.")
    if "kde" in scorers and n < 2:
        raise DensityError("The kde scorer needs n of at least 2 (a bandwidth from one point).")

    test_classes = np.unique(y_test)
    chosen = test_classes if classes is None else np.asarray(sorted(set(classes)), dtype=np.int64)
    if len(test_classes) < 2:
        raise DensityError("The test labels hold a single class; AUROC needs inliers and outliers.")
    for c in chosen:
        if c not in test_classes:
            raise DensityError(f"Class {int(c)} does not occur in the test labels.")
    avail = {int(c): int((y_train == c).sum()) for c in chosen}
    rare = min(avail, key=lambda c: (avail[c], c))  # name the rarest class: it bounds n
    if avail[rare] < n:
        raise DensityError(
            f"Class {rare} has only {avail[rare]} reference latents but n={n} were requested; "
            f"lower n to at most {avail[rare]} or supply more reference data."
        )

    if int(seed) != seed or seed < 0:
        raise DensityError(f"seed must be a non-negative integer, not {seed!r}.")
    n, runs = int(n), int(runs)
    # seed each draw by the class's position among all test classes, so a subset gives same draws
    class_pos = np.searchsorted(test_classes, chosen).tolist()
    aurocs = {s: np.empty((len(chosen), runs)) for s in scorers}
    rocs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {s: [] for s in scorers}
    total, done = len(chosen) * runs, 0
    notes: list[str] = []
    for ci, c in enumerate(chosen):
        pool = np.flatnonzero(y_train == c)
        inlier = y_test == c
        for r in range(runs):
            rng = np.random.default_rng([int(seed), class_pos[ci], r])
            sample = train[rng.choice(pool, size=n, replace=False)]
            for s in scorers:
                try:
                    sc = _score(s, sample, test, eta, int(branches), metric)
                except DensityError as exc:  # e.g. a class collapsed onto one code: no KDE width
                    aurocs[s][ci, r] = np.nan
                    note = f"{s} on class {int(c)}: {exc} Its AUROC is left out of the means."
                    if note not in notes:
                        notes.append(note)
                    if r == 0:
                        rocs[s].append((np.zeros(0), np.zeros(0)))
                    continue
                aurocs[s][ci, r] = auroc(sc, inlier)
                if r == 0:
                    fpr, tpr, _ = roc_curve_points(sc, inlier)
                    rocs[s].append((fpr, tpr))
            done += 1
            if progress is not None:
                progress(done, total)
    return OneClassResult(
        classes=tuple(int(c) for c in chosen),
        scorers=scorers,
        auroc=aurocs,
        roc=rocs,
        n=n,
        runs=runs,
        seed=int(seed),
        eta=eta,
        branches=int(branches),
        metric=metric,
        n_test=len(test),
        notes=notes,
    )


def _nanmean(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Mean ignoring NaN; NaN (no warning) where every value is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)


def _json_floats(a: np.ndarray) -> list:
    """Nested lists with NaN written as None (strict JSON has no NaN)."""
    return np.where(np.isfinite(a), a, None).tolist()


def check_protocol(protocol: str) -> str:
    """`protocol` if it is one of PROTOCOLS, else a DensityError naming the choices."""
    if protocol not in PROTOCOLS:
        raise DensityError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}.")
    return protocol


def split_half(n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(pool, scored) indices of the split-half protocol: first half, second half (odd: +1)."""
    if n_samples < 4:
        raise DensityError(
            f"{n_samples} evaluation samples are too few to split into pool and test."
        )
    half = n_samples // 2
    return np.arange(half), np.arange(half, n_samples)


def reference_and_scored(
    protocol: str,
    train_latents: np.ndarray,
    train_labels: np.ndarray,
    eval_latents: np.ndarray,
    eval_labels: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(reference latents, reference labels, scored latents, scored labels) of a protocol.

    "official": references = the training latents (N_train, D), scored = all eval latents.
    "split-half": references = first half of the eval latents, scored = their second half
    (the training latents are not used). Rows are returned as given, no copies made.
    Raises DensityError for an unknown protocol or fewer than 4 eval latents in split-half.
    """
    if check_protocol(protocol) == "official":
        return train_latents, train_labels, eval_latents, eval_labels
    pool, scored = split_half(len(eval_latents))
    return eval_latents[pool], eval_labels[pool], eval_latents[scored], eval_labels[scored]


class NChoices(NamedTuple):
    """The n values a reference pool allows, the one to preselect and why others are missing."""

    choices: tuple[int, ...]  # empty when no n works
    default: int | None
    note: str | None  # a sentence when a paper value had to go (or nothing is possible)


def n_choices(
    counts: dict[int, int], grid: Sequence[int] = PAPER_N, preferred: int = 120
) -> NChoices:
    """Which n of `grid` every class can draw from `counts` (reference codes per scored class).

    The values of `grid` up to the rarest class's count are offered, `preferred` first choice
    when it fits, else the largest that fits. When none fits, the rarest count itself is offered
    (at least 2: the KDE scorer needs two points), with a sentence saying why.
    """
    if not counts:
        return NChoices((), None, "There are no scored classes, so there is nothing to draw.")
    rare = min(counts, key=lambda c: (counts[c], c))
    m = int(counts[rare])
    fits = tuple(int(g) for g in sorted(grid) if g <= m)
    if fits:
        dropped = [int(g) for g in sorted(grid) if g > m]
        note = (
            None
            if not dropped
            else f"n = {' / '.join(map(str, dropped))} is not offered: the reference pool "
            f"holds only {m} codes of class {rare}, its rarest class."
        )
        return NChoices(fits, preferred if preferred in fits else fits[-1], note)
    if m >= 2:
        return NChoices(
            (m,),
            m,
            f"The reference pool holds only {m} codes of class {rare} (its rarest class), fewer "
            f"than the paper's n = {' / '.join(map(str, sorted(grid)))}; n = {m} is offered, "
            "so that class uses all its codes in every run.",
        )
    return NChoices(
        (),
        None,
        f"The reference pool holds {m} code(s) of class {rare}; the protocol needs at least 2 "
        "per scored class.",
    )
