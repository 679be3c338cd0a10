"""The Train page's right column: this tab's own training, live, with its controls.

A tab shows only trainings it started (its owner id, ui.session): after a reload it finds its
newest one again; other tabs' trainings are only counted. While the job is unfinished a
fragment redraws it every second from `Job.snapshot()`; once it ends the whole page reruns and
the finished job is drawn once, without polling. A job whose worker died shows why, and its run
(now "interrupted") can be resumed from here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from corel_core import plots
from corel_core.config import RunConfig
from corel_core.jobs import ACTIVE, Job, JobError, default_pool
from corel_core.store import RESUMABLE, RunError, RunStore
from corel_core.training.launch import (
    preview_of,
    resume_job,
    submit_resume,
    submit_training,
    train_job,
)
from ui.jobs import failure_text, job_buttons
from ui.live_scatter import draw_codes
from ui.session import may_control, owner_id

JOB_KEY = "train.job_id"  # the job this tab shows
FIGURES_KEY = "train.live_figures"  # (job id, epochs done, preview?) → the figures drawn


def training_jobs(owner: str | None) -> list[Job]:
    """Trainings (new or resumed runs) started by `owner`, newest first."""
    if owner is None:
        return []
    return [j for j in default_pool().jobs(owner=owner) if j.fn in (train_job, resume_job)]


def current_job() -> Job | None:
    """The training this tab shows: the one it chose, else its newest (a reload finds it)."""
    mine = training_jobs(owner_id())
    chosen = st.session_state.get(JOB_KEY)
    job = next((j for j in mine if j.id == chosen), mine[0] if mine else None)
    if job is not None:
        st.session_state[JOB_KEY] = job.id
    return job


def is_busy(job: Job | None) -> bool:
    """Whether the tab's training is still queued, running or paused."""
    return job is not None and job.status in ACTIVE


def start(config: RunConfig, another: bool = False) -> bool:
    """Queue `config` for this tab (one at a time unless `another`); True if it was queued."""
    if not another and is_busy(current_job()):
        return False  # a second click on Start before the page redrew: not a second training
    job = submit_training(config, owner=owner_id(create=True))
    st.session_state[JOB_KEY] = job.id
    return True


def resume(run_id: str) -> None:
    """Button callback: continue this tab's interrupted run in a new job."""
    try:
        job = submit_resume(run_id, owner=owner_id(create=True))
    except (JobError, RunError) as exc:
        st.session_state["train.resume_error"] = str(exc)
        return
    st.session_state[JOB_KEY] = job.id


def panel() -> None:
    """Draw the right column: a chooser among this tab's trainings, then the chosen one."""
    mine = training_jobs(owner_id())
    others = sum(j.status in ACTIVE for j in default_pool().jobs(lane="long")) - sum(
        j.status in ACTIVE for j in mine
    )
    if others > 0:
        st.caption(
            f"{others} other job(s) from other tabs are running or waiting on this server; "
            "they are read-only here (their runs appear on the Runs page)."
        )
    if error := st.session_state.pop("train.resume_error", None):
        st.error(f"The run could not be resumed: {error}")
    job = current_job()
    if job is None:
        st.info("Choose a dataset and a model, then press **Start training**.")
        return
    if len(mine) > 1:  # current_job() has put a valid choice into the widget's state
        names = {j.id: f"{j.label} · {j.status}" for j in mine}
        chosen = st.selectbox("Your trainings", list(names), format_func=names.get, key=JOB_KEY)
        job = next((j for j in mine if j.id == chosen), job)
    if is_busy(job):
        live(job.id)
    else:
        show(job, job.snapshot())


@st.fragment(run_every=1.0)
def live(job_id: str) -> None:
    """Redrawn every second while the job runs; reruns the page once it has ended."""
    try:
        job = default_pool().get(job_id)
    except JobError:
        st.info("That training is no longer in memory; open its run from the Runs page.")
        return
    snap = job.snapshot()
    if snap["status"] not in ACTIVE:
        st.rerun()  # the page redraws the finished job once, without polling
    show(job, snap)


