"""Runs: list every run on disk, compare their curves, download or delete them.

Everything here is read from the run store, so runs from the CLI, other tabs or earlier app
sessions all appear; nothing important lives only in this browser session. A run can be deleted
or resumed only by the tab that made it (ui.session); everyone else sees it read-only.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core.analysis.exports import latents_to_csv, reproduce_snippet, weights_bytes
from corel_core.analysis.runs_table import run_rows
from corel_core.store import RunError, RunStore
from ui.run_actions import run_actions
from ui.runs_view import compare_curves, filtered_table
from ui.urlstate import config_to_params


def main() -> None:
    store = RunStore()
    st.title("Runs")
    st.caption(f"Run store: `{store.root}`")

    summaries = store.list()
    if not summaries:
        st.info("No runs yet. Start one on the Train page or with `python -m corel_core train`.")
        st.stop()

    rows = run_rows(store, summaries)
    shown = filtered_table(rows)
    broken = [s for s in summaries if s.status == "broken"]
    for s in broken:
        st.warning(f"`{s.id}` cannot be read: {s.message}")

    st.subheader("Compare curves")
    compare_curves(store, rows, shown)

    st.subheader("One run")
    labels = {r["id"]: r["label"] for r in shown if r["status"] != "broken"}
    run_id = st.selectbox(
        "Run",
        list(labels),
        format_func=labels.get,
        help="Load its settings into Train, download its files or delete it.",
    )
    if run_id:
        run = store.get(run_id)
        st.caption(f"Status **{run.status}**. {run.message} Id `{run.id}`.")
        st.page_link(
            "pages/train.py",
            label="Use these settings on the Train page",
            icon=":material/replay:",
            query_params=config_to_params(run.config),
        )
        config_json = run.config.to_json()
        with st.expander("Configuration"):
            st.code(config_json, language="json")
        with st.expander("Reproduce in Python"):
            st.code(reproduce_snippet(run.config), language="python")
        cols = st.columns(4)
        cols[0].download_button(
            "Config JSON", config_json, f"{run.id}-config.json", "application/json"
        )
        if "last" in run.weight_tags():
            cols[1].download_button("Weights (.pt)", weights_bytes(run), f"{run.id}-weights.pt")
        if run.has_latents():
            try:  # a damaged or hand-edited latents.npz is reported, not a traceback
                latents = latents_to_csv(run)
            except RunError as exc:
                cols[2].warning(str(exc))
            else:
                cols[2].download_button("Latents CSV", latents, f"{run.id}-latents.csv", "text/csv")
        run_actions(store, run, cols[3])  # Delete / Resume only for this tab's own runs


main()
