"""What the report shows: "≤ 0" bounds, own-prior likelihoods, T's fidelity and the comparison."""

from __future__ import annotations

import json

import pytest

from corel_core.studies.taskdep import TaskDepConfig, TaskDepResult
from corel_core.studies.taskdep.report import (
    NO_EVIDENCE,
    comparison,
    fidelity_note,
    format_table,
    likelihood_rows,
    table_raw,
    table_rows,
)

CFG = TaskDepConfig(seeds=(0, 1), epochs=1)


def _est(value: float) -> dict[str, float]:
    low, high, h_s = value - 0.1, value + 0.1, 0.6
    return {"value": value, "low": low, "high": high, "normalized": value / h_s, "h_s": h_s}


def _record(seed: int, kind: str, mi: float, ll_own: float, recovery: float = 1.0) -> dict:
    rec = {
        "seed": seed,
        "decomposition": {"i_sz": 0.1, "kl_qz_pz": 1.0, "i_xz_s": 5.0, "avg_kl": 6.1},
        "mi": {
            name: _est(mi)
            for name in ("mixture_held_out", "classifier", "classifier_logistic", "knn", "infonce")
        },
        "log_likelihood": {"source": -20.0, "target": -30.0, "pooled": -25.0},
        "log_likelihood_own_prior": {"source": -20.0, "target": ll_own, "pooled": -25.0},
        "accuracy": {"knn": 0.5, "logistic": 0.6},
    }
    if kind == "cvae_optimal":
        rec["log_likelihood_learned_prior"] = {"source": -21, "target": ll_own - 0.5, "pooled": -26}
        rec["ratio_fidelity"] = {
            "e_q_t": 2.0 * recovery,
            "kl_exact": 2.0,
            "recovery": recovery,
            "correlation": 0.9,
            "log_normaliser": 0.01,
        }
    return rec


def _result(recovery: float = 1.0) -> TaskDepResult:
    records = {
        "cvae": [_record(0, "cvae", 0.2, -30.0), _record(1, "cvae", 0.3, -31.0)],
        "cvae_optimal": [
            _record(0, "cvae_optimal", -1.15, -29.0, recovery),
            _record(1, "cvae_optimal", -0.05, -31.5, recovery),
        ],
    }
    return TaskDepResult(config=CFG, records=records)


def test_a_bound_with_mean_at_or_below_zero_reads_no_evidence_and_keeps_the_raw_value():
    result = _result()
    shown = {r["metric"]: r for r in table_rows(result)}
    raw = {r["metric"]: r for r in table_raw(result)}
    clf = "I classifier (boosting)"
    assert shown[clf]["CVAE + optimal prior"] == NO_EVIDENCE
    assert raw[clf]["CVAE + optimal prior"] == "-0.6 ± 0.78"  # mean of −1.15 and −0.05
    assert shown[clf]["CVAE"] == "0.25 ± 0.071"  # a positive bound is shown as it is
    # the bound divided by H(S) follows its bound
    share = "I/H(S) classifier (boosting)"
    assert shown[share]["CVAE + optimal prior"] == NO_EVIDENCE
    assert shown[share]["CVAE"] == "0.4167 ± 0.12"  # 0.25 / 0.6
    # kNN is an estimate, not a bound: its negative mean is not hidden
    assert shown["I kNN"]["CVAE + optimal prior"] == "-0.6 ± 0.78"
    text = format_table(result)
    assert "≤ 0 (raw -0.6 ± 0.78)" in text


def test_likelihood_rows_use_each_models_own_prior():
    rows = likelihood_rows(_result(), "target")
    own = "own prior (N(0, I); exact q(z) for the optimal prior)"
    assert rows["CVAE"][own] == pytest.approx((-30.5, -30.5 - 0.5**0.5, -30.5 + 0.5**0.5))
    assert set(rows["CVAE"]) == {own}  # N(0, I) is already its own prior
    best = rows["CVAE + optimal prior"]
    assert best[own][0] == pytest.approx(-30.25)
    assert best["learned prior N(0, I)·e^T / Z_T"][0] == pytest.approx(-30.75)
    assert best["N(0, I) for every model (cross-check)"][0] == pytest.approx(-30.0)


def test_fidelity_note_warns_below_ninety_percent():
    ok, note = fidelity_note(_result(recovery=0.6))
    assert not ok and "less than 90%" in note and "does not test" in note and "60%" in note
    ok, note = fidelity_note(_result(recovery=0.85))
    assert not ok and "less than 90%" in note and "only approximately" in note
    ok, note = fidelity_note(_result(recovery=0.95))
    assert ok and "95%" in note
    assert "WARNING" in format_table(_result(recovery=0.6))


def test_comparison_counts_seeds_where_the_optimal_prior_wins():
    cmp = comparison(_result())
    assert cmp["seeds"] == 2
    assert cmp["mi_lower"] == 2 and cmp["mi_classifier_lower"] == 2
    assert cmp["ll_higher"] == 1 and cmp["ll_seeds"] == 2  # seed 0: −29 > −30; 1: −31.5 < −31
    assert [r["d_ll_target_own_prior"] for r in cmp["per_seed"]] == [1.0, -0.5]


def test_summary_exposes_the_cli_json_keys():
    summary = json.loads(_result().to_json())["summary"]
    for kind in ("cvae", "cvae_optimal"):
        assert "mi.mixture_held_out.value" in summary[kind]
        assert "log_likelihood_own_prior.target" in summary[kind]
        assert "log_likelihood_own_prior.source" in summary[kind]
    assert summary["cvae_optimal"]["ratio_fidelity.recovery"]["mean"] == 1.0
