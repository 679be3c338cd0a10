"""Datasets for corel: toy point clouds, digits, the MNIST family, CIFAR, two-task sets, uploads.

One module per source; `registry` maps `DataConfig.name` to loaders and `load_dataset` applies the
config's split and limit. Nothing here touches the disk or the network at import time.
"""

from __future__ import annotations

from .base import DataError, Dataset, DatasetMeta, DatasetNotFoundError
from .download import default_data_dir
from .load import load_dataset
from .registry import describe_dataset, list_datasets
from .upload import load_user_data
from .uploads import list_uploads, save_upload

__all__ = [
    "DataError",
    "Dataset",
    "DatasetMeta",
    "DatasetNotFoundError",
    "default_data_dir",
    "describe_dataset",
    "list_datasets",
    "list_uploads",
    "load_dataset",
    "load_user_data",
    "save_upload",
]
