"""Lesson studies shaped for a worker process: load the data there, not in the web server.

The Lessons page runs these through the job pool (ui.jobs.compute); passing a DataConfig instead
of a loaded Dataset keeps the arrays out of the pipe between server and worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from corel_core.config import DataConfig


def deep_vs_pca_on(
    data: DataConfig,
    code_dim: int = 30,
    epochs: int = 15,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """`pca_compare.deep_vs_pca` on the dataset `data` describes (a DeepComparison)."""
    from corel_core.analysis.pca_compare import deep_vs_pca
    from corel_core.data import load_dataset

    return deep_vs_pca(load_dataset(data), code_dim=code_dim, epochs=epochs, progress=progress)


def stacked_on(
    data: DataConfig,
    widths: Sequence[int],
    epochs_per_layer: int,
    finetune_epochs: int,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Any:
    """`stacked.train_stacked` on the dataset `data` describes (a StackedResult)."""
    from corel_core.data import load_dataset
    from corel_core.studies.stacked import train_stacked

    dataset = load_dataset(data)
    return train_stacked(dataset, widths, epochs_per_layer, finetune_epochs, seed, progress)
