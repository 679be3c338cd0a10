"""Task dependency: how much a (C)VAE's code reveals the task, and what the optimal prior changes.

Start queues `run_taskdep` as a background job; the progress panel is a fragment that re-reads
the experiment's progress.json every second (so a reload or a second tab sees it too). Finished
experiments live next to the runs and are reopened from the list, bound to the URL (?exp=ID).
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import zlib
from datetime import datetime

import numpy as np
import pandas as pd
import streamlit as st

from corel_core import plots
from corel_core.config import ConfigError
from corel_core.embedding import project
from corel_core.plots.mi import likelihood_figure, ratio_fidelity_bars
from corel_core.studies.taskdep import (
    TASK_PAIRS,
    TaskDepConfig,
    TaskDepResult,
    TaskDepStore,
    report,
)
from corel_core.studies.taskdep.background import find_job, settle, start_taskdep_job
from corel_core.studies.taskdep.progress import stage_text
from ui.jobs import failure_text
from ui.session import may_control, owner_id


@st.fragment(run_every=1.0)
def progress_panel(store: TaskDepStore, exp_id: str, listed: str) -> None:
    """Per-stage progress from progress.json; reruns the whole page once the result exists or
    the status differs from `listed` (the one the experiment picker shows)."""
    prog = store.read_progress(exp_id) or {}
    status = prog.get("status", "unknown")
    if store.load_result(exp_id) is not None or status != listed:
        st.rerun()
    st.markdown(f"**Status:** {status}. {prog.get('message', '')}")
    stages = prog.get("stages", {})
    for stage in [s for s in prog.get("order", []) if s in stages] or list(stages):
        done, total = stages[stage]
        st.progress(min(done / max(total, 1), 1.0), text=stage_text(stage, done, total))
    job = find_job(exp_id)  # runs in a worker process; only the tab that started it may stop it
    if job is not None and not job.done:
        if may_control(job.owner):
            st.button("Stop", on_click=job.stop, icon=":material/stop:", key="td.stop")
        else:
            st.caption("Started from another tab: read-only here.")
    elif job is not None and job.status == "failed":
        st.error(f"The experiment failed: {failure_text(job.snapshot())}")
    elif status in ("running", "queued"):
        st.warning("No live job computes this experiment (the app may have restarted).")


def show_fidelity(result: TaskDepResult) -> None:
    """T's fidelity: a warning when it recovers < 90 % of KL(q(z)‖p(z)), else a success note."""
    ok, note = report.fidelity_note(result)
    if not note:
        return
    if ok:
        st.success(note, icon=":material/check:")
    else:
        st.warning(note, icon=":material/warning:")


def show_comparison(result: TaskDepResult) -> None:
    """Over how many seeds the optimal prior beat the CVAE, beside T's per-seed fidelity bars."""
    cmp = report.comparison(result)
    per_seed = report.fidelity_per_seed(result)
    if not cmp["seeds"] and not per_seed:
        return
    left, right = st.columns(2)
    if per_seed:
        with left:
            pairs = {name: (f["e_q_t"], f["kl_exact"]) for name, f in per_seed.items()}
            st.plotly_chart(ratio_fidelity_bars(pairs))
            st.caption(report.METRIC_HELP["ratio_fidelity"])
    if cmp["seeds"]:
        n = cmp["seeds"]
        with right:  # the sentence beside the chart, the table under both (full width)
            st.markdown(
                f"**Optimal prior vs CVAE**, per seed: held-out I(S;Z) lower in "
                f"{cmp['mi_lower']}/{n} (mixture bound) and {cmp['mi_classifier_lower']}/{n} "
                f"(classifier bound); target log-likelihood under its own prior higher in "
                f"{cmp['ll_higher']}/{cmp['ll_seeds']}."
            )
        st.dataframe(
            cmp["per_seed"],
            hide_index=True,
            column_config={
                "seed": st.column_config.NumberColumn("Seed", format="%d"),
                "d_mi_mixture_held_out": st.column_config.NumberColumn(
                    "Δ I(S;Z), mixture held-out", format="%.3f"
                ),
                "d_mi_classifier": st.column_config.NumberColumn(
                    "Δ I(S;Z), classifier", format="%.3f"
                ),
                "d_ll_target_own_prior": st.column_config.NumberColumn(
                    "Δ ln p(x) target, own prior", format="%.2f"
                ),
            },
        )
        st.caption(
            "Differences optimal prior − CVAE per seed (nats): negative I(S;Z) and positive "
            "log-likelihood differences are the paper's claim."
        )


def numbers_table(result: TaskDepResult) -> pd.io.formats.style.Styler:
    """All numbers; a "≤ 0" bound keeps its raw value as a hover tooltip."""
    shown = pd.DataFrame(report.table_rows(result, with_help=True))
    raw = pd.DataFrame(report.table_raw(result)).reindex(columns=shown.columns)
    tips = raw.where(shown == report.NO_EVIDENCE, "").fillna("")
    tips = tips.map(lambda v: f"raw value {v} nats" if v else "")
    return shown.style.set_tooltips(tips)


