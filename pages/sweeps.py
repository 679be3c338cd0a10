"""Sweeps: a grid of runs (settings × seeds) from the Train form's settings, on Ray Tune.

The base settings come from the URL, the same parameters as the Train page (its "Sweep these
settings" link carries them here). Start writes the sweep folder and runs the sweep's driver in
its own process (`python -m corel_core sweep --resume ID`), which starts Ray only then; this
page never imports Ray. The sweep panel is a fragment that re-reads the sweep folder every two
seconds, so a reload, another tab or a sweep started on the command line all show the same.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import os

import streamlit as st

from corel_core.analysis.exports import figure_config
from corel_core.config import SETTINGS, ConfigError, RunConfig
from corel_core.plots.sweep import PAPER_LAMBDA_NAME, metric_vs_field, reference_for
from corel_core.studies.sweep import SweepError, SweepSpec, SweepStore, parse_grid, parse_n
from corel_core.studies.sweep.launch import driver_alive, start_driver, stop_driver
from corel_core.studies.sweep.results import label_of, summary
from corel_core.studies.sweep.spec import NOT_SWEPT
from ui.urlstate import ignored_text, read_link

SELECTED = "sweeps.selected"
SWEEPABLE = [s.name for s in SETTINGS if s.name not in (*NOT_SWEPT, "seed")]
SUGGESTED = {"lambda-conn": "0,1,10,20,40", "eta": "1,2,4", "latent-dim": "2,8,32"}
store = SweepStore()


def base_config() -> RunConfig:
    """The Train form's settings carried in this page's URL (the defaults when none)."""
    config, problems = read_link(st.query_params.to_dict())
    if problems:
        st.warning(ignored_text(problems))
    return config


def new_sweep(base: RunConfig) -> None:
    """The grid editor and the Start button."""
    changed = base.texts_changed_from(RunConfig())
    described = ", ".join(f"{k}={v}" for k, v in changed.items()) or "the defaults"
    st.caption(f"Base settings (from the Train page): {described}.")
    st.page_link(
        "pages/train.py",
        label="Change them on the Train page",
        icon=":material/tune:",
        query_params=st.query_params.to_dict(),
    )
    fields = st.multiselect(
        "Settings to sweep", SWEEPABLE, default=["lambda-conn"], key="sweeps.fields"
    )
    texts = {}
    for name in fields:
        setting = next(s for s in SETTINGS if s.name == name)
        default = SUGGESTED.get(name, setting.format(setting.get(base)))
        texts[name] = st.text_input(
            f"{setting.label} values",
            value=default,
            key=f"sweeps.values.{name}",
            help="Comma-separated values (';' for list settings such as hidden widths).",
        )
    left, mid, right = st.columns(3)
    seeds = left.number_input("Seeds per point", 1, 20, 2, key="sweeps.seeds")
    concurrent = mid.number_input(
        "Trials at a time", 1, 64, os.cpu_count() or 1, key="sweeps.concurrent"
    )
    oneclass = right.checkbox(
        "Score one-class AUROC", key="sweeps.oneclass", help="The official protocol per trial."
    )
    ns = st.multiselect(
        "One-class n", [80, 120, 500], default=[120], disabled=not oneclass, key="sweeps.n"
    )
    try:
        spec = SweepSpec(
            base=base,
            grid=parse_grid(f"{k}={v}" for k, v in texts.items()),
            seeds=tuple(base.train.seed + i for i in range(int(seeds))),
            oneclass_n=parse_n(ns) if oneclass else (),
            max_concurrent=int(concurrent),
        )
    except (SweepError, ConfigError) as exc:
        st.error(str(exc))
        return
    st.caption(f"{len(spec.trials)} trials of {base.train.epochs} epochs each.")
    st.button(
        "Start sweep",
        type="primary",
        icon=":material/play_arrow:",
        on_click=start,
        args=(spec,),
        key="sweeps.start",
    )


def start(spec: SweepSpec) -> None:
    """Write the sweep folder, start its driver process and select it (a button callback)."""
    sweep = store.create(spec)
    start_driver(sweep)
    st.session_state[SELECTED] = sweep.id


@st.fragment(run_every=2.0)
def sweep_panel(sweep_id: str) -> None:
    """Live state, trial table and results of one sweep, re-read every two seconds."""
    try:
        sweep = store.get(sweep_id)
        out = summary(sweep)
    except SweepError as exc:
        st.error(str(exc))
        return
    counts, total = out["counts"], len(out["trials"])
    finished = counts["completed"] + counts["failed"]
    status = out["status"]
    st.progress(finished / max(total, 1), text=f"{status}: {finished}/{total} trials. ")
    if out["state"].get("message"):
        st.caption(out["state"]["message"])
    alive = driver_alive(sweep)
    left, right = st.columns(2)
    if alive:
        left.button("Stop", icon=":material/stop:", on_click=stop_driver, args=(sweep,))
    elif status in ("interrupted", "created") and finished < total:
        left.button("Resume", icon=":material/play_arrow:", on_click=start_driver, args=(sweep,))
    log = sweep.path / "driver.log"
    if not alive and status != "completed" and log.exists():
        with st.expander("Output of the sweep's last driver process"):
            st.code("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
    if out["state"].get("wall_seconds_total"):
        right.caption(f"Wall time {out['state']['wall_seconds_total']:.0f} s.")
    metrics = out["metrics"]
    fields = list(out["grid"]) or ["seed"]
    shown = ["trial", *fields, "seed", "status", "epochs_done", *metrics[:3], "run_id", "message"]
    table = [{k: row.get(k) for k in dict.fromkeys(shown)} for row in out["trials"]]
    st.dataframe(table, hide_index=True, width="stretch", key="sweeps.trials")
    if not metrics:
        st.info("Results appear here as trials complete.")
        return
    results(out, fields, metrics)


def results(out: dict, fields: list[str], metrics: list[str]) -> None:
    """Metric against a swept setting (mean ± sd over seeds) and the per-point table."""
    left, right = st.columns(2)
    metric = left.selectbox("Metric", metrics, format_func=label_of, key="sweeps.metric")
    field = right.selectbox("Against", fields, key="sweeps.field")
    others = [f for f in fields if f != field]
    reference = reference_for(field, metric)
    fig = metric_vs_field(
        out["points"],
        field,
        metric,
        group_by=others,
        trials=out["trials"],
        reference=reference,
        metric_label=label_of(metric),
    )
    st.plotly_chart(fig, key="sweeps.figure", config=figure_config())
    if reference:
        st.caption(
            f"Dashed: {PAPER_LAMBDA_NAME} (Hofer et al. 2019, REFERENCE §1). Another dataset "
            "and a 50-epoch CIFAR model: compare the shape, not the level."
        )
    columns = [*fields, "seeds", metric, f"{metric}_sd"]
    st.dataframe(
        [{k: p.get(k) for k in columns} for p in out["points"]],
        hide_index=True,
        key="sweeps.points",
    )


def main() -> None:
    st.title("Sweeps")
    st.caption(
        f"Grids of ordinary runs on Ray Tune, kept in `{store.root}`; every trial is a run "
        "on the Runs page, tagged with its sweep."
    )
    ids = store.ids()
    with st.expander("New sweep", expanded=not ids):
        new_sweep(base_config())
    ids = store.ids()
    if not ids:
        st.info("No sweeps yet. Start one above or with `python -m corel_core sweep`.")
        return
    if st.session_state.get(SELECTED) not in ids:
        st.session_state[SELECTED] = ids[0]
    sweep_id = st.selectbox("Sweep", ids, key=SELECTED)
    sweep_panel(sweep_id)


main()
