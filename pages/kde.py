"""KDE: bandwidth rules, density maps and the one-class protocol on a run's latent codes.

Bandwidth rules side by side show why one global bandwidth fails when cluster scales differ;
the one-class section runs the COREL protocol (ball counts of radius η against KDE and OC-SVM),
official (references from the run's training images) or split-half (ours), as a background
job in a worker process (so is the bandwidth cross-validation), so the page stays responsive,
shows progress while it works, and a crash there ends only that job. The n choices come from
the data (only values every class can draw); finished evaluations are cached in the run folder
per protocol, so a reload shows them at once. The Evaluate button is only ever disabled with a
caption saying why.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core import plots
from corel_core.analysis.catalog import analysable_runs
from corel_core.analysis.kde_views import KDEViews, kde_views
from corel_core.analysis.oneclass import cached_one_class, evaluated_rows, load_protocol_data
from corel_core.data import list_datasets
from corel_core.density import SCORERS
from corel_core.density.oneclass import PROTOCOLS
from corel_core.store import RunStore
from ui.jobs import compute_quietly
from ui.oneclass_job import JOB_KEY, poll_job, reattach, submit_job
from ui.pagestate import Param, publish, restore
from ui.session import owner_id


@st.cache_data(
    show_spinner="Estimating densities (once per run and settings, then cached)…", max_entries=16
)
def cached_kde(root: str, run_id: str, epochs: int, max_points: int, seed: int) -> KDEViews:
    """kde_views of a run (cross-validation in a worker), cached per run, epochs and parameters."""
    run = RunStore(root).get(run_id)
    return compute_quietly(
        kde_views, run, max_points=max_points, seed=seed, label=f"KDE views of {run_id}"
    )


def show_bandwidths(store: RunStore, runs: dict[str, str]) -> None:
    """Bandwidth bars across runs, per-class bandwidths, density maps and log-density histograms."""
    st.header("Bandwidth rules")
    chosen = st.multiselect(
        "Runs",
        list(runs),
        format_func=runs.get,
        max_selections=3,
        key="kde.runs",
        help="E.g. one run with the connectivity loss (λ > 0) and one without.",
    )
    max_points = st.select_slider(
        "Codes used",
        [500, 1000, 2000, 5000],
        key="kde.max_points",
        help="A seeded random subsample of the cached codes (cross-validation grows with it).",
    )
    if not chosen:
        return
    views: dict[str, KDEViews] = {}
    for run_id in chosen:
        run = store.get(run_id)
        try:
            views[run_id] = cached_kde(str(store.root), run_id, len(run.metrics()), max_points, 0)
        except ValueError as exc:
            st.error(f"{runs[run_id]}: {exc}")
    if not views:
        return
    overall = [
        {**row, "group": runs[run_id]}
        for run_id, v in views.items()
        for row in v.bandwidths
        if row["scope"] == "all"
    ]
    st.plotly_chart(
        plots.bandwidth_bars(overall, title="One bandwidth for all codes"), key="kde.bw_all"
    )
    st.caption(
        "Scott: σ·n^(−1/(d+4)); Silverman: σ·(n(d+2)/4)^(−1/(d+4)), the same bar when d = 2; "
        "η rule: a kernel that reaches η/2 on average; CV: the best held-out likelihood."
    )
    for run_id, v in views.items():
        st.subheader(runs[run_id])
        per_class = [r for r in v.bandwidths if r["scope"] != "all"]
        if per_class:
            st.plotly_chart(
                plots.bandwidth_bars(
                    per_class, title="Per-class bandwidths: do the scales differ?"
                ),
                key=f"kde.bw_class.{run_id}",
            )
        left, right = st.columns(2)
        xs, ys, logp = v.grid
        where = "2-D codes" if v.projection == "raw" else f"PCA of {v.dims}-D codes"
        left.plotly_chart(
            plots.density_map(xs, ys, logp, v.coords[:1000], title=f"Scott KDE on {where}"),
            key=f"kde.map.{run_id}",
        )
        right.plotly_chart(
            plots.log_density_histograms(
                v.class_scores, title=f"Held-out log density per class ({v.dims}-D Scott KDE)"
            ),
            key=f"kde.hist.{run_id}",
        )
        for note in v.notes:
            st.caption(note)


PROTOCOL_LABELS = {
    "official": "official (references from the run's training images)",
    "split-half": "split-half (ours: references from the split's first half)",
}


@st.cache_data(show_spinner="Reading the evaluation data (once per choice)…", max_entries=32)
def cached_plan(
    root: str, run_id: str, dataset: str, split: str, protocol: str, data_dir: str | None
) -> dict:
    """n choices, provenance and notes of a protocol on a run (loads data, encodes nothing)."""
    data = load_protocol_data(RunStore(root).get(run_id), dataset, split, protocol, data_dir)
    choices = data.choices()
    return {
        "choices": list(choices.choices),
        "default": choices.default,
        "note": choices.note,
        "notes": data.notes(),
        "provenance": data.provenance,
    }


def _where(provenance: dict) -> str:
    """One sentence: where references were drawn from and what was scored."""
    ref, scored = provenance["reference"], provenance["scored"]
    return (
        f"References: {ref['dataset']} split '{ref['split']}' ({ref['part']}, "
        f"{ref['images']} images); scored: {scored['dataset']} split '{scored['split']}' "
        f"({scored['part']}, {scored['images']} images)."
    )


def compare_evaluated(
    store: RunStore, runs: dict[str, str], n: int, reps: int, seed: int, split: str, protocol: str
) -> None:
    """The runs already evaluated with these settings, side by side (λ = 0 next to λ = 20)."""
    rows = evaluated_rows(store, runs, n, reps, seed, split, protocol)
    if len(rows) < 2:
        return
    st.markdown(f"**Runs evaluated with these settings** (n = {n}, {reps} runs, split {split})")
    score = {k: st.column_config.NumberColumn(k, format="%.3f") for k in rows[0] if "AUROC" in k}
    st.dataframe(rows, hide_index=True, column_order=["run", *score], column_config=score)


def show_one_class(store: RunStore, runs: dict[str, str]) -> None:
    """Controls, background evaluation and results of the one-class protocol."""
    st.header("One-class scoring")
    st.markdown(
        "Per class, n codes of that class score every scored code: *count* = number of l1 balls "
        "of radius η holding it (per branch, the official score), *kde* = Scott KDE log density, "
        "*ocsvm* = one-class SVM. AUROC with the class as inliers, mean over runs then classes. "
        "**Official** protocol (the authors' code): the n codes come from the images the run "
        "**trained** on and the whole evaluation split is scored. **Split-half** (ours): they "
        "come from the split's first half and its second half is scored, so references and "
        "scored codes are equally unseen; that hides how far unseen codes lie from training codes."
    )
    run_id = st.selectbox(
        "Run",
        list(runs),
        format_func=runs.get,
        key="kde.oc_run",
        help="The autoencoder whose codes are scored.",
    )
    cfg = store.get(run_id).config
    names = list_datasets()
    protocol = st.radio(
        "Protocol",
        list(PROTOCOLS),
        format_func=PROTOCOL_LABELS.get,
        horizontal=True,
        key="kde.oc_protocol",
        help="Official = Hofer et al.'s evaluation code; split-half = this lab's earlier variant.",
    )
    c1, c2, c3, c4, c5 = st.columns(5)
    dataset = c1.selectbox(
        "Evaluation dataset",
        names,
        index=names.index(cfg.data.name) if cfg.data.name in names else 0,
        key=f"kde.oc_data.{run_id}",  # per run: each starts on the dataset it trained on
        help="Must have the input shape the run was trained on (MNIST protocol: mnist).",
    )
    split = c2.selectbox(
        "Split",
        ["eval", "all", "aux"],
        key="kde.oc_split",
        help="The split that is scored. MNIST protocol: train on 'aux' (first 5,000 test "
        "images), evaluate on 'eval' (last 5,000).",
    )
    data_dir = st.text_input(
        "Data folder",
        cfg.data.data_dir or "",
        key=f"kde.oc_dir.{run_id}",
        help="Folder with the dataset files; empty = the default data folder.",
    )
    try:
        plan = cached_plan(
            str(store.root), run_id, dataset, split, protocol, data_dir or cfg.data.data_dir
        )
    except ValueError as exc:
        st.error(str(exc))
        plan = None
    choices = plan["choices"] if plan else []
    if choices and st.session_state.get("kde.oc_n") not in choices:
        st.session_state["kde.oc_n"] = plan["default"]  # the data changed: preselect a fit
    n = c3.selectbox(
        "n per class",
        choices,
        key="kde.oc_n",
        disabled=not choices,
        help="Reference codes per class (the paper's grid: 80, 120, 500; only values every "
        "class can draw are offered).",
    )
    reps = c4.number_input(
        "Runs",
        min_value=1,
        max_value=20,
        key="kde.oc_runs",
        help="Repetitions with fresh in-class samples (the paper uses 5).",
    )
    seed = c5.number_input(
        "Seed", min_value=0, max_value=10_000, key="kde.oc_seed", help="Seed of the draws."
    )
    if plan:
        st.caption(_where(plan["provenance"]))
        for note in ([plan["note"]] if plan["note"] else []) + plan["notes"]:
            st.caption(note)
    if err := st.session_state.pop("kde.job_error", None):
        st.error(err)
    result = None
    reason = None
    if plan is None:
        reason = "Nothing to evaluate until the problem above is fixed."
    elif not choices:
        reason = plan["note"]
    else:
        params = {
            "eval_dataset": dataset,
            "data_dir": data_dir or None,
            "n": int(n),
            "runs": int(reps),
            "seed": int(seed),
            "split": split,
            "protocol": protocol,
        }
        try:
            result = cached_one_class(
                store.get(run_id), dataset, int(n), int(reps), int(seed), split, protocol
            )
        except ValueError as exc:
            st.error(str(exc))
        if result is not None:
            reason = (
                "Evaluated with these settings: the result below is kept in the run folder. "
                "Change a setting to evaluate again."
            )
    reattach()
    if JOB_KEY in st.session_state:
        poll_job()
    else:
        if st.button(
            "Evaluate",
            icon=":material/play_arrow:",
            key="kde.oc_go",
            disabled=reason is not None,
            help=reason or "Runs in the background; cached in the run folder once done.",
        ):
            submit_job(run_id, params)
            st.rerun()
        if reason is not None:
            st.caption(reason)
    compare_evaluated(store, runs, int(n or 0), int(reps), int(seed), split, protocol)
    if result is None:
        return
    st.markdown(
        f"**{result.protocol or 'unnamed'} protocol**, n = {result.n}, {result.runs} runs, "
        f"{result.n_test} scored codes: mean ± sd over runs of the class-mean AUROC."
    )
    rows = [
        {
            "scorer": r["scorer"],
            "mean AUROC": None if r["mean"] is None else round(r["mean"], 4),
            "sd": None if r["sd"] is None else round(r["sd"], 4),
            "worst class": r.get("worst_class"),
            "best class": r.get("best_class"),
        }
        for r in result.summary()
    ]
    st.dataframe(rows, hide_index=True)
    for note in result.notes:
        st.warning(note)
    classes = [str(c) for c in result.classes]
    st.plotly_chart(
        plots.auroc_bars(
            {s: result.per_class(s) for s in result.scorers},
            {s: result.per_class_sd(s) for s in result.scorers},
            classes,
        ),
        key="kde.oc_bars",
    )
    pick = st.selectbox(
        "ROC curves of class",
        classes,
        key="kde.oc_class",
        help="Curves of the first of the runs, one per scorer.",
    )
    k = classes.index(pick)
    curves = {
        s: (*result.roc[s][k], float(result.auroc[s][k, 0]))
        for s in SCORERS
        if s in result.roc and len(result.roc[s]) > k and len(result.roc[s][k][0])
    }
    st.plotly_chart(
        plots.roc_curves(curves, title=f"ROC, class {pick} as inliers"), key="kde.oc_roc"
    )


def main() -> None:
    st.title("Density")
    st.markdown(
        "Kernel density estimates on latent codes: how bandwidth rules disagree, what the "
        "connectivity loss does to the density, and how well counts of balls of radius η "
        "separate one class from the rest (Hofer et al., ICML 2019)."
    )
    store = RunStore()
    runs = analysable_runs(store, owner_id())
    if not runs:
        st.info(
            "No finished run with saved latents yet. Train one on the Train page or with "
            "`python -m corel_core train --preset toy_connectivity`."
        )
        return
    bound = url_params(runs)
    for note in restore(bound):  # a link's values fill the widgets on the first render
        st.warning(f"Part of the link was ignored: {note}")
    publish(bound)  # now, not only after the slow sections below: the address is shareable
    show_bandwidths(store, runs)
    st.divider()
    show_one_class(store, runs)
    publish(bound)  # and again with anything the sections changed


def url_params(runs: dict[str, str]) -> list[Param]:
    """The page's state in its address: compared runs, codes used and the one-class settings."""

    def offered() -> list[str]:  # the runs on offer when the link is read
        return list(runs)

    return [
        Param("runs", "kde.runs", "strs", lambda: list(runs)[:2], offered),
        Param("codes", "kde.max_points", "int", 2000, lambda: [500, 1000, 2000, 5000]),
        Param("run", "kde.oc_run", "str", lambda: next(iter(runs)), offered),
        Param("protocol", "kde.oc_protocol", "str", PROTOCOLS[0], lambda: list(PROTOCOLS)),
        Param("split", "kde.oc_split", "str", "eval", lambda: ["eval", "all", "aux"]),
        Param("n", "kde.oc_n", "int", None),
        Param("reps", "kde.oc_runs", "int", 5),
        Param("seed", "kde.oc_seed", "int", 0),
    ]


main()
