"""Job bodies for plain functions that know nothing about jobs (`JobPool.call`, ui.jobs)."""

from __future__ import annotations

from typing import Any

from corel_core.jobs.control import JobControl


def call_plain(control: JobControl, progress: Any, fn: Any, args: tuple, kwargs: dict) -> Any:
    """Job body of `JobPool.call`: a plain function that knows nothing about jobs."""
    return fn(*args, **kwargs)


def call_reporting(
    control: JobControl, progress: Any, fn: Any, args: tuple, kwargs: dict, report_arg: str
) -> Any:
    """Job body for a plain function that reports through a callback argument `report_arg`,
    called as report(done, total) or report(stage, done, total)."""

    def report(*values: Any) -> None:
        *stage, done, total = values
        progress.set_total(total)
        progress.set_done(done)
        if stage:
            progress.set_message(f"{stage[0]}: {done}/{total}")

    return fn(*args, **{**kwargs, report_arg: report})
