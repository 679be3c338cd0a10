"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Directory with the MNIST test split in IDX .gz form (the workspace's shared copy)."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST test split not found at {SHARED_MNIST} (clone outside the workspace)")
    return SHARED_MNIST


@pytest.fixture()
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh run store directory, also exported as COREL_RUNS_DIR."""
    path = tmp_path / "runs"
    monkeypatch.setenv("COREL_RUNS_DIR", str(path))
    return path
