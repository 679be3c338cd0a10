"""The first-run benchmark's table: every measure next to its peer, with the ratio."""

from __future__ import annotations

from corel_core.bench.first_run import NAMES, format_first_run_bench


def test_the_table_gives_each_measure_its_peer_and_ratio() -> None:
    result = {"server up": (2.0, 1.0), "first": (2.5, 0.5), "second": (0.9, 0.3)}
    result |= {"runs --json": (0.6, 0.02), "repeats": 3}
    text = format_first_run_bench(result)
    lines = text.splitlines()
    assert len(lines) == 2 + len(NAMES) + 1  # header, rule, one row per measure, note
    first = next(line for line in lines if "cold server, first Train render" in line)
    assert "2.50" in first and "0.50" in first and "5.0×" in first
    assert "30.0×" in next(line for line in lines if "runs --json" in line)
    assert lines[-1].startswith("medians of 3 cold starts")
