"""Compiled Prim's algorithm on the complete graph of a point cloud (distances on the fly).

The minimum spanning tree of the complete graph under a metric is exactly the set of 0-dimensional
Vietoris–Rips death pairs. Prim's algorithm in its dense O(n²) form needs only O(n·d) memory when
each distance row is computed at the moment its vertex joins the tree, so no n × n matrix is ever
built. The points are stored transposed, (d, n), and the vertices still outside the tree are kept
in the first `m` columns (a vertex that joins is swapped to the back), so the inner loops run over a
contiguous block that LLVM vectorises without `fastmath`.
"""

from __future__ import annotations

import numba
import numpy as np

METRIC_CODES = {"l1": 0, "l2": 1}


@numba.njit(cache=True, fastmath=False, nogil=True)
def prim_mst(xt: np.ndarray, metric: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """MST of points given transposed as xt (d, n), metric 0=l1, 1=l2: (edges (n-1, 2), lengths).

    Edges come in the order Prim adds them; lengths are their float64 distances (the l2 variant
    compares squared lengths, which is monotone, and takes the root at the end).
    """
    n = xt.shape[1]
    edges = np.empty((max(n - 1, 0), 2), dtype=np.int64)
    lengths = np.empty(max(n - 1, 0))
    prim_inplace(xt.copy(), metric, edges, lengths)
    return edges, lengths


@numba.njit(cache=True, fastmath=False, nogil=True)
def prim_inplace(
    work: np.ndarray, metric: int, edges: np.ndarray, lengths: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Prim's MST of the columns of work (d, n) float64, which it scrambles, into edges/lengths."""
    d, n = work.shape
    if n < 2:
        return
    ids = np.arange(n)
    best = np.full(n, np.inf)
    parent = np.zeros(n, dtype=np.int64)
    acc = np.empty(n)
    cvec = np.empty(d)
    # Vertex 0 starts the tree: remember its coordinates, then swap it out of the active block.
    m = n - 1
    cur = 0
    for k in range(d):
        cvec[k] = work[k, 0]
        work[k, 0] = work[k, m]
    ids[0] = ids[m]
    bits = best.view(np.int64)  # shares memory with best
    for step in range(n - 1):
        # Distances from the vertex that just joined to every vertex still outside the tree.
        row = work[0]
        c = cvec[0]
        if metric == 0:
            for j in range(m):
                acc[j] = abs(row[j] - c)
            for k in range(1, d):
                row = work[k]
                c = cvec[k]
                for j in range(m):
                    acc[j] += abs(row[j] - c)
        else:
            for j in range(m):
                t = row[j] - c
                acc[j] = t * t
            for k in range(1, d):
                row = work[k]
                c = cvec[k]
                for j in range(m):
                    t = row[j] - c
                    acc[j] += t * t
        # Relax the frontier (branch-free selects, so LLVM vectorises it).
        for j in range(m):
            a = acc[j]
            b = best[j]
            closer = a < b
            best[j] = a if closer else b
            parent[j] = cur if closer else parent[j]
        # Cheapest vertex to join next. Lengths are non-negative and finite, so their IEEE bit
        # patterns order like the numbers: an integer min reduction vectorises without fastmath.
        low = bits[0]
        for j in range(1, m):
            v = bits[j]
            low = v if v < low else low
        bi = 0
        for j in range(m):
            if bits[j] == low:
                bi = j
                break
        cur = ids[bi]
        edges[step, 0] = parent[bi]
        edges[step, 1] = cur
        lengths[step] = best[bi] if metric == 0 else np.sqrt(best[bi])
        # Swap the chosen vertex out of the active block [0, m).
        m -= 1
        for k in range(d):
            cvec[k] = work[k, bi]
            work[k, bi] = work[k, m]
        ids[bi] = ids[m]
        best[bi] = best[m]
        parent[bi] = parent[m]


@numba.njit(cache=True, fastmath=False, nogil=True)
def connectivity_value_grad(
    x: np.ndarray, metric: int, eta: float, branches: int, scale: float
) -> tuple[float, np.ndarray, np.ndarray, int]:  # pragma: no cover - compiled
    """scale · mean_k Σ_t |ε_t − η| over the non-zero MST edges of each column block k of x (n, D).

    Returns (value, its gradient (n, D) in x's dtype, the deaths (K, n-1) ascending per block, first
    non-finite row or -1). One compiled call per training step, with the gradient computed in the
    same pass, so the autograd graph needs no Python backward. Each edge t = (i, j) adds
    ±scale·sign(ε_t − η)/K · ∂ε_t/∂x_i: sign(x_i − x_j) for l1, (x_i − x_j)/ε_t for l2; zero at
    ties and for dropped zero-length edges (torch's conventions).
    """
    n, dim = x.shape
    width = dim // branches
    edges = np.empty((max(n - 1, 0), 2), dtype=np.int64)
    lengths = np.zeros((branches, max(n - 1, 0)))
    grad = np.zeros((n, dim), dtype=x.dtype)
    for i in range(n):
        for k in range(dim):
            if not np.isfinite(x[i, k]):
                return 0.0, grad, lengths, i
    work = np.empty((width, n))
    total = 0.0
    for b in range(branches):
        for i in range(n):
            for k in range(width):
                work[k, i] = x[i, b * width + k]
        prim_inplace(work, metric, edges, lengths[b])
        for t in range(n - 1):
            length = lengths[b, t]
            if length == 0.0:  # zero-length bars (duplicates) are dropped
                continue
            total += abs(length - eta)
            if length == eta:
                continue
            c = (scale if length > eta else -scale) / branches
            if metric == 1:
                c = c / length
            i = edges[t, 0]
            j = edges[t, 1]
            for k in range(b * width, (b + 1) * width):
                diff = np.float64(x[i, k]) - np.float64(x[j, k])
                g = c * diff
                if metric == 0:  # sign(diff), zero at a tie like torch's abs
                    g = c if diff > 0.0 else (-c if diff < 0.0 else 0.0)
                grad[i, k] += g
                grad[j, k] -= g
        lengths[b].sort()
    return scale * total / branches, grad, lengths, -1
