"""Which samples a config keeps: the "aux"/"eval" halves and the `limit`.

"aux" is the first half and "eval" the second half of the evaluation pool in file order (the test
split when a dataset ships train and test files: MNIST's 10,000 test images give 5,000 + 5,000);
"all" keeps everything. The MNIST 5,000 + 5,000 set-up is this project's own: Hofer et al. (ICML
2019) report no MNIST experiment (their one-class evaluation is on CIFAR-10/100, with the
autoencoder trained on a training split and the test split scored). `limit` then keeps the
first `limit` samples. Two-task sets are split and limited per task, so both tasks survive.
"""

from __future__ import annotations

import numpy as np

from .base import DataError


def select_indices(
    n: int,
    split: str = "all",
    limit: int | None = None,
    task: np.ndarray | None = None,
    eval_start: int = 0,
) -> np.ndarray:
    """Indices (in file order) of the samples kept by `split` and `limit`."""
    if split not in ("all", "aux", "eval"):
        raise DataError(f"split must be 'all', 'aux' or 'eval', not {split!r}.")
    if limit is not None and limit < 1:
        raise DataError("limit must be a positive number of samples.")
    if task is None:
        groups = [np.arange(n)]
    else:
        groups = [np.flatnonzero(task == k) for k in np.unique(task)]
    kept = []
    for group in groups:
        if split != "all":
            pool = group[group >= eval_start]
            half = len(pool) // 2
            group = pool[:half] if split == "aux" else pool[half:]
        if limit is not None:
            group = group[:limit]
        kept.append(group)
    indices = np.concatenate(kept) if kept else np.arange(0)
    if indices.size == 0:
        raise DataError(f"the {split!r} split of this dataset holds no samples.")
    return indices
