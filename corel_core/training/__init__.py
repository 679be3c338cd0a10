"""Training: device choice, pause/stop control, the model-agnostic loop, recording and jobs."""

from __future__ import annotations

from corel_core.training.control import TrainingControl
from corel_core.training.device import DeviceError, device_report, pick_device
from corel_core.training.jobs import (
    Job,
    JobError,
    JobManager,
    JobProgress,
    ProgressCallback,
    default_manager,
)
from corel_core.training.recording import RunRecorder
from corel_core.training.trainer import (
    BatchInfo,
    Callback,
    EpochInfo,
    Trainer,
    TrainError,
    TrainResult,
)

__all__ = [
    "BatchInfo",
    "Callback",
    "DeviceError",
    "EpochInfo",
    "Job",
    "JobError",
    "JobManager",
    "JobProgress",
    "ProgressCallback",
    "RunRecorder",
    "TrainError",
    "TrainResult",
    "Trainer",
    "TrainingControl",
    "default_manager",
    "device_report",
    "pick_device",
]