def show_result(store: TaskDepStore, exp_id: str, result: TaskDepResult) -> None:
    """Figures side by side, each with a sentence saying what it means."""
    if not any(result.records.values()):  # stopped (or failed) before any model was scored
        st.info(
            f"This experiment ended ({result.status}) before any model was scored: "
            f"{result.message or 'no numbers to show.'} Press **Start** for a new one."
        )
        return
    data = result.data
    st.caption(
        f"{result.config.source} → {result.config.target}: trained on "
        f"{data.get('n_train_source')} + {data.get('n_train_target')} samples, scored on "
        f"{data.get('n_held_out_source')} + {data.get('n_held_out_target')} held-out samples; "
        f"{len(result.config.seeds)} seed(s), {result.seconds:.0f} s. Status: {result.status}."
    )
    show_fidelity(result)
    show_comparison(result)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.decomposition_bars(report.decomposition_rows(result)))
        st.caption(report.METRIC_HELP["decomposition"])
    with right:
        fig = plots.mi_estimates_figure(
            report.mi_rows(result),
            h_s=report.held_out_entropy(result),
            bounds=report.bound_labels(),
        )
        st.plotly_chart(fig)
        st.caption(
            "Bars: mean over seeds, error bars ± 1 sd (one seed: the estimator's 95 % interval). "
            + report.METRIC_HELP["classifier"]
            + " "
            + report.METRIC_HELP["bounds"]
        )
    left, right = st.columns(2)
    with left:
        task = st.radio("Images", ["target", "source", "pooled"], horizontal=True, key="td.ll")
        st.plotly_chart(likelihood_figure(report.likelihood_rows(result, task)))
        st.caption(report.METRIC_HELP["log_likelihood"])
    with right:
        clf = st.radio("Classifier", ["logistic", "knn"], horizontal=True, key="td.acc")
        values = report.metric_values(result, f"accuracy.{clf}")
        st.plotly_chart(plots.metric_bars(values, "Target accuracy", "accuracy"))
        st.caption(report.METRIC_HELP["accuracy"])
    latents = store.load_latents(exp_id)
    kinds = [k for k in result.records if f"z_{k}" in latents]
    if kinds:
        kind = st.selectbox("Latents of", kinds, format_func=report.label, key="td.latent")
        proj = project(latents[f"z_{kind}"], "pca", 2)
        names = np.array(data.get("task_names") or ["source", "target"])
        task_ids = latents["task"] if proj.indices is None else latents["task"][proj.indices]
        title = (
            f"Held-out posterior means by task (PCA), {report.label(kind)}, "
            f"seed {result.config.seeds[0]}"
        )
        st.plotly_chart(plots.latent_scatter(proj.coords, names[task_ids], "task", title=title))
        st.caption(
            "Where the two tasks sit apart, the code reveals the task. These are posterior means "
            "(I(S;μ)); the estimates above use sampled codes z ~ q(z|x,s)."
        )
    st.subheader("All numbers")
    st.caption("Mean ± sd over seeds, nats unless noted. Hover a “≤ 0” cell for its raw value.")
    st.table(numbers_table(result))
    st.download_button(
        "Download result JSON", result.to_json(), f"taskdep-{exp_id}.json", "application/json"
    )


def intro() -> None:
    """Title, the question and the two theorems."""
    st.title("Task dependency")
    st.markdown(
        "A **source** task with thousands of samples and a **target** task with only ~100: a VAE "
        "ignores which task a sample came from, a CVAE conditions on it, and the CVAE with the "
        "*optimal prior* replaces N(0, I) by the aggregated posterior q(z) (Takahashi et al., KDD "
        "2022). How much does each code still depend on the task, and which fits unseen samples "
        "best? The default set is built in (synthetic: a shared 2-D latent rendered differently "
        "per task); the MNIST pairs need the MNIST files."
    )
    with st.expander("The two theorems", expanded=False):
        st.markdown("**Theorem 1** splits the CVAE's KL regulariser exactly:")
        st.latex(
            r"R=\mathbb{E}_{p(x,s)}\,\mathrm{KL}\big(q(z|x,s)\,\|\,p(z)\big)"
            r"= I(S;Z)+\mathrm{KL}\big(q(z)\,\|\,p(z)\big)+\sum_k \pi_k\, I(X;Z\mid S=k)"
        )
        st.markdown(
            "With the fixed prior p(z) = N(0, I), the term KL(q(z)‖p(z)) trades against "
            "I(S;Z): the N(0, I) prior is one *cause* of the task dependency a CVAE's code "
            "keeps, not a cure."
        )
        st.markdown("**Theorem 2**: with the prior set to q(z) the bound only gets better,")
        st.latex(
            r"\mathcal{F}_{\text{proposed}}=\mathcal{F}_{\text{CVAE}}"
            r"+\mathrm{KL}\big(q(z)\,\|\,p(z)\big)\;\ge\;\mathcal{F}_{\text{CVAE}}"
        )
        st.markdown("and the regulariser becomes I((X,S);Z): no term trades against I(S;Z).")


