"""Training: device choice, pause/stop control, the model-agnostic loop and recording.

Training as a background job of the worker pool lives in `corel_core.training.launch`.
The names below are loaded on first use (PEP 562), so importing a submodule that needs no torch
(launch, the pages' job helpers) does not import torch: the web server renders the Train page
without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: exported name → submodule that defines it
_EXPORTS = {
    "TrainingControl": "control",
    "DeviceError": "device",
    "device_report": "device",
    "pick_device": "device",
    "RunRecorder": "recording",
    "BatchInfo": "trainer",
    "Callback": "trainer",
    "EpochInfo": "trainer",
    "OnEpoch": "trainer",
    "Trainer": "trainer",
    "TrainError": "trainer",
    "TrainResult": "trainer",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'corel_core.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"corel_core.training.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


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
