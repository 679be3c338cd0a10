"""Persistence: what the connectivity loss does to the topology of a run's latent space.

Barcodes and diagrams of one batch of b codes against N ≫ b codes, the densification of nearest-
neighbour distances as N grows, and the tutorial's three-Gaussians toy reproduced in one click.
Expensive results are computed in a worker process (ripser is native code: a crash there ends one
job, not the server) and cached per (run, epochs trained, parameters) with st.cache_data, so a
rerun caused by any widget only recomputes what its parameters changed.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core import plots
from corel_core.analysis.catalog import analysable_runs, run_label
from corel_core.analysis.errors import LabError
from corel_core.analysis.persistence_views import PersistenceViews, densification, persistence_views
from corel_core.store import Run, RunStore
from corel_core.studies.toy import SNAPSHOT_EPOCHS, load_toy_result, run_toy, toy_runs
from ui.jobs import compute, compute_quietly
from ui.pagestate import Param, publish, restore
from ui.session import owner_id
from ui.tables import show_table

SIZES = (100, 500, 1000, 2000, 5000, 10000)


@st.cache_data(
    show_spinner="Computing persistence diagrams (once per run and settings)…", max_entries=32
)
def cached_views(
    root: str, run_id: str, epochs: int, n_batch: int, n_large: int, seed: int, branch: int | None
):
    """persistence_views of a run, cached per run, epochs trained and parameters."""
    run = RunStore(root).get(run_id)
    return compute_quietly(
        persistence_views, run, n_batch, n_large, seed, branch=branch, label=f"diagrams of {run_id}"
    )


@st.cache_data(
    show_spinner="Measuring nearest-neighbour distances (once per run and settings)…",
    max_entries=32,
)
def cached_densification(
    root: str, run_id: str, epochs: int, sizes: tuple[int, ...], seed: int, branch: int | None
):
    """densification of a run, cached per run, epochs trained and parameters."""
    run = RunStore(root).get(run_id)
    return compute_quietly(
        densification, run, sizes, seed, branch=branch, label=f"densification of {run_id}"
    )


def branch_of(run: Run, choice: str) -> int | None:
    """The branch index a selector value means for this run (None = all dims)."""
    return None if choice == "all dims" else min(int(choice), run.config.model.branches - 1)


def url_params(runs: dict[str, str]) -> list[Param]:
    """The page's state in its address: runs, b, N, branch and seed."""
    return [
        Param("runs", "persistence.runs", "strs", lambda: list(runs)[:1], lambda: list(runs)),
        Param("b", "persistence.b", "int", 100),
        Param("N", "persistence.N", "int", 2000, lambda: [500, 1000, 2000, 5000]),
        Param("branch", "persistence.branch", "str", "0", lambda: ["0", "1", "all dims"]),
        Param("seed", "persistence.seed", "int", 0),
    ]


def views_for(
    store: RunStore, run_id: str, n_batch: int, n_large: int, seed: int, choice: str
) -> PersistenceViews:
    """Cached persistence views of a run for the page's parameters."""
    run = store.get(run_id)
    epochs = len(run.metrics())
    branch = branch_of(run, choice)
    return cached_views(str(store.root), run_id, epochs, n_batch, n_large, seed, branch)


def show_toy(store: RunStore) -> None:
    """The tutorial toy: a button that trains it and the latest toy run's snapshots and numbers."""
    st.header("Toy preset: the official tutorial")
    st.markdown(
        "Three 2-D Gaussians (3 × 500 points, standard deviations 1, 3, 0.5) go through an MLP "
        "2→10→10→2 trained on the connectivity loss **alone** (b = 50, η = 2, 50 epochs). Death "
        "times of each batch move toward η; in 2-D with b = 50, packing keeps them from "
        "reaching it."
    )
    if st.button(
        "Run the toy preset",
        icon=":material/play_arrow:",
        key="persistence.toy_run",
        help="Trains the toy preset (a few seconds on 2 CPU cores) and saves the run with "
        "its snapshots in the run store.",
    ):
        with st.status("Training the toy…", expanded=True) as status:
            try:  # trains in a worker process; the run and its snapshots land in the store
                result = compute(run_toy, store, label="toy preset", report="progress", keep=True)
            except ValueError as exc:
                status.update(label="The toy could not run", state="error")
                st.error(str(exc))
                return
            status.update(label=f"Toy trained in {result.seconds:.1f} s", state="complete")
    runs = toy_runs(store)
    if not runs:
        st.info("No toy run yet: press the button above.")
        return
    run = st.selectbox(
        "Toy run",
        runs,
        format_func=run_label,
        key="persistence.toy_pick",
        help="Toy runs in the store, newest first.",
    )
    try:
        toy = load_toy_result(run)
    except LabError as exc:
        st.error(str(exc))
        return
    snaps = [(f"epoch {e}", z, toy.labels) for e, z in sorted(toy.snapshots.items())]
    st.plotly_chart(plots.toy_snapshots(snaps), key="persistence.toy_snaps")
    st.caption(f"Snapshots after epochs {', '.join(map(str, SNAPSHOT_EPOCHS))} (0 = untrained).")
    rows = []
    for row in toy.comparison():
        tut = row["tutorial"] or {}
        rows.append(
            {
                "when": row["when"],
                "min": row["death_min"],
                "mean": row["death_mean"],
                "max": row["death_max"],
                "loss / batch": row["loss"],
                "tutorial (min, mean, max, loss)": (
                    f"({tut['death_min']}, {tut['death_mean']}, {tut['death_max']}, "
                    f"≈{tut['loss']:g})"
                    if tut
                    else ""
                ),
            }
        )
    show_table(rows, {"when": "When", "mean": "Mean death"})
    left, right = st.columns(2)
    left.plotly_chart(plots.death_stats_figure(toy.history, toy.eta), key="persistence.toy_deaths")
    right.plotly_chart(
        plots.loss_curves({"toy": toy.history}, terms=["conn"]), key="persistence.toy_loss"
    )


