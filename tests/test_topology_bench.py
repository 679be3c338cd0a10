"""Smoke tests of the benchmark code (tiny grids; timings are not asserted, agreement is)."""

from __future__ import annotations

import pytest

from corel_core.bench import main
from corel_core.bench.connectivity import format_connectivity_bench, run_connectivity_bench
from corel_core.bench.persistence import format_persistence_bench, run_persistence_bench


def test_persistence_bench_rows_agree_with_peers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "corel_core.bench.persistence.compile_ms", lambda: {"cold": 1.0, "cached": 1.0}
    )
    rows = run_persistence_bench(sizes=(40, 60), dims=(3,), repeats=1, peer_max_n=50)
    assert [(r["n"], r["d"]) for r in rows] == [(40, 3), (60, 3)]
    assert rows[0]["agree"] < 1e-6  # ripser computes in float32
    assert rows[0]["gudhi_ratio"] == pytest.approx(rows[0]["gudhi_ms"] / rows[0]["corel_ms"])
    assert rows[1]["gudhi_ms"] is None and rows[1]["agree"] is None  # above peer_max_n
    table = format_persistence_bench(rows)
    assert "skipped" in table and "| 40 |" in table.replace("  ", " ")


def test_connectivity_bench_reports_a_ratio() -> None:
    result = run_connectivity_bench(steps=3, warmup=1)
    assert result["ratio"] == pytest.approx(result["conn_ms"] / result["plain_ms"])
    assert "overhead" in format_connectivity_bench([result])


def test_cli_dispatch_rejects_unknown_bench() -> None:
    with pytest.raises(SystemExit):
        main(["nonsense"])
