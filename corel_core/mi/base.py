"""Shared pieces of the I(S;Z) estimators: the result type, the error type and input checks.

S is a discrete label (task or class), Z a continuous code; 0 <= I(S;Z) <= H(S) <= ln K in nats.
Z means codes drawn from the encoder, z ~ q(z|x) (see `sample_posterior`); an estimate computed on
posterior means mu(x) instead is I(S;mu), a different quantity, and is labelled so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile used for every interval here


class MIError(ValueError):
    """The data handed to a mutual-information estimator cannot give a meaningful estimate."""


@dataclass(frozen=True)
class MIEstimate:
    """One estimate of I(S;Z) in nats with a 95 % interval and how to read it.

    ``low``/``high`` are ``value -/+ 1.96 se``; ``normalized`` is ``value / h_s`` with ``h_s`` the
    plug-in entropy of the labels, useful when H(S) is tiny (a 100-point target task).
    ``quantity`` says what was measured: "I(S;Z)" on sampled codes or "I(S;mu)" on posterior
    means. ``details`` holds extra numbers of the same run, e.g. the logistic cross-check of the
    classifier bound ("logistic", "logistic_se") or the unclipped kNN value ("unclipped").
    """

    value: float
    low: float
    high: float
    normalized: float
    h_s: float
    method: str
    note: str
    se: float
    n_used: int
    quantity: str = "I(S;Z)"
    details: Mapping[str, float] = field(default_factory=dict, hash=False)


def entropy_of_labels(s: np.ndarray) -> float:
    """Plug-in entropy H(S) = -sum_k p_k ln p_k in nats, p_k the class frequencies in ``s``."""
    s = np.asarray(s).reshape(-1)
    if s.size == 0:
        raise MIError("The label vector is empty, so its entropy is undefined.")
    _, counts = np.unique(s, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def make_estimate(
    terms: np.ndarray,
    h_s: float,
    method: str,
    note: str,
    value: float | None = None,
    *,
    se: float | None = None,
    quantity: str = "I(S;Z)",
    details: Mapping[str, float] | None = None,
) -> MIEstimate:
    """Build an `MIEstimate` from per-sample terms whose mean is the estimate (se = std/sqrt(n)).

    ``value`` and ``se`` override the mean and standard error of ``terms`` when given.
    """
    terms = np.asarray(terms, dtype=np.float64)
    n = terms.size
    val = float(terms.mean()) if value is None else float(value)
    if se is None:
        se = float(terms.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return MIEstimate(
        value=val,
        low=val - Z_95 * se,
        high=val + Z_95 * se,
        normalized=val / h_s if h_s > 0 else float("nan"),
        h_s=h_s,
        method=method,
        note=note,
        se=float(se),
        n_used=n,
        quantity=quantity,
        details=dict(details or {}),
    )


CODE_KINDS = {"samples": "I(S;Z)", "means": "I(S;mu)"}


def quantity_of(codes: str) -> str:
    """Map the ``codes`` keyword ("samples" or "means") to the quantity it measures."""
    if codes not in CODE_KINDS:
        raise MIError(
            f"codes must be 'samples' (z ~ q(z|x)) or 'means' (posterior means), not {codes!r}."
        )
    return CODE_KINDS[codes]


def means_prefix(codes: str) -> str:
    """A sentence for notes of estimates computed on posterior means (empty for samples)."""
    if codes == "means":
        return "Computed on posterior means: this is I(S;mu), not I(S;Z) of sampled codes. "
    return ""


def check_groups(groups: np.ndarray | None, labels: np.ndarray) -> np.ndarray | None:
    """Return ``groups`` re-coded as 0..G-1 (int64), or None; one label per group required.

    ``groups[i]`` names the data point that sample i was drawn from (several draws z ~ q(z|x) of
    one point share a group); ``labels`` are the samples' labels re-coded as 0..K-1.
    """
    if groups is None:
        return None
    arr = np.asarray(groups).reshape(-1)
    if arr.shape[0] != labels.shape[0]:
        raise MIError(f"groups has {arr.shape[0]} entries but there are {labels.shape[0]} codes.")
    _, gid = np.unique(arr, return_inverse=True)
    gid = gid.reshape(-1).astype(np.int64)
    first = np.full(gid.max() + 1, -1, dtype=np.int64)
    first[gid] = labels
    if (first[gid] != labels).any():
        raise MIError("Every group (the draws of one data point) must carry a single label.")
    return gid


def group_means(values: np.ndarray, gid: np.ndarray) -> np.ndarray:
    """Mean of ``values`` within each group 0..G-1."""
    sums = np.bincount(gid, weights=values)
    return sums / np.bincount(gid)


def group_labels(labels: np.ndarray, gid: np.ndarray) -> np.ndarray:
    """The label of each group 0..G-1 (groups carry one label, see `check_groups`)."""
    out = np.empty(gid.max() + 1, dtype=labels.dtype)
    out[gid] = labels
    return out


def check_codes(z: np.ndarray, name: str = "z") -> np.ndarray:
    """Return ``z`` as a finite float64 (N, d) array; a 1-D input becomes one column."""
    arr = np.asarray(z)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise MIError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise MIError(f"{name} must have shape (N, d); got shape {arr.shape}.")
    if arr.shape[1] == 0:
        raise MIError(f"{name} has zero columns; there is no code to measure.")
    bad = int((~np.isfinite(arr)).any(axis=1).sum())
    if bad:
        raise MIError(f"{name} has {bad} row(s) containing NaN or infinity; remove or fix them.")
    return arr


def check_labels(s: np.ndarray, n: int, min_per_class: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return labels re-coded as 0..K-1 (int64) and the class counts, after checking them.

    Requires a 1-D vector of length ``n``, no missing values, at least two classes and at least
    ``min_per_class`` samples in every class.
    """
    arr = np.asarray(s)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise MIError(f"The labels s must be a 1-D vector; got shape {np.asarray(s).shape}.")
    if arr.shape[0] != n:
        raise MIError(f"z has {n} rows but s has {arr.shape[0]} labels; they must match.")
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise MIError("The labels s contain NaN or infinity.")
    classes, codes, counts = np.unique(arr, return_inverse=True, return_counts=True)
    if classes.size < 2:
        raise MIError(
            "The labels s contain only one class, so I(S;Z) = H(S) = 0; "
            "at least two classes are needed."
        )
    if counts.min() < min_per_class:
        small = [f"{c!r} ({k})" for c, k in zip(classes, counts, strict=True) if k < min_per_class]
        raise MIError(
            f"Every class needs at least {min_per_class} samples for this estimator; "
            f"too few in: {', '.join(small)}."
        )
    return codes.astype(np.int64).reshape(-1), counts