def _resumable(run_id: str | None) -> bool:
    if not run_id:
        return False
    try:
        return RunStore().get(run_id).status in RESUMABLE
    except RunError:
        return False


def _figures(snap: dict[str, Any], log_y: bool = False) -> dict[str, Any]:
    """The panel's figures, rebuilt only when an epoch ended or the axis changed (the fragment
    redraws every second, and building a figure costs ~50 ms of the server's CPU: with a class
    of tabs, that adds up). `log_y`: loss curves on a log axis (the first epoch's loss, often
    far above the rest, no longer flattens them)."""
    preview = preview_of(snap)
    stamp = (snap["id"], snap.get("epochs_done"), preview is not None, log_y)
    cached = st.session_state.get(FIGURES_KEY)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    history = snap.get("history") or []
    loss = plots.loss_curves({snap["label"]: history}, log_y=log_y)
    figures: dict[str, Any] = {"live.loss": loss}
    deaths = snap.get("deaths")
    if deaths:
        loss_cfg = (snap.get("config") or {}).get("loss", {})
        eta, lam = float(loss_cfg.get("eta", 1.0)), float(loss_cfg.get("lambda_conn", 0.0))
        # λ = 0: the worker measured a batch of the fixed codes (corel_core.training.live_codes)
        source = "Last batch" if lam else "λ = 0 batch"  # short: a 390 px column at 1024
        figures["live.deaths"] = plots.death_histogram(deaths, eta, source=source)
        if any("death_mean" in row for row in history):  # per-epoch means: the loss's, λ > 0
            figures["live.stats"] = plots.death_stats_figure(history, eta)
    if preview is not None:
        original, recon = preview["original"], preview["recon"]
        if original.ndim == 2:
            figures["live.preview"] = plots.reconstruction_scatter(original, recon)
        else:
            figures["live.preview"] = plots.reconstruction_grid(original, recon)
    st.session_state[FIGURES_KEY] = (stamp, figures)
    return figures


def show(job: Job, snap: dict[str, Any]) -> None:
    """Progress line, controls, failure sentence, curves, death times and reconstructions."""
    total = int(snap.get("epochs") or 0)  # 0 until the worker has read the config
    done = int(snap.get("epochs_done") or 0)
    where = f"epoch {done}/{total}" if total else "starting"
    st.progress(
        min(done / max(total, 1), 1.0),
        text=f"{snap['label']}: {snap['status']}, {where}. {snap['message']}",
    )
    if snap["status"] in ACTIVE:
        job_buttons(job, snap["status"], key="live")
    if snap["status"] == "queued":  # nothing to draw yet; say where it stands
        ahead = default_pool().ahead_of(job)
        st.caption(
            f"Waiting for a free worker: {ahead} job(s) ahead of it."
            if ahead
            else "Next in line for a worker."
        )
        return
    run_id = snap.get("run_id")
    if snap["status"] == "failed":
        st.error(f"This training failed: {failure_text(snap)}")
        if _resumable(run_id) and may_control(job.owner):
            st.caption(f"Run `{run_id}` kept its saved epochs; resuming continues from there.")
            st.button(
                "Resume",
                on_click=resume,
                args=(run_id,),
                icon=":material/restart_alt:",
                key="live.resume_run",
            )
    if run_id:
        st.caption(f"Run `{run_id}`")
    # The codes first: at 1024 × 768 (a projector) they are what stays in view while it trains.
    draw_codes(snap)  # the latent space, moving once per epoch
    log_y = st.session_state.get("live.log", False)
    figures = _figures(snap, log_y)
    if "live.deaths" in figures:  # one under the other: side by side they get ~190 px at 1024
        st.plotly_chart(figures["live.deaths"], key="live.deaths")
    st.plotly_chart(figures["live.loss"], key="live.loss")
    st.toggle(
        "Log axis", key="live.log", help="Loss curves on a log scale (values ≤ 0 are left out)."
    )
    if "live.stats" in figures:
        st.plotly_chart(figures["live.stats"], key="live.stats")
    if "live.preview" in figures:
        st.plotly_chart(figures["live.preview"], key="live.preview")
