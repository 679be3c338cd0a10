"""The Density page's one-class evaluation as a job of the worker pool, owned by the tab.

`evaluate_one_class` runs in a worker process (it never looks at a stop switch, so Stop ends
its process); the page polls it in a fragment and reruns once it ends. The result is cached in
the run folder by evaluate_one_class itself, which is where the page reads it from.
"""

from __future__ import annotations

import streamlit as st

from corel_core.analysis.oneclass import evaluate_one_class
from corel_core.jobs import JobError, call_reporting, default_pool
from corel_core.store import RunStore
from ui.jobs import failure_text
from ui.session import owner_id

JOB_KEY = "kde.oneclass_job"
ERROR_KEY = "kde.job_error"
ONE_CLASS = "one-class "  # label prefix of this page's jobs


def submit_job(run_id: str, params: dict) -> None:
    """Start evaluate_one_class in a worker process, owned by this tab."""
    run = RunStore().get(run_id)
    job = default_pool().submit(
        call_reporting,
        (evaluate_one_class, (run,), params, "progress"),
        label=ONE_CLASS + run_id,
        owner=owner_id(create=True),
        cooperative=False,  # it never looks at a stop switch: Stop ends its process
    )
    st.session_state[JOB_KEY] = job.id


def reattach() -> None:
    """After a reload, show this tab's unfinished evaluation again."""
    owner = owner_id()
    if JOB_KEY in st.session_state or owner is None:
        return
    for job in default_pool().jobs(owner=owner):
        if job.label.startswith(ONE_CLASS) and not job.done:
            st.session_state[JOB_KEY] = job.id
            return


@st.fragment(run_every=1.0)
def poll_job() -> None:
    """Redraw the job's progress every second; rerun the whole page when it ends."""
    job_id = st.session_state.get(JOB_KEY)
    try:
        job = default_pool().get(job_id)
    except JobError:
        st.session_state.pop(JOB_KEY, None)
        return
    snap = job.snapshot()
    if snap["status"] in ("queued", "running", "paused"):
        total = float(snap.get("total") or 0)
        fraction = min(float(snap.get("done") or 0) / total, 1.0) if total else 0.0
        text = f"{round(100 * fraction)} % scored" if total else "encoding the codes…"
        st.progress(fraction, text=text if snap["status"] != "queued" else "waiting for a worker")
        st.button("Stop", on_click=job.stop, icon=":material/stop:", key="kde.oc_stop")
        return
    st.session_state.pop(JOB_KEY, None)
    if snap["status"] != "completed":
        st.session_state[ERROR_KEY] = failure_text(snap)
    st.rerun()
