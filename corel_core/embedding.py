"""2-D/3-D views of latent codes: raw coordinates, PCA, UMAP or t-SNE, with size caps.

Heavy methods subsample uniformly at random (seeded) above a cap and record which points they
used; `corel_core.store.cache` keeps projections of a run on disk.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

METHODS = ("raw", "pca", "umap", "tsne")
DEFAULT_CAPS = {"raw": 200_000, "pca": 200_000, "umap": 20_000, "tsne": 5_000}
HARD_CAPS = {"raw": 200_000, "pca": 200_000, "umap": 100_000, "tsne": 20_000}  # max_points limit
MAX_INPUT_POINTS = 200_000
#: From this many points umap-learn searches neighbours approximately; up to the UMAP cap corel
#: gives it exact neighbours instead (scikit-learn), for these metrics.
EXACT_KNN_FROM = 4096
EXACT_KNN_METRICS = ("euclidean", "manhattan", "chebyshev", "cosine")
ALLOWED_PARAMS = {
    "raw": {"dims"},
    "pca": {"whiten"},
    "umap": {"n_neighbors", "min_dist", "metric"},
    "tsne": {"perplexity", "max_iter", "metric", "learning_rate"},
}


class EmbeddingError(ValueError):
    """A projection request that cannot be carried out (bad data, size or parameters)."""


@dataclass(frozen=True)
class Projection:
    """Low-dimensional coordinates of (a subsample of) the input rows and how they were made.

    ``indices`` holds the sorted input rows used when the input was subsampled, else None;
    ``params`` are the parameters actually used (defaults filled in, clipped values applied).
    """

    coords: np.ndarray
    method: str
    params: dict[str, Any]
    explained_variance_ratio: np.ndarray | None
    n_used: int
    indices: np.ndarray | None
    note: str = ""
    n_total: int = field(default=0)


def _check_input(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.number):
        raise EmbeddingError(f"The codes must be numeric; got dtype {arr.dtype}.")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise EmbeddingError(f"The codes must have shape (N, d) with d >= 1; got {arr.shape}.")
    if arr.shape[0] > MAX_INPUT_POINTS:
        raise EmbeddingError(
            f"{arr.shape[0]:,} points is more than the {MAX_INPUT_POINTS:,} this view accepts; "
            "subsample the codes first."
        )
    if arr.shape[0] < 2:
        raise EmbeddingError("At least two points are needed for a projection.")
    arr = arr.astype(np.float64, copy=False)
    bad = int((~np.isfinite(arr)).sum())
    if bad:
        raise EmbeddingError(
            f"The codes contain {bad} NaN or infinite value(s); a projection needs finite numbers."
        )
    return arr


def _all_identical(x: np.ndarray) -> bool:
    """True when every row equals the first up to float64 rounding of the codes' magnitude."""
    scale = max(1.0, float(np.abs(x).max()))
    return float(np.ptp(x, axis=0).max()) <= 1e-12 * scale


def _pad(coords: np.ndarray, k: int) -> np.ndarray:
    if coords.shape[1] >= k:
        return coords
    return np.hstack([coords, np.zeros((coords.shape[0], k - coords.shape[1]))])


def _raw(x: np.ndarray, k: int, params: dict[str, Any]) -> tuple[np.ndarray, str]:
    dims = params.get("dims")
    if dims is None:
        dims = list(range(min(k, x.shape[1])))
    dims = [int(d) for d in dims]
    if len(dims) != len(set(dims)) or any(d < 0 or d >= x.shape[1] for d in dims):
        raise EmbeddingError(
            f"dims must be distinct column indices below {x.shape[1]}; got {dims}."
        )
    if len(dims) > k:
        raise EmbeddingError(f"dims lists {len(dims)} columns but n_components is {k}.")
    params["dims"] = dims
    note = ""
    if len(dims) < k:
        note = f"The codes have only {len(dims)} chosen dimension(s); the rest are padded with 0."
    return _pad(x[:, dims], k), note


def _pca(x: np.ndarray, k: int, params: dict[str, Any], seed: int):
    from sklearn.decomposition import PCA

    n_fit = min(k, x.shape[1], x.shape[0])
    pca = PCA(
        n_components=n_fit, whiten=bool(params.setdefault("whiten", False)), random_state=seed
    )
    coords = pca.fit_transform(x)
    note = "" if n_fit == k else f"Only {n_fit} principal component(s) exist; padded with 0."
    return _pad(coords, k), pca.explained_variance_ratio_.copy(), note


