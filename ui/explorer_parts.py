"""Pieces of the Latent explorer page: its URL parameters, the interpolation endpoints, labels.

The explorer's address reproduces what it shows (ui.pagestate): run, projection and its
parameters, colouring, highlighted labels, typed rows and the two interpolation endpoints A, B.
Endpoints are chosen explicitly (from the selected points or typed) and cleared with a button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import streamlit as st

from ui.pagestate import Param

METHODS = {
    "raw": "raw coordinates",
    "pca": "PCA",
    "umap": "UMAP",
    "tsne": "t-SNE",
}
A_KEY, B_KEY = "explorer.a", "explorer.b"


def run_params(labels: Mapping[str, str]) -> list[Param]:
    """The run choice (restored first: the other parameters depend on the run)."""
    return [Param("run", "explorer.run", "str", lambda: next(iter(labels)), lambda: list(labels))]


def view_params(colours: Sequence[str], label_names: Sequence[str], n: int) -> list[Param]:
    """Everything else the page shows, for the chosen run (its colourings, labels, size)."""

    def rows() -> list[int]:
        return list(range(n))

    return [
        Param("method", "explorer.method", "str", "raw", lambda: list(METHODS)),
        Param("dims", "explorer.dims", "int", 2, lambda: [2, 3]),
        Param("colour", "explorer.color", "str", colours[0], lambda: list(colours)),
        Param("seed", "explorer.seed", "int", 0),
        Param("neighbours", "explorer.nn", "int", 15),
        Param("min-dist", "explorer.md", "float", 0.1),
        Param("perplexity", "explorer.perp", "int", 30),
        Param("code-dims", "explorer.raw_dims", "ints", [0, 1]),
        Param("highlight", "explorer.highlight", "strs", [], lambda: list(label_names)),
        Param("rows", "explorer.rows", "str", ""),
        Param("a", A_KEY, "int", None, rows),
        Param("b", B_KEY, "int", None, rows),
        Param("steps", "explorer.steps", "int", 8),
    ]


def sample_label(row: int, ys: np.ndarray | None, names: Sequence[str] | None) -> str:
    """ "row 17 · 3" (the latents row and its class), for image titles and endpoint names."""
    if ys is None:
        return f"row {row}"
    y = int(ys[row])
    name = names[y] if names is not None and 0 <= y < len(names) else y
    return f"row {row} · {name}"


def _set_endpoint(key: str, row: int | None) -> None:
    st.session_state[key] = row


def endpoint_controls(picked: Sequence[int], n: int) -> tuple[int | None, int | None]:
    """Two row fields A and B, buttons to fill them from the selection, and one to clear them."""
    left, right = st.columns(2)
    a = left.number_input(
        "Endpoint A (latents row)",
        min_value=0,
        max_value=n - 1,
        value=None,
        step=1,
        key=A_KEY,
        placeholder="none",
        help="Type a row, or click a point in the scatter and press 'A ← selection'.",
    )
    b = right.number_input(
        "Endpoint B (latents row)",
        min_value=0,
        max_value=n - 1,
        value=None,
        step=1,
        key=B_KEY,
        placeholder="none",
        help="Type a row, or select a point and press 'B ← selection'.",
    )
    first = picked[0] if picked else None
    last = picked[-1] if picked else None
    c1, c2, c3 = st.columns(3)
    c1.button(
        "A ← selection" + ("" if first is None else f" (row {first})"),
        on_click=_set_endpoint,
        args=(A_KEY, first),
        disabled=first is None,
        key="explorer.set_a",
    )
    c2.button(
        "B ← selection" + ("" if last is None else f" (row {last})"),
        on_click=_set_endpoint,
        args=(B_KEY, last),
        disabled=last is None or last == a,
        key="explorer.set_b",
    )
    c3.button(
        "Clear A and B",
        on_click=lambda: (_set_endpoint(A_KEY, None), _set_endpoint(B_KEY, None)),
        disabled=a is None and b is None,
        key="explorer.clear",
    )
    return (None if a is None else int(a)), (None if b is None else int(b))
