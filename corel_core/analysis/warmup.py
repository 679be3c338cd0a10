"""Compile the numba kernels once, at set-up, and keep them on disk.

The first batch with λ > 0 compiles corel's MST kernels (corel_core/topology/_mst.py, declared
`cache=True`) and the first UMAP compiles umap-learn's own numba functions. Measured on a busy
2-core machine (load ≈ 5): a one-epoch λ = 20 digits run took 32 s with an empty cache and 12 s
with a warm one (λ = 0: 9 s); a 200-point UMAP took 23–37 s in a fresh process, 0.9 s with the
cache below. umap-learn does not declare its functions cached, so `enable_umap_cache` asks numba to
cache them too (`Dispatcher.enable_caching`); the files land beside umap's sources in the virtual
environment (or numba's per-user cache folder when that is read-only), written by numba itself.

`warm_up` runs both once; `make setup` / `make run` call it through
`python -m corel_core warmup`, so a fresh clone's first λ > 0 run and first UMAP start in seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

#: What warm_up compiles, in order: (name, what a person is told).
STEPS: tuple[tuple[str, str], ...] = (
    ("connectivity", "connectivity-loss kernels (the λ > 0 term)"),
    ("umap", "UMAP for small sets (< 4,096 codes)"),
    ("umap-large", "UMAP for large sets (≥ 4,096 codes, exact neighbours)"),
)

_UMAP_CACHED = False


def enable_umap_cache() -> int:
    """Make numba keep umap-learn's and pynndescent's compiled functions on disk.

    Returns how many functions were switched to an on-disk cache (0 on later calls: it is done
    once per process). Functions already compiled in this process keep their compiled code;
    new compilations are written to the cache and read from it by the next process.
    """
    global _UMAP_CACHED
    if _UMAP_CACHED:
        return 0
    import umap  # noqa: F401 - loads umap's and pynndescent's modules
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    switched = 0
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("umap", "pynndescent")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                value.enable_caching()
                switched += 1
    _UMAP_CACHED = True
    return switched


def _connectivity() -> None:
    import torch

    from corel_core.topology import connectivity_loss

    for dtype in (torch.float32, torch.float64):
        z = torch.randn(64, 2, dtype=dtype, generator=torch.Generator().manual_seed(0))
        z.requires_grad_(True)
        connectivity_loss(z, eta=2.0).backward()


def _umap(n: int) -> None:
    from corel_core.embedding import project

    codes = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    project(codes, "umap", seed=0)


RUNNERS: dict[str, Callable[[], None]] = {
    "connectivity": _connectivity,
    "umap": lambda: _umap(300),
    "umap-large": lambda: _umap(4096),
}


def warm_up(
    steps: tuple[str, ...] = tuple(name for name, _ in STEPS),
    report: Callable[[str], None] = print,
) -> dict[str, float]:
    """Compile (or load from disk) each named step's kernels; seconds per step.

    `report` is told what each step does before it starts and how long it took. Raises ValueError
    for an unknown step name.
    """
    known = dict(STEPS)
    unknown = [s for s in steps if s not in known]
    if unknown:
        raise ValueError(f"unknown warm-up step(s) {unknown}; choose from {list(known)}.")
    seconds: dict[str, float] = {}
    for i, step in enumerate(steps, 1):
        report(f"[{i}/{len(steps)}] compiling {known[step]} (once; kept on disk)…")
        start = time.perf_counter()
        if step.startswith("umap"):
            enable_umap_cache()
        RUNNERS[step]()
        seconds[step] = time.perf_counter() - start
        report(f"[{i}/{len(steps)}] {known[step]}: {seconds[step]:.1f} s")
    return seconds
