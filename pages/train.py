"""Train: configure an autoencoder, run it in the background, watch it learn.

Streamlit reruns this file top to bottom on every click. Training itself runs in a background
thread owned by the process-wide job manager, so a rerun, a reload or a second tab never stops
it; the live panel is a fragment that re-renders itself every second from the job's snapshot.
"""

from __future__ import annotations

import streamlit as st

from corel_core import plots
from corel_core.config import ConfigError, RunConfig
from corel_core.data import DataError, list_datasets, list_uploads, save_upload
from corel_core.launch import preview_of, submit_training
from corel_core.presets import PRESETS
from corel_core.train_form import FIELDS, GROUPS, config_from_values, values_from_config
from corel_core.training import JobError, default_manager
from corel_core.urlstate import config_from_params, config_to_params
from pages._guard import through_app

through_app()

JOB_KEY = "train.job_id"
manager = default_manager()


def load_into_form(config: RunConfig) -> None:
    """Show `config` in the widgets (before they are drawn in this rerun)."""
    st.session_state.update(values_from_config(config))


def keep_upload() -> None:
    """Validate the uploaded file; a good one becomes the dataset, a bad one is only reported."""
    uploaded = st.session_state.get("train.upload")
    if uploaded is None:
        return
    try:
        st.session_state["form.data.name"] = save_upload(uploaded.name, uploaded.getvalue())
    except DataError as exc:
        st.session_state["train.upload_error"] = str(exc)


def apply_preset() -> None:
    name = st.session_state["train.preset"]
    if name in PRESETS:
        load_into_form(PRESETS[name].config)


# First visit in this browser session: the URL (if any) decides the starting values.
if "form.data.name" not in st.session_state:
    try:
        load_into_form(config_from_params(dict(st.query_params)))
    except ConfigError as exc:
        st.warning(f"Ignoring the link's settings: {exc}")
        load_into_form(RunConfig())

st.title("Train")
st.selectbox(
    "Start from a preset",
    ["(custom)", *PRESETS],
    key="train.preset",
    on_change=apply_preset,
    help="Fill the form with a ready-made configuration; you can still change every field.",
)

choices = {"data.name": (*list_datasets(), *list_uploads())}
form_col, live_col = st.columns([1, 2], gap="large")
with form_col:
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
        with st.expander(group, expanded=group in ("Data", "Model", "Optimiser")):
            for field in (f for f in FIELDS if f.group == group):
                options = choices.get(f"{field.section}.{field.name}", field.choices)
                if field.kind == "choice":
                    st.selectbox(field.label, options, key=field.key, help=field.help)
                elif field.kind == "ints":
                    st.text_input(field.label, key=field.key, help=field.help)
                elif field.kind == "int":
                    st.number_input(
                        field.label,
                        key=field.key,
                        help=field.help,
                        step=1,
                        min_value=field.minimum,
                        max_value=field.maximum,
                    )
                else:
                    st.number_input(
                        field.label,
                        key=field.key,
                        help=field.help,
                        format="%g",
                        min_value=field.minimum,
                        max_value=field.maximum,
                    )
    config: RunConfig | None = None
    try:
        config = config_from_values(dict(st.session_state))
        st.query_params.from_dict(config_to_params(config))
    except ConfigError as exc:
        st.error(str(exc))
    st.text_input("Run name (optional)", key="train.name", help="A label shown in the run list.")
    if st.button(
        "Start training", type="primary", disabled=config is None, icon=":material/play_arrow:"
    ):
        config = config.replace(name=st.session_state.get("train.name", "") or "")
        st.session_state[JOB_KEY] = submit_training(config).id


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


with live_col:
    live_panel()
