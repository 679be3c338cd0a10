"""Types shared by every data source: errors, dataset metadata and the dataset container.

Loaders return a `Loaded` (arrays possibly still uint8, before split/limit); `load_dataset` turns
it into the public `Dataset` (float32 images in [0, 1], int64 labels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Progress = Callable[[int, int], None]


class DataError(ValueError):
    """A data problem a person can fix: a bad file, a wrong shape, an unknown dataset name."""


class DatasetNotFoundError(DataError):
    """Dataset files are absent and could not be downloaded; the message says where to put them."""


@dataclass(frozen=True)
class DatasetMeta:
    """What a dataset is: its kind, per-sample shape, class names, origin and licence."""

    name: str
    kind: str  # "points" or "image"
    shape: tuple[int, ...]  # per-sample shape: (d,) for points, (C, H, W) for images
    classes: tuple[str, ...]  # class names, () if unlabeled
    source: str
    licence: str
    task_names: tuple[str, ...] = ()  # e.g. ("mnist", "digits") for two-task sets


@dataclass(frozen=True)
class Dataset:
    """Samples ready for training: float32 x (N, *shape), int64 labels and task ids (or None)."""

    x: np.ndarray
    y: np.ndarray | None
    task: np.ndarray | None
    meta: DatasetMeta

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Loaded:
    """A loader's result before split and limit; `x / divide_by` is the float data.

    Samples `[eval_start:]` are the pool that the "aux"/"eval" splits halve (the test split of
    datasets that ship train and test files); `eval_start` is 0 for everything else.
    """

    x: np.ndarray
    y: np.ndarray | None
    task: np.ndarray | None
    meta: DatasetMeta
    divide_by: float = 1.0
    eval_start: int = 0


DIGIT_CLASSES: tuple[str, ...] = tuple(str(i) for i in range(10))
