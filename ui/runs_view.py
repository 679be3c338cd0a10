"""The Runs page's table (filters, human headers, one column per setting and final loss term)
and its curve comparison (panels or one axis, log axis, raw terms, smoothing).

Streamlit's table sorts by a click on any header; the filters above it narrow the rows first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from corel_core import plots
from corel_core.analysis.exports import figure_config
from corel_core.analysis.loss_terms import raw_history
from corel_core.analysis.runs_table import filter_rows, final_columns, headers, short_date
from corel_core.store import RunStore

SETTING_COLUMNS = ("label", "status", "dataset", "model", "lambda", "eta", "latent", "seed")
TAIL_COLUMNS = ("epochs", "created", "sweep", "id")


def _choices(rows: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    return sorted({str(r[key]) for r in rows if r.get(key)})


def filtered_table(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Draw the filters and the table; the rows that pass the filters."""
    search, status, dataset, model = st.columns([2, 1, 1, 1])
    text = search.text_input(
        "Search",
        key="runs.search",
        placeholder="words in the label, name, id or sweep, e.g. moons λ=20",
    )
    any_ = {"placeholder": "any"}  # the default "Choose options" is cut off in a narrow column
    statuses = status.multiselect("Status", _choices(rows, "status"), key="runs.status", **any_)
    datasets = dataset.multiselect("Dataset", _choices(rows, "dataset"), key="runs.dataset", **any_)
    models = model.multiselect("Model", _choices(rows, "model"), key="runs.model", **any_)
    shown = filter_rows(rows, text, statuses=statuses, datasets=datasets, models=models)
    columns = [*SETTING_COLUMNS, *final_columns(shown), *TAIL_COLUMNS]
    names = headers(columns)
    table = [
        {k: short_date(r.get(k, "")) if k == "created" else r.get(k) for k in columns}
        for r in shown
    ]
    config: dict[str, Any] = {k: st.column_config.Column(names[k]) for k in columns}
    # the run's name stays in view while the wide table scrolls sideways (1024 px)
    config["label"] = st.column_config.Column(names["label"], pinned=True, width="medium")
    for k in ("lambda", "eta", *final_columns(shown)):
        config[k] = st.column_config.NumberColumn(names[k], format="%.4g")
    for k in ("latent", "seed", "epochs"):
        config[k] = st.column_config.NumberColumn(names[k], format="%d")
    st.dataframe(
        table, hide_index=True, width="stretch", column_order=columns, column_config=config
    )
    st.caption(
        f"{len(shown)} of {len(rows)} runs. Click a header to sort. Final values are the last "
        "epoch's terms as trained (weighted: connectivity = λ·L_η)."
    )
    return shown


def compare_curves(
    store: RunStore, rows: Sequence[Mapping[str, Any]], shown: Sequence[Mapping[str, Any]]
) -> None:
    """Pick runs and draw their loss curves with the chosen axis, terms and smoothing.

    Every run is offered, in a fixed order, so that a search narrowing the table never drops the
    runs already chosen (a widget whose options change loses its value); the first two runs
    that pass the filters are chosen at first.
    """
    readable = [r for r in rows if r["status"] != "broken"]
    labels = {r["id"]: r["label"] for r in readable}
    chosen = st.multiselect(
        "Runs to compare",
        list(labels),
        default=[r["id"] for r in shown if r["status"] != "broken"][:2],
        format_func=labels.get,
        key="runs.compare_ids",
        help="Loss curves of the chosen runs; each loss term on its own panel by default.",
    )
    layout, toggles, smooth = st.columns([2, 2, 2])  # toggles stacked: labels fit at 1024 px
    panels = (
        layout.segmented_control(
            "Layout",
            ["Panel per term", "One axis"],
            default="Panel per term",
            key="runs.layout",
        )
        != "One axis"
    )
    log_y = toggles.toggle("Log axis", key="runs.log", help="Values ≤ 0 are left out.")
    raw_terms = toggles.toggle(
        "Raw terms",
        key="runs.raw",
        help="Divide each term by its weight (λ, β, reconstruction weight) so runs trained "
        "with different weights compare on one scale. Total stays as trained.",
    )
    smoothing = smooth.slider(
        "Smoothing",
        0.0,
        0.95,
        0.0,
        0.05,
        key="runs.smoothing",
        help="Exponential moving average like TensorBoard's; the raw curve stays faint.",
    )
    if not chosen:
        st.info("Choose runs above to compare their curves.")
        return
    histories = {}
    for run_id in chosen:
        run = store.get(run_id)
        history = run.metrics()
        histories[labels[run_id]] = raw_history(history, run.config.loss) if raw_terms else history
    fig = plots.loss_curves(
        histories, log_y=log_y, panels=panels, smoothing=smoothing, raw=raw_terms
    )
    st.plotly_chart(fig, key="runs.compare", config=figure_config())