def _umap(x: np.ndarray, k: int, params: dict[str, Any], seed: int) -> np.ndarray:
    import umap

    from corel_core.analysis.warmup import enable_umap_cache

    enable_umap_cache()  # compiled once (make setup warms it), then read from disk

    n = x.shape[0]
    params["n_neighbors"] = int(min(params.get("n_neighbors", 15), n - 1))
    params["min_dist"] = float(params.get("min_dist", 0.1))
    params["metric"] = str(params.get("metric", "euclidean"))
    extra: dict[str, Any] = {}
    if EXACT_KNN_FROM <= n <= DEFAULT_CAPS["umap"] and params["metric"] in EXACT_KNN_METRICS:
        # umap's own neighbour search (NN-descent) recompiles in every process (~30-90 s on a
        # busy 2-core machine; numba cannot cache it); exact neighbours take 0.1-6 s here.
        from sklearn.neighbors import NearestNeighbors

        search = NearestNeighbors(n_neighbors=params["n_neighbors"], metric=params["metric"])
        dists, rows = search.fit(x).kneighbors(x)
        extra["precomputed_knn"] = (rows, dists.astype(np.float32))
    reducer = umap.UMAP(n_components=k, random_state=seed, **params, **extra)
    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state" is expected
        warnings.simplefilter("ignore", UserWarning)  # and "no search index" (we never transform)
        return reducer.fit_transform(x)


def _tsne(x: np.ndarray, k: int, params: dict[str, Any], seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    if k > 3:
        raise EmbeddingError("t-SNE supports at most 3 components.")
    n = x.shape[0]
    params["perplexity"] = float(min(params.get("perplexity", 30.0), max(1.0, (n - 1) / 3)))
    params["max_iter"] = int(params.get("max_iter", 1000))
    params["metric"] = str(params.get("metric", "euclidean"))
    params["learning_rate"] = params.get("learning_rate", "auto")
    tsne = TSNE(n_components=k, init="pca", random_state=seed, **params)
    return tsne.fit_transform(x)


def project(
    x: np.ndarray,
    method: str,
    n_components: int = 2,
    seed: int = 0,
    max_points: int | None = None,
    **params: Any,
) -> Projection:
    """Project codes ``x`` (N, d) to ``n_components`` dims with raw/pca/umap/tsne.

    Above the method's cap (UMAP 20,000, t-SNE 5,000; ``max_points`` overrides, up to 100,000 and
    20,000) a seeded uniform subsample is projected and its row indices recorded. Inputs over
    200,000 rows are refused.
    """
    if method not in METHODS:
        raise EmbeddingError(f"method must be one of {', '.join(METHODS)}, not {method!r}.")
    if int(n_components) < 1:
        raise EmbeddingError("n_components must be at least 1.")
    unknown = set(params) - ALLOWED_PARAMS[method]
    if unknown:
        allowed = ", ".join(sorted(ALLOWED_PARAMS[method])) or "none"
        raise EmbeddingError(
            f"Unknown parameter(s) {', '.join(sorted(unknown))} for {method}; allowed: {allowed}."
        )
    k = int(n_components)
    data = _check_input(x)
    n_total = data.shape[0]
    cap = DEFAULT_CAPS[method] if max_points is None else int(max_points)
    if cap < 2:
        raise EmbeddingError("max_points must be at least 2.")
    if cap > HARD_CAPS[method]:
        raise EmbeddingError(
            f"max_points {cap:,} is above the {HARD_CAPS[method]:,} points {method} accepts; "
            "ask for fewer."
        )
    indices = None
    notes = []
    if n_total > cap:
        rng = np.random.default_rng(seed)
        indices = np.sort(rng.choice(n_total, size=cap, replace=False))
        data = data[indices]
        notes.append(f"Projected a random subsample of {cap:,} of {n_total:,} points.")
    if method in ("umap", "tsne") and data.shape[0] < 5:
        raise EmbeddingError(f"{method} needs at least 5 points; got {data.shape[0]}.")

    used = dict(params)
    evr = None
    if method != "raw" and _all_identical(data):
        # PCA's variance ratio is 0/0 and t-SNE's PCA init divides by a zero spread (a segfault
        # in scikit-learn's Barnes-Hut code): every method maps identical codes to one point.
        coords, note = np.zeros((data.shape[0], k)), ""
        evr = np.zeros(min(k, data.shape[1])) if method == "pca" else None
        notes.append(
            f"All {data.shape[0]:,} codes are identical (a collapsed encoder?): every point is "
            "drawn at the origin."
        )
    elif method == "raw":
        coords, note = _raw(data, k, used)
    elif method == "pca":
        coords, evr, note = _pca(data, k, used, seed)
    elif method == "umap":
        coords, note = _umap(data, k, used, seed), ""
    else:
        coords, note = _tsne(data, k, used, seed), ""
    if note:
        notes.append(note)
    return Projection(
        coords=np.ascontiguousarray(coords, dtype=np.float32),
        method=method,
        params=used,
        explained_variance_ratio=evr,
        n_used=int(data.shape[0]),
        indices=indices,
        note=" ".join(notes),
        n_total=n_total,
    )


__all__ = ["EmbeddingError", "Projection", "project"]
