"""Train: configure an autoencoder, run it in the background, watch it learn.

Streamlit reruns this file top to bottom on every click. Training itself runs in a background
thread owned by the process-wide job manager, so a rerun, a reload or a second tab never stops
it; the live panel is a fragment that re-renders itself every second from the job's snapshot.
"""

from __future__ import annotations

import streamlit as st

from corel_core import plots
from corel_core.config import ConfigError, RunConfig, setting_named
from corel_core.data import DataError, list_datasets, list_uploads, save_upload
from corel_core.presets import PRESETS
from corel_core.training import JobError, default_manager
from corel_core.training.launch import preview_of, submit_training
from pages._guard import through_app
from ui.train_form import (
    EXPANDED,
    GROUPS,
    check_options,
    config_from_values,
    key_of,
    render_group,
    render_setting,
    values_from_config,
)
from ui.urlstate import config_from_params, config_to_params

JOB_KEY = "train.job_id"
DATASET_KEY = key_of(setting_named("dataset"))
PRESET_KEY = key_of(setting_named("preset"))
manager = default_manager()


def select_options() -> dict[str, list[str]]:
    """Options of the select settings whose choices are not fixed in the schema."""
    return {"dataset": [*list_datasets(), *list_uploads()], "preset": ["", *PRESETS]}


def load_into_form(config: RunConfig) -> None:
    """Show `config` in the widgets (before they are drawn in this rerun)."""
    st.session_state.update(values_from_config(config))


def keep_upload() -> None:
    """Validate the uploaded file; a good one becomes the dataset, a bad one is only reported."""
    uploaded = st.session_state.get("train.upload")
    if uploaded is None:
        return
    try:
        st.session_state[DATASET_KEY] = save_upload(uploaded.name, uploaded.getvalue())
    except DataError as exc:
        st.session_state["train.upload_error"] = str(exc)


def apply_preset() -> None:
    """Fill the form with the chosen preset (a callback: runs before the widgets are drawn)."""
    name = st.session_state[PRESET_KEY]
    if name in PRESETS:  # "(custom)" keeps the values and only drops the preset's name
        load_into_form(PRESETS[name].config)


def form(options: dict[str, list[str]]) -> RunConfig | None:
    """Draw the form from the schema; the RunConfig it describes, or None (error shown)."""
    # The callback runs before this rerun draws the form, so a kept upload is already selected.
    st.file_uploader(
        "Upload a dataset",
        type=["npz", "npy", "csv", "txt"],
        key="train.upload",
        on_change=keep_upload,
        help="A .npz/.npy array (samples × features, or images) or a numeric .csv with an "
        "optional label column. It is checked before it is kept; a good file becomes the dataset.",
    )
    upload_error = st.session_state.pop("train.upload_error", None)
    if upload_error:
        st.error(f"That file was not used: {upload_error}")
    for group in GROUPS:
        with st.expander(group, expanded=group in EXPANDED):
            render_group(group, options)
    try:
        config = config_from_values(st.session_state)
    except ConfigError as exc:
        st.error(str(exc))
        return None
    st.query_params.from_dict(config_to_params(config))  # the address bar reproduces the form
    return config


def main() -> None:
    through_app()
    # First visit in this browser session: the URL (if any) decides the starting values.
    options = select_options()
    if DATASET_KEY not in st.session_state:
        try:
            linked = config_from_params(st.query_params.to_dict())
            check_options(linked, options)
            load_into_form(linked)
        except ConfigError as exc:
            st.warning(f"Ignoring the link's settings: {exc}")
            load_into_form(RunConfig())

    st.title("Train")
    render_setting(
        setting_named("preset"),
        options["preset"],
        on_change=apply_preset,
        format_func=lambda name: name or "(custom)",
    )
    form_col, live_col = st.columns([1, 2], gap="large")
    with form_col:
        config = form(options)
        render_setting(setting_named("name"))
        if st.button(
            "Start training", type="primary", disabled=config is None, icon=":material/play_arrow:"
        ):
            st.session_state[JOB_KEY] = submit_training(config).id
        if config is not None:  # the Sweeps page reads the same URL parameters
            params = config_to_params(config)
            st.page_link("pages/sweeps.py", label="Sweep these settings", query_params=params)
    with live_col:
        live_panel()


def job_controls(job_id: str, status: str) -> None:
    """Pause/Resume and Stop buttons for one job."""
    job = manager.get(job_id)
    left, right = st.columns(2)
    if status == "paused":
        left.button("Resume", on_click=job.resume, icon=":material/play_arrow:", key="resume")
    else:
        left.button(
            "Pause",
            on_click=job.pause,
            disabled=status != "running",
            icon=":material/pause:",
            key="pause",
        )
    right.button(
        "Stop",
        on_click=job.stop,
        disabled=status not in ("running", "paused", "queued"),
        icon=":material/stop:",
        key="stop",
    )


@st.fragment(run_every=1.0)
def live_panel() -> None:
    """Redrawn every second from the job snapshot; never blocks on the training thread."""
    job_id = st.session_state.get(JOB_KEY)
    if job_id is None:
        active = [j for j in manager.jobs() if not j.done]
        if not active:
            st.info("Choose a dataset and a model, then press **Start training**.")
            return
        job_id = active[0].id
        st.caption("Showing the latest training on this server (started from another tab).")
    try:
        snap = manager.get(job_id).snapshot()
    except JobError:
        st.info("That training is no longer in memory; open it from the Runs page.")
        return
    epochs = max(snap["epochs"], 1)
    done = snap["epochs_done"]
    st.progress(
        min(done / epochs, 1.0),
        text=f"{snap['label']}: {snap['status']}, epoch {done}/{snap['epochs']}. {snap['message']}",
    )
    job_controls(job_id, snap["status"])
    if snap["run_id"]:
        st.caption(f"Run `{snap['run_id']}`")
    history = snap["history"]
    st.plotly_chart(plots.loss_curves({snap["label"]: history}), key="live.loss")
    if snap["deaths"]:
        eta = snap["extras"]["config"]["loss"]["eta"]
        left, right = st.columns(2)
        left.plotly_chart(plots.death_histogram(snap["deaths"], float(eta)), key="live.deaths")
        right.plotly_chart(plots.death_stats_figure(history, float(eta)), key="live.stats")
    preview = preview_of(snap)
    if preview is not None:
        original, recon = preview["original"], preview["recon"]
        if original.ndim == 2:
            fig = plots.reconstruction_scatter(original, recon)
        else:
            fig = plots.reconstruction_grid(original, recon)
        st.plotly_chart(fig, key="live.preview")


main()
