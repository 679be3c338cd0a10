"""Latent explorer: project a run's codes, colour them, find and highlight labels, click points
to see their inputs and reconstructions, interpolate between two chosen codes A and B, sample a
VAE's prior, export what you see. The address reproduces the view (ui.explorer_parts).

Streamlit reruns this file on every interaction; projections and KDE densities are cached in the
run folder (so they are computed once per run and parameter set), the model and the reloaded
inputs are cached in this process.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import numpy as np
import streamlit as st

from corel_core import plots
from corel_core.analysis.catalog import run_label
from corel_core.analysis.explorer import (
    ExplorerError,
    color_choices,
    denoise_examples,
    interpolate,
    load_images_for_run,
    prior_samples,
    runs_with_latents,
)
from corel_core.analysis.exports import figure_config, latents_to_csv, reproduce_snippet
from corel_core.analysis.runs_table import unique_labels
from corel_core.plots.latent import axis_titles
from corel_core.store import RunStore
from corel_core.training.runner import load_trained_model, reconstruct
from ui.charts import selected_rows
from ui.explorer_parts import (
    METHODS,
    endpoint_controls,
    run_params,
    sample_label,
    view_params,
)
from ui.jobs import colors, projection
from ui.pagestate import publish, restore
from ui.session import owner_id


@st.cache_resource(max_entries=4, show_spinner="Loading the trained model (once per run)…")
def model_of(root: str, run_id: str):
    """The trained model of a run, loaded once per process."""
    return load_trained_model(RunStore(root).get(run_id))


@st.cache_resource(max_entries=4, show_spinner="Loading the run's data (once per run)…")
def inputs_of(root: str, run_id: str):
    """The inputs behind the run's cached latents, loaded once per process."""
    return load_images_for_run(RunStore(root).get(run_id))


def parse_rows(text: str, n: int) -> list[int]:
    """Row numbers typed as "3, 17"; out-of-range or non-numbers raise ValueError."""
    rows = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        row = int(part)
        if not 0 <= row < n:
            raise ValueError(f"row {row} is outside 0…{n - 1}.")
        rows.append(row)
    return rows


def show_samples(inputs, model, rows: list[int], names: list[str], fig_config: dict) -> None:
    """Inputs and reconstructions of the chosen latents rows (images, or point coordinates)."""
    x = inputs.x[rows]
    task = None if inputs.task is None else inputs.task[rows]
    recon = reconstruct(model, x, task)
    if inputs.kind == "image":
        fig = plots.reconstruction_grid(x, recon, max_images=12, title="", labels=names)
        st.plotly_chart(fig, key="explorer.selected", config=fig_config)
    else:
        table = {"sample": names}
        for j in range(x.shape[1]):
            table[f"x{j + 1}"] = x[:, j]
            table[f"x̂{j + 1}"] = recon[:, j]
        st.dataframe(table, hide_index=True)


