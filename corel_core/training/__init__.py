"""Training: device choice, pause/stop control, the model-agnostic loop and recording.

Training as a background job of the worker pool lives in `corel_core.training.launch`.
"""

from __future__ import annotations

from corel_core.training.control import TrainingControl
from corel_core.training.device import DeviceError, device_report, pick_device
from corel_core.training.recording import RunRecorder
from corel_core.training.trainer import (
    BatchInfo,
    Callback,
    EpochInfo,
    OnEpoch,
    Trainer,
    TrainError,
    TrainResult,
)

__all__ = [
    "BatchInfo",
    "Callback",
    "DeviceError",
    "EpochInfo",
    "OnEpoch",
    "RunRecorder",
    "TrainError",
    "TrainResult",
    "Trainer",
    "TrainingControl",
    "device_report",
    "pick_device",
]
