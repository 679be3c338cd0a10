"""Train: configure an autoencoder, run it in the background, watch it learn.

Streamlit reruns this file top to bottom on every click. Training itself runs in a worker process
of the server's job pool, so a rerun, a reload or a second tab never stops it, and a crash in it
ends only that job. The right column (ui.train_live) shows only this tab's own trainings: a
fragment re-renders it every second from the job's snapshot while it runs.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core.config import ConfigError, RunConfig, setting_named
from corel_core.data import DataError, list_datasets, list_uploads, save_upload
from corel_core.data.uploads import describe_upload
from corel_core.presets import PRESETS
from ui.session import TOKEN_PARAM, tab_token, uploads_allowed
from ui.train_form import (
    EXPANDED,
    GROUPS,
    changed_groups,
    config_from_values,
    key_of,
    render_group,
    render_setting,
    values_from_config,
)
from ui.train_live import current_job, is_busy, panel, start
from ui.urlstate import config_to_params, ignored_text, read_link

DATASET_KEY = key_of(setting_named("dataset"))
PRESET_KEY = key_of(setting_named("preset"))


def select_options() -> dict[str, list[str]]:
    """Options of the select settings whose choices are not fixed in the schema."""
    return {"dataset": [*list_datasets(), *list_uploads()], "preset": ["", *PRESETS]}


def load_into_form(config: RunConfig) -> None:
    """Show `config` in the widgets (before they are drawn in this rerun)."""
    st.session_state.update(values_from_config(config))


def keep_upload() -> None:
    """Validate the uploaded file; a good one becomes the dataset, a bad one is only reported."""
    uploaded = st.session_state.get("train.upload")
    if uploaded is None or not uploads_allowed():
        return
    try:
        name = save_upload(uploaded.name, uploaded.getvalue())
        st.session_state[DATASET_KEY] = name
        model = st.session_state.get(key_of(setting_named("model")), "mlp")
        decoder = st.session_state.get(key_of(setting_named("decoder")), "auto")
        st.session_state["train.upload_note"] = describe_upload(name, model, decoder)
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
        disabled=not uploads_allowed(),
        help="A .npz/.npy array (samples × features, or images) or a numeric .csv with an "
        "optional label column. It is checked before it is kept; a good file becomes the dataset."
        + ("" if uploads_allowed() else " Uploads are off in this demo."),
    )
    upload_error = st.session_state.pop("train.upload_error", None)
    if upload_error:
        st.error(f"That file was not used: {upload_error}")
    if upload_note := st.session_state.pop("train.upload_note", None):
        st.success(upload_note)
    opened = changed_groups(st.session_state)  # sections with non-default values start open
    for group in GROUPS:
        with st.expander(group, expanded=group in EXPANDED or group in opened):
            render_group(group, options)
    try:
        config = config_from_values(st.session_state)
    except ConfigError as exc:
        st.error(str(exc))
        return None
    # the address bar reproduces the form (and keeps this tab's session token, ui.session)
    token = tab_token()
    st.query_params.from_dict(
        {**config_to_params(config), **({TOKEN_PARAM: token} if token else {})}
    )
    return config


def main() -> None:
    # First visit in this browser session: the URL (if any) decides the starting values.
    options = select_options()
    if DATASET_KEY not in st.session_state:
        linked, problems = read_link(st.query_params.to_dict(), options)
        load_into_form(linked)
        if problems:
            st.warning(ignored_text(problems))

    st.title("Train")
    render_setting(
        setting_named("preset"),
        options["preset"],
        on_change=apply_preset,
        format_func=lambda name: name or "(custom)",
    )
    form_col, live_col = st.columns([2, 3], gap="medium")  # at 1024 px the form keeps ~280 px
    with form_col:
        start_box = st.container()  # Start stays above the long form; filled once it is read
        config = form(options)
    with start_box:
        render_setting(setting_named("name"))
        busy = is_busy(current_job())
        # The click is read here, not in an on_click callback: a callback would get the config
        # of the previous run, without a setting changed together with the click.
        if st.button(
            "Start training",
            type="primary",
            disabled=config is None or busy,
            icon=":material/play_arrow:",
            help="Trains in a worker process; this tab shows it live. Disabled while this tab's "
            "training runs.",
        ) and start(config):
            st.rerun()  # redraw at once with Start disabled
        # one slot either way: when a job ends, the elements below keep their places and the
        # rerun draws no second "Sweep these settings" beside the stale one
        another = st.empty()
        if busy and another.button(
            "Train another",
            disabled=config is None,
            icon=":material/add:",
            help="Start a second training with these settings while the first one runs.",
        ):
            start(config, another=True)
            st.rerun()
        if config is not None:  # the Sweeps page reads the same URL parameters
            params = config_to_params(config)
            st.page_link("pages/sweeps.py", label="Sweep these settings", query_params=params)
    with live_col:
        panel()


main()
