"""Pages and the worker pool: run heavy work off the server, wait for it, control owned jobs.

Native or heavy work (training, t-SNE, UMAP, ripser, cross-validation) never runs in the web
server's process: a crash there would end every session. `compute` runs a function in a worker
and waits with a progress bar; `compute_quietly` waits without drawing (for `st.cache_data`
bodies, where drawing would be replayed). `job_buttons` draws Pause / Resume / Stop only for a
job this tab may control (see ui.session).
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from corel_core.analysis.explorer import cached_projection, color_values
from corel_core.embedding import Projection
from corel_core.jobs import Job, call_plain, call_reporting, default_pool
from corel_core.store import Run, RunError, RunStore
from ui.session import may_control, owner_id

POLL_S = 0.25  # how often a waiting page redraws its progress bar


def _submit(
    fn: Any,
    args: tuple,
    kwargs: dict,
    label: str,
    report: str | None,
    key: str | None,
    owner: str | None,
) -> Job:
    body, body_args = (
        (call_plain, (fn, args, kwargs))
        if report is None
        else (call_reporting, (fn, args, kwargs, report))
    )
    return default_pool().submit(
        body, body_args, label=label, lane="quick", owner=owner, key=key, cooperative=False
    )


def compute(
    fn: Any,
    *args: Any,
    label: str,
    report: str | None = None,
    key: str | None = None,
    keep: bool = False,
    **kwargs: Any,
) -> Any:
    """fn(*args, **kwargs) in a worker process, with a progress bar while this page waits.

    `report` names fn's progress-callback argument (called (done, total) or (stage, done,
    total)). With `key`, a tab asking for what another is computing waits for the same job.
    If the page is left meanwhile (a click reruns it), the job is stopped unless `keep` (use
    keep for work whose result is saved to disk anyway). JobFailed (a ValueError) with a
    sentence if the function raised or its worker died.
    """
    job = _submit(fn, args, kwargs, label, report, key, owner_id())
    bar = st.progress(0.0, text=f"{label}: waiting for a free worker…")
    try:
        while not job.wait(POLL_S):
            snap = job.snapshot()
            total = float(snap.get("total") or 0)
            fraction = min(float(snap.get("done") or 0) / total, 1.0) if total > 0 else 0.0
            text = snap.get("message") or ("running" if snap["status"] == "running" else "queued")
            bar.progress(fraction, text=f"{label}: {text}")
    except BaseException:  # the script was interrupted (rerun, page left): nobody waits now
        if not keep and key is None:  # a keyed job may have other tabs waiting for it
            job.stop()
        raise
    bar.empty()
    return job.outcome()


def compute_quietly(fn: Any, *args: Any, label: str, key: str | None = None, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) in a worker process, waiting without drawing or reading the session
    (safe inside an `st.cache_data` body)."""
    return _submit(fn, args, kwargs, label, None, key, None).outcome()


def run_owner(run: Run) -> str | None:
    """The owner id stamped on a run by the tab that started it (None: CLI, older runs)."""
    try:
        owner = run.raw_status().get("owner")
    except RunError:
        return None
    return str(owner) if owner else None


def job_buttons(job: Job, status: str, key: str) -> bool:
    """Pause/Resume and Stop for a job this tab may control; True if they were drawn."""
    if not may_control(job.owner):
        return False
    left, right = st.columns(2)
    if status == "paused":
        left.button(
            "Resume", on_click=job.resume, icon=":material/play_arrow:", key=f"{key}.resume"
        )
    else:
        left.button(
            "Pause",
            on_click=job.pause,
            disabled=status != "running",
            icon=":material/pause:",
            key=f"{key}.pause",
        )
    right.button(
        "Stop",
        on_click=job.stop,
        disabled=status not in ("running", "paused", "queued"),
        icon=":material/stop:",
        key=f"{key}.stop",
    )
    return True


def failure_text(snap: dict[str, Any]) -> str:
    """The sentence a page shows for a job that did not complete."""
    return snap.get("message") or f"it ended with status {snap['status']}."


def ago(stamp: float | None) -> str:
    """'12 s ago' for a job time stamp."""
    if not stamp:
        return ""
    return f"{max(0.0, time.time() - stamp):.0f} s ago"


NATIVE_PROJECTIONS = ("umap", "tsne")  # native code (numba, openTSNE/sklearn) that may crash


@st.cache_data(max_entries=32, show_spinner=False)
def _native_projection(
    root: str, run_id: str, epochs: int, method: str, n_components: int, seed: int, params: tuple
) -> Projection:
    run = RunStore(root).get(run_id)
    z = run.load_latents()["z"]
    return compute_quietly(
        cached_projection,
        run,
        z,
        method,
        n_components=n_components,
        seed=seed,
        label=f"{method} of {run_id}",
        key=f"projection {run_id} {method} {n_components} {seed} {params}",
        **dict(params),
    )


def projection(run: Run, z: Any, method: str, n_components: int = 2, seed: int = 0, **params: Any):
    """`cached_projection` of a run's codes; UMAP and t-SNE run in a worker process (and are
    remembered by this server, so a rerun does not ask a worker again)."""
    if method not in NATIVE_PROJECTIONS:
        return cached_projection(run, z, method, n_components=n_components, seed=seed, **params)
    root = str(run.path.parent)
    items = tuple(sorted(params.items()))
    return _native_projection(root, run.id, len(run.metrics()), method, n_components, seed, items)


@st.cache_data(max_entries=32, show_spinner=False)
def _kde_colors(root: str, run_id: str, epochs: int, seed: int) -> tuple:
    run = RunStore(root).get(run_id)
    latents = run.load_latents()
    label = f"KDE of {run_id}"
    return compute_quietly(color_values, run, latents, "KDE density", seed, label=label)


def colors(run: Run, latents: dict[str, Any], by: str, seed: int = 0) -> tuple:
    """`color_values`; the KDE density colouring (heavy) runs in a worker, remembered here."""
    if by == "KDE density":
        return _kde_colors(str(run.path.parent), run.id, len(run.metrics()), seed)
    return color_values(run, latents, by, seed)
