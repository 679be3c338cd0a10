"""Task dependency of CVAE codes (Takahashi et al., KDD 2022): experiment, scores and storage.

`run_taskdep` trains a VAE, a CVAE and an optimal-prior CVAE on the same two-task data and
measures how much the code depends on the task (I(S;Z), Theorem 1) and how well each model fits
held-out data.
"""

from __future__ import annotations

from corel_core.store.experiments import TaskDepStore, TaskDepStoreError
from corel_core.studies.taskdep.config import (
    MODEL_KINDS,
    MODEL_LABELS,
    TASK_PAIRS,
    TaskDepConfig,
    dataset_name,
)
from corel_core.studies.taskdep.evaluation import (
    EvaluationError,
    elbo,
    importance_log_likelihood,
    importance_log_likelihoods,
    target_accuracy,
)
from corel_core.studies.taskdep.experiment import run_taskdep
from corel_core.studies.taskdep.progress import StageProgress
from corel_core.studies.taskdep.result import TaskDepResult

__all__ = [
    "MODEL_KINDS",
    "MODEL_LABELS",
    "TASK_PAIRS",
    "EvaluationError",
    "StageProgress",
    "TaskDepConfig",
    "TaskDepResult",
    "TaskDepStore",
    "TaskDepStoreError",
    "dataset_name",
    "elbo",
    "importance_log_likelihood",
    "importance_log_likelihoods",
    "run_taskdep",
    "target_accuracy",
]
