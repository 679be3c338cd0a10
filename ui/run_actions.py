"""Stop, Delete and Resume for one stored run, offered only to the tab that made it (or an admin).

A run started from the app carries its tab's owner id in status.json (ui.session); runs made by
the CLI or before owners existed carry none and are read-only in the app unless COREL_ACCESS is
"open" or the tab is an admin. The permission is checked again when the button acts, not only
when it is drawn.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from corel_core.jobs import Job, JobError, default_pool
from corel_core.store import RESUMABLE, Run, RunError, RunStore
from corel_core.training.launch import submit_resume
from ui.jobs import job_buttons, run_owner
from ui.session import may_control, owner_id

RESUMED_KEY = "train.job_id"  # the Train page shows this tab's job with this id


def _delete(store: RunStore, run: Run) -> None:
    if not may_control(run_owner(run)):
        st.error("Only the tab that made this run may delete it.")
        return
    try:
        store.delete(run.id)
    except RunError as exc:
        st.error(str(exc))
    else:
        st.toast(f"Deleted {run.id}")
        st.rerun()


def _resume(store: RunStore, run: Run) -> None:
    if not may_control(run_owner(run)):
        st.error("Only the tab that made this run may resume it.")
        return
    try:
        job = submit_resume(run.id, store, owner=owner_id(create=True))
    except (JobError, RunError) as exc:
        st.error(str(exc))
        return
    st.session_state[RESUMED_KEY] = job.id
    st.success("Resuming in a worker process.")
    st.page_link("pages/train.py", label="Watch it on the Train page", icon=":material/monitoring:")


def live_job(run: Run) -> Job | None:
    """The unfinished job of this server that trains `run`, if any."""
    for job in default_pool().jobs(lane="long"):
        if not job.done and job.snapshot().get("run_id") == run.id:
            return job
    return None


def run_actions(store: RunStore, run: Run, where: Any) -> None:
    """Pause/Stop of its live job, Delete (with a confirmation) and Resume in the container
    `where`, or a read-only note."""
    if not may_control(run_owner(run)):
        where.caption("Read-only: another tab or the command line made this run.")
        return
    job = live_job(run)
    if job is not None:
        with where.container():
            job_buttons(job, job.status, key="runs.job")
    with where.popover("Delete", icon=":material/delete:"):
        st.write(f"Delete `{run.id}` and all its files? This cannot be undone.")
        if st.button("Yes, delete", type="primary", key="runs.confirm_delete"):
            _delete(store, run)
    resumable = run.status in RESUMABLE and len(run.metrics()) < run.config.train.epochs
    if resumable and where.button("Resume", icon=":material/restart_alt:", key="runs.resume"):
        _resume(store, run)
