"""Latent explorer: project a run's codes, colour them, click points to see their inputs and
reconstructions, interpolate between two codes, sample a VAE's prior, export what you see.

Streamlit reruns this file on every interaction; projections and KDE densities are cached in the
run folder (so they are computed once per run and parameter set), the model and the reloaded
inputs are cached in this process.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from corel_core import plots
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
from corel_core.store import RunStore
from corel_core.training.runner import load_trained_model, reconstruct
from pages._guard import through_app
from ui.charts import selected_rows
from ui.jobs import colors, projection

through_app()

METHODS = {
    "raw": "raw coordinates",
    "pca": "PCA",
    "umap": "UMAP",
    "tsne": "t-SNE",
}


@st.cache_resource(max_entries=4, show_spinner=False)
def model_of(root: str, run_id: str):
    """The trained model of a run, loaded once per process."""
    return load_trained_model(RunStore(root).get(run_id))


@st.cache_resource(max_entries=4, show_spinner="Loading the run's data…")
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


def show_samples(inputs, model, rows: list[int], fig_config: dict) -> None:
    """Inputs and reconstructions of the chosen latents rows (images, or point coordinates)."""
    x = inputs.x[rows]
    task = None if inputs.task is None else inputs.task[rows]
    recon = reconstruct(model, x, task)
    if inputs.kind == "image":
        fig = plots.reconstruction_grid(x, recon, max_images=12, title="Selected samples")
        st.plotly_chart(fig, key="explorer.selected", config=fig_config)
    else:
        table = {"row": rows}
        for j in range(x.shape[1]):
            table[f"x{j + 1}"] = x[:, j]
            table[f"x̂{j + 1}"] = recon[:, j]
        st.dataframe(table, hide_index=True)


store = RunStore()
st.title("Latent explorer")
summaries = runs_with_latents(store)
if not summaries:
    st.info(
        "No run with saved codes yet. Train one on the **Train** or **Lessons** page (codes are "
        "saved when training ends), then come back."
    )
    st.stop()

names = {s.id: f"{s.name or s.id} · {s.model_kind} on {s.dataset}" for s in summaries}
run_id = st.selectbox("Run", list(names), format_func=names.get, key="explorer.run")
run = store.get(run_id)
config = run.config
latents = run.load_latents()
z = latents["z"]
n, dim = z.shape
st.caption(f"{n:,} cached codes of dimension {dim} · status **{run.status}**")

c1, c2, c3, c4 = st.columns(4)
method = c1.selectbox("Projection", list(METHODS), format_func=METHODS.get, key="explorer.method")
n_components = c2.radio("Dimensions", [2, 3], horizontal=True, key="explorer.dims")
color_by = c3.selectbox("Colour by", color_choices(latents), key="explorer.color")
seed = int(c4.number_input("Seed", value=0, min_value=0, step=1, key="explorer.seed"))
params: dict = {}
if method == "raw" and dim > n_components:
    dims = st.multiselect(
        "Code dimensions to show",
        list(range(dim)),
        default=list(range(n_components)),
        max_selections=n_components,
        key="explorer.raw_dims",
    )
    params["dims"] = dims or list(range(n_components))
elif method == "umap":
    u1, u2 = st.columns(2)
    params["n_neighbors"] = u1.slider("n_neighbors", 2, 100, 15, key="explorer.nn")
    params["min_dist"] = u2.slider("min_dist", 0.0, 1.0, 0.1, 0.05, key="explorer.md")
elif method == "tsne":
    params["perplexity"] = float(st.slider("perplexity", 2, 100, 30, key="explorer.perp"))

fmt = st.sidebar.radio("Figure download format", ["png", "svg"], horizontal=True)
fig_config = figure_config(fmt, filename=run.id)
st.sidebar.caption("Download any figure with the camera button of its toolbar.")

try:
    with st.spinner(f"Computing the {METHODS[method]} projection (cached afterwards)…"):
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
if proj.explained_variance_ratio is not None:
    evr = proj.explained_variance_ratio
    parts = ", ".join(f"PC{i + 1} {v:.1%}" for i, v in enumerate(evr))
    st.caption(f"Explained variance: {parts} (total {evr.sum():.1%}).")

ys = latents.get("y")
index = latents.get("index", np.arange(n))
classes = None
try:
    classes = run.load_json("dataset").get("classes") or None
except ValueError:
    classes = None
hover = [
    f"row {r} · sample {int(index[r])}" + ("" if ys is None else f" · label {int(ys[r])}")
    for r in rows
]
fig = plots.latent_scatter(
    proj.coords,
    color=None if values is None else values[rows],
    color_name=color_name,
    hover_text=hover,
    title=f"{METHODS[method]} of {run.name or run.id}",
    class_names=classes,
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
    help="Click points (shift-click or lasso for several) or type row numbers; the first two "
    "chosen are interpolated.",
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
        st.caption("Click points in the scatter (or type rows) to see inputs and reconstructions.")
    else:
        show_samples(inputs, model, picked[:12], fig_config)

    st.subheader("Latent interpolation")
    if len(picked) < 2:
        st.caption("Choose two points to decode the straight line between their codes.")
    else:
        a, b = picked[0], picked[1]
        steps = st.slider("Steps", 3, 16, 8, key="explorer.steps")
        task = None if inputs.task is None else int(inputs.task[a])
        path = interpolate(model, z[a], z[b], steps, task=task)
        if inputs.kind == "image":
            strip = plots.interpolation_strip(path, title=f"From row {a} to row {b}")
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

st.subheader("Export")
e1, e2, e3 = st.columns(3)
e1.download_button("Latents CSV", latents_to_csv(run), f"{run.id}-latents.csv", "text/csv")
e2.download_button("Config JSON", config.to_json(), f"{run.id}-config.json", "application/json")
snippet = reproduce_snippet(config)
e3.download_button("Python snippet", snippet, f"{run.id}-reproduce.py", "text/x-python")
with st.expander("Reproduce in Python"):
    st.code(snippet, language="python")
