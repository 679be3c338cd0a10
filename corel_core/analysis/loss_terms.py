"""A run's recorded loss terms, weighted (as trained) or divided by their weights (raw).

The trainer records each term already multiplied by its weight (corel_core.losses.objective):
recon = recon_weight · reconstruction, conn = λ · L_η (Hofer et al., ICML 2019, eq. (3) times λ),
sparse_l1 / sparse_kl / contractive times their coefficients, kl = β · min(1, (epoch+1)/warm-up) ·
KL. Dividing by those weights gives each term on its own scale, comparable between runs trained
with different λ or β; "total" stays the weighted sum that was minimised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from corel_core.config import LossConfig


def term_weights(loss: LossConfig, epoch: int) -> dict[str, float]:
    """Weight of each recorded term at a 0-based `epoch` (the KL warm-up depends on it)."""
    warmup = loss.kl_warmup_epochs
    kl = float(loss.beta) * (1.0 if warmup <= 0 else min(1.0, (epoch + 1) / warmup))
    return {
        "recon": float(loss.recon_weight),
        "conn": float(loss.lambda_conn),
        "sparse_l1": float(loss.sparse_l1),
        "sparse_kl": float(loss.sparse_kl),
        "contractive": float(loss.contractive),
        "kl": kl,
    }


def raw_history(history: Sequence[Mapping[str, Any]], loss: LossConfig) -> list[dict[str, Any]]:
    """Each epoch's record with every weighted term divided by its weight at that epoch.

    A term whose weight is 0 (never recorded then) and every non-term key are copied unchanged;
    records without an "epoch" key are taken in order (0, 1, 2, …).
    """
    out: list[dict[str, Any]] = []
    for position, record in enumerate(history):
        epoch = record.get("epoch", position)
        weights = term_weights(loss, int(epoch) if isinstance(epoch, (int, float)) else position)
        row = dict(record)
        for term, weight in weights.items():
            value = row.get(term)
            if weight and isinstance(value, (int, float)) and not isinstance(value, bool):
                row[term] = float(value) / weight
        out.append(row)
    return out
