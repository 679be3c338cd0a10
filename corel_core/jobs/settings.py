"""Pool settings: how many jobs fit this machine, and what the forkserver imports up front."""

from __future__ import annotations

import logging
import os

LOG = logging.getLogger(__name__)

# Imported once in the forkserver so that no job pays for them (names only: the pool does not
# use them). Measured on 2 cores: a fresh process spent ~5 s importing these before its first
# batch (scikit-learn's datasets 2.8 s, torch's compiler stack that the optimiser pulls in 2 s,
# UMAP's numba 1.3 s); forked from the warm forkserver a job starts in ~10 ms.
PRELOAD = (
    "corel_core.jobs.forkserver_init",  # first: the imports below run at the workers' priority
    "numpy",
    "torch",
    "torch._dynamo",
    "sklearn.datasets",
    "corel_core.jobs.worker",
    "corel_core.training.runner",
    "corel_core.analysis.oneclass",
    "corel_core.analysis.explorer",
    "corel_core.analysis.persistence_views",
    "corel_core.studies.taskdep.experiment",
    "umap",
)

#: Seconds between the shared pool's creation and its forkserver's warm-up. The first page that
#: needs the pool (Train) creates it mid-render; importing torch beside that render made a cold
#: server's first Train render ~0.6 s slower on 2 cores. A job submitted sooner starts the
#: forkserver at once (and waits for its imports; the live panel says so).
WARM_AFTER_S = 5.0
#: What a job says while the pool's first worker starts (the forkserver may still be importing).
FIRST_WORKER_MESSAGE = "Starting the first worker process (once per server: it imports torch)."


def machine_cores() -> int:
    """CPU cores this process may use (its affinity mask, else os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_max_jobs(cores: int | None = None) -> int:
    """Long jobs at once by default: half the cores (at least one), leaving the rest for the
    web server, page renders and quick jobs."""
    return max(1, (cores or machine_cores()) // 2)


def env_int(name: str, default: int, minimum: int) -> int:
    """A whole-number setting from the environment (the default when unset or not a number)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(minimum, int(raw))
    except ValueError:
        LOG.warning("%s=%r is not a whole number; using %d.", name, raw, default)
        return default
