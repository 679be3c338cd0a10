"""Exact, differentiable 0-dimensional Vietoris–Rips persistence of a point cloud.

The finite H0 death times of a Rips filtration are the edge lengths of a minimum spanning tree of
the complete graph (Hofer et al., ICML 2019, "Connectivity-Optimized Representation Learning via
Persistent Homology", §3). We pick the tree on detached data with a compiled Prim's algorithm
(`corel_core.topology._mst`, O(n²·d) time, O(n·d) memory) and then recompute the n−1 tree
distances with torch, so every death time is an ordinary differentiable function of exactly its
two endpoints. Death = full distance (not distance/2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from corel_core.topology._mst import METRIC_CODES, prim_mst

METRICS = tuple(METRIC_CODES)
MAX_POINTS = 100_000  # Prim is O(n²) time (83 ms at 10,000 points, d = 10); more is refused


class TopologyError(ValueError):
    """An input to a topology routine is not something persistence can be computed on."""


class NonFiniteInputError(TopologyError):
    """The point cloud contains NaN or infinite coordinates."""


@dataclass
class Persistence0:
    """Finite 0-dim Vietoris–Rips bars: death times (ascending, differentiable) and their edges.

    `deaths[t]` is the distance between points `edges[t, 0]` and `edges[t, 1]`; all bars are born
    at 0 and the one essential bar (death +inf) is not listed.
    """

    deaths: Tensor  # (n-1,) ascending, input device and dtype
    edges: Tensor  # (n-1, 2) long, on the input device


def check_metric(metric: str) -> int:
    """Return the kernel code of `metric`, raising TopologyError for anything but l1/l2."""
    try:
        return METRIC_CODES[metric]
    except (KeyError, TypeError):
        raise TopologyError(f"metric must be 'l1' or 'l2', not {metric!r}.") from None


def _check_points(points: Tensor) -> None:
    if not isinstance(points, Tensor):
        raise TopologyError(f"points must be a torch tensor, not {type(points).__name__}.")
    if points.ndim != 2:
        raise TopologyError(
            f"points must be a 2-D tensor (n × d), got shape {tuple(points.shape)}."
        )
    if not points.is_floating_point():
        raise TopologyError(f"points must have a floating-point dtype, not {points.dtype}.")
    if points.shape[0] > MAX_POINTS:
        raise TopologyError(
            f"{points.shape[0]:,} points is more than the {MAX_POINTS:,} that 0-dim persistence "
            "accepts (its time grows as n²); subsample the cloud first."
        )


def bad_rows_message(bad: np.ndarray) -> str:
    """A sentence naming the first few offending row indices."""
    shown = ", ".join(str(int(i)) for i in bad[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return f"points contain NaN or infinite values in rows {shown}{more}."


def _transposed_finite(arr: np.ndarray) -> np.ndarray:
    xt = np.ascontiguousarray(arr.T, dtype=np.float64)
    if not np.isfinite(xt).all():
        bad = np.flatnonzero(~np.isfinite(xt).all(axis=0))
        raise NonFiniteInputError(bad_rows_message(bad))
    return xt


def mst_edges(points: np.ndarray, metric: str = "l1") -> np.ndarray:
    """Minimum-spanning-tree edges (n-1, 2) of an (n, d) array under l1/l2, in Prim's order.

    Plain numpy entry point (no autograd); raises NonFiniteInputError naming bad rows.
    """
    code = check_metric(metric)
    arr = np.asarray(points)
    if arr.ndim != 2:
        raise TopologyError(f"points must be 2-D (n × d), got shape {arr.shape}.")
    return prim_mst(_transposed_finite(arr), code)[0]


def pair_distances(points: Tensor, edges: Tensor, metric: str = "l1") -> Tensor:
    """Differentiable distances between points[edges[:, 0]] and points[edges[:, 1]].

    Computed in float64 (except on MPS) and cast back, so float32 deaths are correctly rounded.
    For l2 the square root is guarded: a zero distance gets a zero gradient instead of NaN.
    """
    check_metric(metric)
    work = points
    if points.dtype != torch.float64 and points.device.type != "mps":
        work = points.to(torch.float64)
    diff = work.index_select(0, edges[:, 0]) - work.index_select(0, edges[:, 1])
    if metric == "l1":
        dist = diff.abs().sum(dim=1)
    else:
        sq = (diff * diff).sum(dim=1)
        positive = sq > 0
        dist = torch.where(positive, torch.where(positive, sq, 1.0).sqrt(), 0.0)
    return dist.to(points.dtype)


def host_points(points: Tensor) -> np.ndarray:
    """Validated, detached float64 copy of an (n, d) tensor, transposed to (d, n) for the kernels.

    Raises TopologyError for a wrong shape or dtype and NonFiniteInputError naming NaN/inf rows.
    """
    _check_points(points)
    host = points.detach()
    if host.device.type != "cpu":
        host = host.cpu()
    if host.dtype not in (torch.float32, torch.float64):  # e.g. bfloat16, unknown to numpy
        host = host.to(torch.float64)
    return _transposed_finite(host.numpy())


def vr0_persistence(points: Tensor, metric: str = "l1") -> Persistence0:
    """Finite 0-dim Vietoris–Rips deaths of an (n, d) point cloud, ascending and differentiable.

    Gradients reach only the two endpoints of each death (±sign(z_i − z_j) for l1).
    """
    code = check_metric(metric)
    xt = host_points(points)
    edges = torch.from_numpy(prim_mst(xt, code)[0])
    if points.device.type != "cpu":
        edges = edges.to(points.device)
    deaths = pair_distances(points, edges, metric)
    order = torch.sort(deaths.detach(), stable=True).indices
    return Persistence0(deaths=deaths[order], edges=edges[order])


def death_stats(deaths: Tensor | np.ndarray) -> dict[str, float]:
    """Min, mean and max of death times as plain floats, for training logs (NaN when empty)."""
    if isinstance(deaths, Tensor):
        values = deaths.detach().to("cpu", torch.float64).numpy()
    else:
        values = np.asarray(deaths, dtype=np.float64)
    values = values.reshape(-1)
    if values.size == 0:
        nan = float("nan")
        return {"min": nan, "mean": nan, "max": nan}
    return {"min": float(values.min()), "mean": float(values.mean()), "max": float(values.max())}
