"""The run-folder cache: keys name what made an entry; entries round-trip; half ones are absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corel_core.config import RunConfig
from corel_core.store import RunStore
from corel_core.store.cache import RunCache, cache_key


def test_cache_key_stable_and_sensitive() -> None:
    params = {"n_components": 2, "n_neighbors": 15, "min_dist": 0.1}
    key = cache_key("proj", method="umap", seed=0, params=params)
    assert key.startswith("proj-") and len(key) == len("proj-") + 16
    reordered = {"min_dist": 0.1, "n_neighbors": np.int64(15), "n_components": 2}
    assert cache_key("proj", params=reordered, seed=np.int64(0), method="umap") == key
    assert cache_key("proj", method="umap", seed=0, params={**params, "n_neighbors": 30}) != key
    assert cache_key("proj", method="umap", seed=1, params=params) != key
    assert cache_key("proj", method="tsne", seed=0, params=params) != key
    assert cache_key("kde", method="umap", seed=0, params=params) != key
    code = (
        "from corel_core.store.cache import cache_key;"
        "print(cache_key('proj', method='umap', seed=0,"
        " params={'n_components': 2, 'n_neighbors': 15, 'min_dist': 0.1}))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == key  # same in another process (no hash randomisation)
    with pytest.raises(ValueError):
        cache_key("x", value=float("nan"))


def test_entries_round_trip_and_a_half_written_entry_is_absent(tmp_path: Path) -> None:
    run = RunStore(tmp_path).create(RunConfig())
    cache = RunCache(run)
    key = cache_key("proj", seed=0)
    assert cache.get(key) is None
    coords = np.arange(6, dtype=np.float32).reshape(3, 2)
    cache.put(key, {"note": "hi"}, coords=coords, indices=np.array([0, 4, 9]))
    meta, arrays = cache.get(key)
    assert meta == {"note": "hi"}
    np.testing.assert_array_equal(arrays["coords"], coords)
    np.testing.assert_array_equal(arrays["indices"], [0, 4, 9])
    # arrays written but no JSON yet (a writer killed between the two): not an entry
    other = cache_key("proj", seed=1)
    run.save_array(f"{other}.coords", coords)
    assert cache.get(other) is None
    # JSON naming an array that is gone: not an entry either
    (run.path / "extra" / f"{key}.indices.npy").unlink()
    assert cache.get(key) is None
