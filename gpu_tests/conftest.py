"""The CUDA checks run by `make gpu-check` (not collected by the ordinary test run).

`device` is "cuda", or "cpu" when gpu_check.py runs with --cpu-fallback (a dry run of the same
code paths on a machine without a GPU).
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU (make gpu-check runs these)")


@pytest.fixture(scope="session")
def device() -> str:
    return os.environ.get("COREL_GPU_CHECK_DEVICE", "cuda")