def main() -> None:
    store = RunStore()
    st.title("Latent explorer")
    summaries = runs_with_latents(store, owner_id())
    if not summaries:
        st.info(
            "No run with saved codes yet. Train one on the **Train** or **Lessons** page "
            "(codes are "
            "saved when training ends), then come back."
        )
        st.stop()

    names = unique_labels({s.id: run_label(store.get(s.id)) for s in summaries})
    bound = run_params(names)
    ignored = restore(bound)  # a link (e.g. from a lesson) chooses the run on the first render
    run_id = st.selectbox("Run", list(names), format_func=names.get, key="explorer.run")
    run = store.get(run_id)
    config = run.config
    latents = run.load_latents()
    z = latents["z"]
    n, dim = z.shape
    st.caption(f"{n:,} cached codes of dimension {dim} · status **{run.status}** · id `{run.id}`")
    ys = latents.get("y")
    index = latents.get("index", np.arange(n))
    classes = None
    try:
        classes = run.load_json("dataset").get("classes") or None
    except ValueError:
        classes = None
    label_names = (
        []
        if ys is None
        else [
            str(classes[v]) if classes and 0 <= v < len(classes) else str(v) for v in np.unique(ys)
        ]
    )
    view = view_params(color_choices(latents), label_names, n)
    ignored += restore(view)
    bound += view
    for note in ignored:
        st.warning(f"Part of the link was ignored: {note}")

    c1, c2, c3, c4 = st.columns(4)
    method = c1.selectbox(
        "Projection", list(METHODS), format_func=METHODS.get, key="explorer.method"
    )
    n_components = c2.radio("Dimensions", [2, 3], horizontal=True, key="explorer.dims")
    color_by = c3.selectbox("Colour by", color_choices(latents), key="explorer.color")
    seed = int(c4.number_input("Seed", min_value=0, step=1, key="explorer.seed"))
    params: dict = {}
    if method == "raw" and dim > n_components:
        dims = st.multiselect(
            "Code dimensions to show",
            list(range(dim)),
            max_selections=n_components,
            key="explorer.raw_dims",
        )
        params["dims"] = dims or list(range(n_components))
    elif method == "umap":
        u1, u2 = st.columns(2)
        params["n_neighbors"] = u1.slider("n_neighbors", 2, 100, key="explorer.nn")
        params["min_dist"] = u2.slider("min_dist", 0.0, 1.0, step=0.05, key="explorer.md")
    elif method == "tsne":
        params["perplexity"] = float(st.slider("perplexity", 2, 100, key="explorer.perp"))
    highlight = st.multiselect(
        "Find and highlight labels",
        label_names,
        key="explorer.highlight",
        placeholder="type a label, e.g. 3",
        help="Points with these labels are drawn on top; the others are dimmed.",
        disabled=not label_names,
    )

    fmt = st.sidebar.radio("Figure download format", ["png", "svg"], horizontal=True)
    fig_config = figure_config(fmt, filename=run.id)
    st.sidebar.caption("Download any figure with the camera button of its toolbar.")

    try:
        with st.spinner(
            f"Computing the {METHODS[method]} projection (once per run and settings, then cached)…"
        ):
            # UMAP, t-SNE and the KDE colouring run in a worker process (ui.jobs): a crash in their
            # native code ends that job, not the server
            proj = projection(run, z, method, n_components=n_components, seed=seed, **params)
            values, color_name, color_note = colors(run, latents, color_by, seed)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()

    rows = proj.indices if proj.indices is not None else np.arange(n)
    notes = [proj.note, color_note]
    if proj.indices is None:
        notes.append(f"All {n:,} codes shown.")
    st.caption(" ".join(t for t in notes if t))
    evr = proj.explained_variance_ratio
    if evr is not None:
        parts = ", ".join(f"PC{i + 1} {v:.1%}" for i, v in enumerate(evr))
        st.caption(f"Explained variance: {parts} (total {evr.sum():.1%}).")

    hover = [
        f"row {r} · sample {int(index[r])}" + ("" if ys is None else f" · label {int(ys[r])}")
        for r in rows
    ]
    mask = None
    if highlight and ys is not None:
        wanted = [i for i, name in enumerate(np.unique(ys)) if label_names[i] in highlight]
        mask = np.isin(ys[rows], np.unique(ys)[wanted])
        st.caption(
            f"{int(mask.sum()):,} of {len(rows):,} shown points carry the highlighted labels."
        )
    fig = plots.latent_scatter(
        proj.coords,
        color=None if values is None else values[rows],
        color_name=color_name,
        hover_text=hover,
        title=f"{METHODS[method]} of {names[run_id]}",
        class_names=classes,
        axis_names=axis_titles(method, n_components, evr, params.get("dims")),
        highlight=mask,
    )
    event = st.plotly_chart(
        fig,
        key="explorer.scatter",
        on_select="rerun",
        selection_mode="points",
        config=fig_config,
    )
    picked = [int(rows[i]) for i in selected_rows((event or {}).get("selection", {}).get("points"))]
    typed = st.text_input(
        "…or type latents rows",
        key="explorer.rows",
        placeholder="e.g. 3, 17",
        help="Click points (shift-click or lasso for several) or type row numbers to see their "
        "inputs and reconstructions; make two of them the endpoints A and B below.",
    )
    try:
        picked += [r for r in parse_rows(typed, n) if r not in picked]
    except ValueError as exc:
        st.error(f"Rows not understood: {exc}")

    try:
        model = model_of(str(store.root), run.id)
        inputs = inputs_of(str(store.root), run.id)
    except (ValueError, OSError) as exc:
        st.warning(f"The model or its data cannot be loaded, so only codes are shown: {exc}")
        model = inputs = None

    if model is not None and inputs is not None:
        st.subheader("Selected samples")
        if not picked:
            st.caption(
                "Click points in the scatter (or type rows) to see inputs and reconstructions."
            )
        else:
            shown = picked[:12]
            show_samples(
                inputs, model, shown, [sample_label(r, ys, classes) for r in shown], fig_config
            )

        st.subheader("Latent interpolation")
        a, b = endpoint_controls(picked, n)
        steps = st.slider("Steps", 3, 16, key="explorer.steps")
        if a is None or b is None:
            st.caption("Choose endpoints A and B to decode the straight line between their codes.")
        else:
            task = None if inputs.task is None else int(inputs.task[a])
            path = interpolate(model, z[a], z[b], steps, task=task)
            if inputs.kind == "image":
                ends = (
                    f"A: {sample_label(a, ys, classes)}",
                    f"B: {sample_label(b, ys, classes)}",
                )
                strip = plots.interpolation_strip(path, title="From A to B", ends=ends)
                st.plotly_chart(strip, key="explorer.interp", config=fig_config)
            else:
                t = np.linspace(0.0, 1.0, steps)
                st.dataframe(
                    {"t": t, **{f"x{j + 1}": path[:, j] for j in range(path.shape[1])}},
                    hide_index=True,
                )

        if getattr(model, "variational", False):
            st.subheader("Samples from the prior N(0, I)")
            count = st.slider("How many", 4, 32, 16, step=4, key="explorer.prior_n")
            task = None if inputs.task is None else 0
            samples = prior_samples(model, count, seed=seed, task=task)
            if inputs.kind == "image":
                grid = plots.image_grid(samples, cols=8, title="Decoded prior draws")
                st.plotly_chart(grid, key="explorer.prior", config=fig_config)
            else:
                st.dataframe({f"x{j + 1}": samples[:, j] for j in range(samples.shape[1])})

        if config.loss.noise != "none" and inputs.kind == "image":
            st.subheader("Denoising: before and after")
            show = picked[:8] or list(range(min(8, n)))
            task = None if inputs.task is None else inputs.task[show]
            try:
                noisy, cleaned = denoise_examples(
                    model, inputs.x[show], config.loss.noise, config.loss.noise_factor, seed, task
                )
            except ExplorerError as exc:
                st.error(str(exc))
            else:
                grid = plots.method_reconstructions(
                    inputs.x[show],
                    {"corrupted": noisy, "denoised": cleaned},
                    title=f"{config.loss.noise} noise, factor {config.loss.noise_factor}",
                )
                st.plotly_chart(grid, key="explorer.denoise", config=fig_config)

    publish(bound)  # the address bar reproduces this view: copy it to share it
    st.subheader("Export")
    e1, e2, e3 = st.columns(3)
    e1.download_button("Latents CSV", latents_to_csv(run), f"{run.id}-latents.csv", "text/csv")
    e2.download_button("Config JSON", config.to_json(), f"{run.id}-config.json", "application/json")
    snippet = reproduce_snippet(config)
    e3.download_button("Python snippet", snippet, f"{run.id}-reproduce.py", "text/x-python")
    with st.expander("Reproduce in Python"):
        st.code(snippet, language="python")


main()