def show_run(
    store: RunStore,
    run_id: str,
    label: str,
    n_batch: int,
    n_large: int,
    seed: int,
    branch_choice: str,
) -> None:
    """Barcodes, diagrams and densification of one run."""
    run = store.get(run_id)
    branch = branch_of(run, branch_choice)
    st.subheader(label)
    try:
        views = views_for(store, run_id, n_batch, n_large, seed, branch_choice)
        dens = cached_densification(
            str(store.root), run_id, len(run.metrics()), SIZES, seed, branch
        )
    except ValueError as exc:
        st.error(str(exc))
        return
    scope = "all latent dims" if branch is None else f"branch {branch} ({views.dims} dims)"
    st.caption(
        f"Run `{run_id}` · {scope}, {views.metric} distance, η = {views.eta:g}. "
        + " ".join(views.notes)
    )
    st.plotly_chart(
        plots.compare_barcodes(
            views.batch[0],
            views.large[0],
            labels=(f"batch of {views.n_batch}", f"N = {views.n_large}"),
            eta=views.eta,
        ),
        key=f"persistence.bar.{run_id}",
    )
    left, right = st.columns(2)
    left.plotly_chart(
        plots.persistence_diagram(views.batch, views.eta, title=f"Batch of {views.n_batch}"),
        key=f"persistence.dgm_b.{run_id}",
    )
    right.plotly_chart(
        plots.persistence_diagram(views.large, views.eta, title=f"N = {views.n_large}"),
        key=f"persistence.dgm_l.{run_id}",
    )
    show_table(views.death_summary(), {"mean": "Mean death"})
    st.markdown("**Densification**: nearest-neighbour distances as more codes are embedded.")
    st.plotly_chart(plots.nn_distance_figure(dens.nn, dens.eta), key=f"persistence.nn.{run_id}")
    show_table(dens.table(), {"median": "Median NN distance", "mean": "Mean NN distance"})


def main() -> None:
    st.title("Persistence")
    st.markdown(
        "The connectivity loss (Hofer et al., ICML 2019) pushes the 0-dim death times of every "
        "**batch** of b codes toward η. Compare a batch with many more codes: as N grows the "
        "codes fill in (*densification*) and balls of radius η start to hold neighbours."
    )
    store = RunStore()
    runs = analysable_runs(store, owner_id())
    if not runs:
        st.info(
            "No finished run with saved latents yet. Train one on the Train page, or run the "
            "toy preset below."
        )
    else:
        bound = url_params(runs)
        for note in restore(bound):  # a link's values fill the widgets on the first render
            st.warning(f"Part of the link was ignored: {note}")
        chosen = st.multiselect(
            "Runs (one, or two to compare)",
            list(runs),
            format_func=runs.get,
            max_selections=2,
            key="persistence.runs",
            help="Finished runs with cached latents; e.g. λ = 0 next to λ = 20.",
        )
        c1, c2, c3, c4 = st.columns(4)
        n_batch = c1.number_input(
            "Batch size b",
            min_value=2,
            max_value=1000,
            key="persistence.b",
            help="Codes in the small cloud: the b the loss saw per batch.",
        )
        n_large = c2.select_slider(
            "Large N",
            [500, 1000, 2000, 5000],
            key="persistence.N",
            help="Codes in the large cloud. H0 is exact on all of them; "
            "H1 uses at most 1,000 (Rips H1 grows fast).",
        )
        branch_choice = c3.selectbox(
            "Branch",
            ["0", "1", "all dims"],
            key="persistence.branch",
            help="The loss acts on each branch on its own, so one "
            "branch shows its geometry; 'all dims' uses the whole code.",
        )
        seed = c4.number_input(
            "Seed",
            min_value=0,
            max_value=10_000,
            key="persistence.seed",
            help="Seed of the random subsets.",
        )
        publish(bound)  # the address bar now reproduces this view: copy it to share it
        st.caption("The address bar holds these choices: copy it to share exactly this view.")
        if len(chosen) == 2:
            try:
                a, b = (
                    views_for(store, r, int(n_batch), int(n_large), int(seed), branch_choice)
                    for r in chosen
                )
                st.plotly_chart(
                    plots.compare_barcodes(
                        a.batch[0],
                        b.batch[0],
                        labels=tuple(runs[r] for r in chosen),
                        eta=a.eta,
                    ),
                    key="persistence.compare",
                )
            except ValueError as exc:
                st.error(str(exc))
        for run_id in chosen:
            show_run(
                store, run_id, runs[run_id], int(n_batch), int(n_large), int(seed), branch_choice
            )
    st.divider()
    show_toy(store)


main()
