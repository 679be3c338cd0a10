"""Choose the torch device a run trains on (cuda > mps > cpu) and describe what is available."""

from __future__ import annotations

import torch

from corel_core.config import DEVICES


class DeviceError(ValueError):
    """The requested device does not exist on this machine."""


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(name: str = "auto") -> torch.device:
    """Return the device called `name`; "auto" prefers cuda, then Apple's mps, then the cpu."""
    name = (name or "auto").strip().lower()
    if name not in DEVICES:
        raise DeviceError(f"device must be one of {', '.join(DEVICES)}, not {name!r}.")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            "a CUDA GPU was requested but this machine's torch sees none; choose 'auto' or 'cpu'."
        )
    if name == "mps" and not _mps_available():
        raise DeviceError(
            "Apple's MPS backend was requested but is not available here; choose 'auto' or 'cpu'."
        )
    return torch.device(name)


def device_report() -> str:
    """One human-readable line per device kind, saying what torch can use here."""
    lines = [f"torch {torch.__version__}; cpu threads: {torch.get_num_threads()}"]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            lines.append(f"cuda:{i} {props.name}, {props.total_memory / 2**30:.1f} GiB")
    else:
        lines.append("cuda: not available")
    lines.append("mps: available" if _mps_available() else "mps: not available")
    lines.append(f"auto picks: {pick_device('auto')}")
    return "\n".join(lines)