def controls(store: TaskDepStore) -> None:
    """Source, target, sizes and Start (a job of this tab, bound to the URL as ?exp=ID)."""
    default = TaskDepConfig()  # the page starts from the experiment's own defaults
    sources = sorted({s for s, _ in TASK_PAIRS})
    cols = st.columns(5)
    source = cols[0].selectbox(
        "Source task",
        sources,
        index=sources.index(default.source) if default.source in sources else 0,
        key="td.source",
    )
    targets = sorted(t for s, t in TASK_PAIRS if s == source)
    target = cols[1].selectbox(
        "Target task",
        targets,
        index=targets.index(default.target) if default.target in targets else 0,
        key=f"td.target.{source}",
    )
    pair_default = TaskDepConfig.for_pair(source, target)  # e.g. MNIST pairs train 20 epochs
    n_target = cols[2].number_input(
        "Target samples",
        10,
        1000,
        pair_default.n_target,
        step=10,
        key="td.n_target",
        help="Training samples (images or points) of the target task.",
    )
    seeds = cols[3].number_input(
        "Seeds", 1, 10, len(default.seeds), key="td.seeds", help="Repeats with seeds 0..N-1."
    )
    epochs = cols[4].number_input(
        "Epochs",
        1,
        200,
        pair_default.epochs,
        key=f"td.epochs.{source}",  # a new source starts from its own default
        help="Per model and seed.",
    )
    config = None
    try:
        config = TaskDepConfig.for_pair(
            source, target, n_target=int(n_target), seeds=int(seeds), epochs=int(epochs)
        )
    except ConfigError as exc:
        st.error(str(exc))
    st.caption(
        "Each seed trains 3 models on the same data and scores them on held-out data: about half "
        "a minute per seed for the built-in synthetic pair, 3–4 minutes per seed for MNIST → "
        "digits on a 2-core CPU."
    )
    shown = st.query_params.get("exp")
    job = find_job(shown) if shown else None
    mine = job is not None and not job.done and may_control(job.owner)
    if mine:
        st.caption("This tab's experiment is running below: stop it or wait to start another.")
    if st.button(
        "Start", type="primary", disabled=config is None or mine, icon=":material/play_arrow:"
    ):
        try:
            _, exp_id = start_taskdep_job(
                config, root=store.root.parent, owner=owner_id(create=True)
            )
            st.query_params["exp"] = exp_id
        except ValueError as exc:
            st.error(str(exc))


def experiment_title(row: dict) -> str:
    """ "synthetic → shifted · 3 seeds · 30 Nov 14:02" for a row of TaskDepStore.list()."""
    stamp = row["id"][:15]  # ids start with the creation time, YYYYMMDD-HHMMSS
    try:
        when = datetime.strptime(stamp, "%Y%m%d-%H%M%S").strftime("%d %b %H:%M")
    except ValueError:
        when = row["id"]
    seeds = row.get("seeds") or 0
    return f"{row['source']} → {row['target']} · {seeds} seed{'s' if seeds != 1 else ''} · {when}"


def choose_experiment(store: TaskDepStore) -> tuple[str, str] | None:
    """The experiment to show (the URL's, else the newest) and the status its picker shows;
    None when there is none yet."""
    settle(store)  # a job that ended without writing its end (killed, stopped while queued)
    rows = store.list()
    ids = [r["id"] for r in rows]
    status_of = {r["id"]: r["status"] for r in rows}
    title_of = {r["id"]: experiment_title(r) for r in rows}
    wanted = st.query_params.get("exp")
    if not ids:
        st.info("No experiments yet: choose the tasks and press **Start**.")
        return None
    chosen = st.selectbox(
        "Experiment",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda i: f"{title_of[i]} · {status_of[i]}",
        # the statuses are part of the key so that a finished experiment's label is redrawn
        key=f"td.exp.{wanted}.{zlib.crc32(repr(sorted(status_of.items())).encode())}",
    )
    if chosen != wanted:
        st.query_params["exp"] = chosen
    return chosen, status_of[chosen]


def main() -> None:
    store = TaskDepStore()
    intro()
    controls(store)
    picked = choose_experiment(store)
    if picked is None:
        return
    chosen, listed = picked
    raw = store.load_result(chosen)
    if raw is None:
        progress_panel(store, chosen, listed)
    else:
        try:
            show_result(store, chosen, TaskDepResult.from_dict(raw))
        except ValueError as exc:
            st.error(f"This experiment cannot be shown: {exc}")


main()
