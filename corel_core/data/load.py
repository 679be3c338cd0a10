"""`load_dataset`: look a config's dataset up, load it, keep its split and limit, make floats."""

from __future__ import annotations

import numpy as np

from ..config import DataConfig
from .base import Dataset, Loaded, Progress
from .download import Fetch, Locator, download_enabled, download_file, resolve_data_dir
from .registry import get_spec
from .splits import select_indices
from .uploads import PREFIX, load_upload


def load_dataset(
    cfg: DataConfig,
    progress: Progress | None = None,
    *,
    download: bool | None = None,
    fetch: Fetch | None = None,
) -> Dataset:
    """Load `cfg.name`, apply `cfg.split` then `cfg.limit`; float32 x, int64 labels.

    Missing files are downloaded into the data directory unless `download` is False (default:
    on unless $COREL_OFFLINE is set); `progress(done_bytes, total_bytes)` reports downloads.
    `fetch` replaces the downloader (same signature as `download_file`).
    """
    if cfg.name.startswith(PREFIX):
        return finalise(load_upload(cfg.name), cfg.split, cfg.limit)
    spec = get_spec(cfg.name)
    locator = Locator(
        root=resolve_data_dir(cfg.data_dir),
        progress=progress,
        download=download_enabled() if download is None else download,
        fetch=fetch or download_file,
    )
    return finalise(spec.loader(cfg, locator), cfg.split, cfg.limit)


def finalise(loaded: Loaded, split: str = "all", limit: int | None = None) -> Dataset:
    """Keep the split/limit samples of a loader's result and convert them to the public types."""
    idx = select_indices(len(loaded.x), split, limit, loaded.task, loaded.eval_start)
    x = loaded.x[idx].astype(np.float32)
    if loaded.divide_by != 1.0:
        x /= np.float32(loaded.divide_by)
    y = None if loaded.y is None else loaded.y[idx].astype(np.int64)
    task = None if loaded.task is None else loaded.task[idx].astype(np.int64)
    return Dataset(x=np.ascontiguousarray(x), y=y, task=task, meta=loaded.meta)
