"""Small timing helpers shared by the benchmarks: wall-clock medians and table formatting."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (wall, process-CPU) milliseconds of `repeats` calls of fn (warm it up first).

    CPU time counts only this process's work, so it stays honest on a machine shared with other
    busy processes, where a call longer than a scheduler slice is preempted and wall time balloons.
    """
    wall, cpu = [], []
    for _ in range(max(1, repeats)):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain-text table with right-aligned columns (Markdown-compatible pipes)."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "| " + " | ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])


def fmt(value: float | None, spec: str = ".2f", missing: str = "—") -> str:
    """Format a number, or `missing` when it was not measured."""
    return missing if value is None else format(value, spec)
