"""A generic supervised pool of worker processes: submit, progress, pause, stop, crash → failed.

`default_pool()` is the one pool a server shares between all browser sessions. A job is any
importable function fn(control, progress, *args, **kwargs); `JobPool.call` runs a plain function
and waits for its value. Nothing here knows about training: the training, analysis and
experiment modules submit their own job functions.
"""

from __future__ import annotations

from corel_core.jobs.bodies import call_plain, call_reporting
from corel_core.jobs.control import JobControl
from corel_core.jobs.job import (
    ACTIVE,
    FINISHED,
    JOB_STATUSES,
    Job,
    JobError,
    JobFailed,
    death_sentence,
)
from corel_core.jobs.pool import JobPool, default_pool
from corel_core.jobs.progress import JobProgress, ProgressError, ProgressWriter
from corel_core.jobs.settings import default_max_jobs, machine_cores

__all__ = [
    "ACTIVE",
    "FINISHED",
    "JOB_STATUSES",
    "Job",
    "JobControl",
    "JobError",
    "JobFailed",
    "JobPool",
    "JobProgress",
    "ProgressError",
    "ProgressWriter",
    "call_plain",
    "call_reporting",
    "death_sentence",
    "default_max_jobs",
    "default_pool",
    "machine_cores",
]
