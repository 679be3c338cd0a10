"""Lessons: one card per autoencoder preset with a one-click run, results side by side, then
autoencoders against PCA and a stacked autoencoder.

A lesson's run is an ordinary job of the worker pool (see the Train page), owned by this tab;
its card polls the job in a fragment while it trains and afterwards reads the newest finished
run of that preset from the run store, so results survive reloads and show up in every tab. The
PCA comparison and the stacked autoencoder train in a worker too, while the page waits.
"""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core import plots
from corel_core.analysis.latents import project_2d
from corel_core.analysis.pca_compare import ComparisonError, linear_ae_vs_pca
from corel_core.config import DataConfig
from corel_core.data import load_dataset
from corel_core.jobs import JobError, default_pool
from corel_core.presets import PRESETS
from corel_core.store import RunStore
from corel_core.studies.background import deep_vs_pca_on, stacked_on
from corel_core.studies.lessons import LESSON_GROUPS, latest_run, lesson_result
from corel_core.training.launch import preview_of, submit_training
from corel_core.training.runner import load_trained_model
from ui.charts import FIGURE_CONFIG
from ui.jobs import compute
from ui.session import owner_id

JOBS_KEY = "lessons.jobs"  # preset name -> job id started from this browser session
store = RunStore()


@st.cache_data(max_entries=32, show_spinner="Loading the lesson's result (once per run)…")
def result_of(root: str, run_id: str):
    """Final metrics and reconstructions of a finished lesson run (cached per run)."""
    return lesson_result(RunStore(root).get(run_id))


@st.cache_data(max_entries=8, show_spinner="Comparing with PCA (once per run)…")
def linear_comparison(root: str, run_id: str):
    """Linear AE vs PCA numbers of a finished linear_pca run (cached per run)."""
    run = RunStore(root).get(run_id)
    dataset = load_dataset(run.config.data)
    return linear_ae_vs_pca(load_trained_model(run), dataset.x)


def active_job(name: str):
    """The job this tab started for preset `name` (after a reload: its unfinished one), if any."""
    job_id = st.session_state.get(JOBS_KEY, {}).get(name)
    if job_id is None:
        owner = owner_id()
        mine = default_pool().jobs(owner=owner) if owner else []
        job = next((j for j in mine if j.label == f"lesson {name}" and not j.done), None)
        if job is not None:
            st.session_state.setdefault(JOBS_KEY, {})[name] = job.id
        return job
    try:
        job = default_pool().get(job_id)
    except JobError:
        return None
    return job


def draw_preview(preview: dict, key: str) -> None:
    """Reconstruction grid (images) or input/reconstruction scatter (points)."""
    original, recon = preview["original"], preview["recon"]
    if original.ndim == 2:
        fig = plots.reconstruction_scatter(original, recon)
    else:
        fig = plots.reconstruction_grid(original, recon, title="")
    st.plotly_chart(fig, key=key, config=FIGURE_CONFIG)


@st.fragment(run_every=1.0)
def live_card(name: str) -> None:
    """Progress and live reconstructions of a lesson job; a full rerun once it finishes."""
    job = active_job(name)
    if job is None:
        return
    snap = job.snapshot()
    epochs = int(snap.get("epochs") or 0)
    done = int(snap.get("epochs_done") or 0)
    history = snap.get("history") or []
    last = history[-1] if history else {}
    loss = f", loss {last['total']:.4g}" if "total" in last else ""
    st.progress(
        min(done / max(epochs, 1), 1.0), text=f"{snap['status']}: epoch {done}/{epochs}{loss}"
    )
    preview = preview_of(snap)
    if preview is not None:
        draw_preview(preview, key=f"lessons.live.{name}")
    if job.done:
        st.session_state[JOBS_KEY].pop(name, None)
        if snap["status"] == "failed":
            st.error(f"The run failed: {snap['message']}")
        else:
            st.rerun()


def card(name: str) -> None:
    """Title, question, explanation, Run button and the latest result of one preset."""
    preset = PRESETS[name]
    with st.container(border=True):
        st.markdown(f"**{preset.title}**")
        st.caption(f"Question: {preset.question}")
        st.write(preset.explanation)
        job = active_job(name)
        busy = job is not None and not job.done
        if st.button("Run", key=f"lessons.run.{name}", disabled=busy, icon=":material/play_arrow:"):
            config = preset.config.replace(name=f"lesson {name}")
            job = submit_training(config, owner=owner_id(create=True))
            st.session_state.setdefault(JOBS_KEY, {})[name] = job.id
            busy = True
        if busy:
            live_card(name)
            return
        run = latest_run(store, name)
        if run is None:
            st.caption("Not run yet: press **Run** (under a minute on a laptop).")
            return
        try:
            result = result_of(str(store.root), run.id)
        except ValueError as exc:
            st.warning(f"The last run `{run.id}` cannot be shown: {exc}")
            return
        metrics = st.columns(2)
        if "recon" in result.final:
            metrics[0].metric("Final reconstruction loss", f"{result.final['recon']:.4g}")
        if "total" in result.final:
            metrics[1].metric("Final total loss", f"{result.final['total']:.4g}")
        if result.kind == "image":
            draw_preview({"original": result.original, "recon": result.recon}, f"lessons.{name}")
        if result.z is not None:  # every lesson shows its latent space (PCA beyond 3 dims)
            z, axes = result.z, None
            if z.shape[1] not in (2, 3):
                z, axes = project_2d(z)
            title = "Latent codes" + ("" if axes is None else f" (PCA of {result.z.shape[1]} dims)")
            fig = plots.latent_scatter(
                z, color=result.y, color_name="label", axis_names=axes, title=title
            )
            st.plotly_chart(fig, key=f"lessons.latent.{name}", config=FIGURE_CONFIG)
        st.caption(f"Run `{run.id}` ({result.status}).")
        st.page_link(
            "pages/explorer.py",
            label="Open this run in the Latent explorer",
            icon=":material/explore:",
            query_params={"run": run.id},
        )


def main() -> None:
    st.title("Lessons")
    st.markdown(
        "Each card trains a small autoencoder on the 8×8 digits (or a 2-D toy) in the background; "
        "press **Run** and watch its reconstructions improve. The same presets run headless with "
        "`python -m corel_core train --preset NAME`. The MNIST one-class protocol preset takes "
        "longer; start it from the **Train** page."
    )

    for group in LESSON_GROUPS:
        st.header(group.title)
        st.write(group.intro)
        for column, name in zip(st.columns(len(group.presets)), group.presets, strict=True):
            with column:
                card(name)

    st.header("Autoencoders and PCA")
    st.subheader("A linear autoencoder spans the PCA subspace")
    linear_run = latest_run(store, "linear_pca")
    if linear_run is None:
        st.caption("Run the **Linear autoencoder vs PCA** lesson above to compare it with PCA.")
    else:
        try:
            comp = linear_comparison(str(store.root), linear_run.id)
        except ValueError as exc:
            st.error(str(exc))
        else:
            m1, m2, m3 = st.columns(3)
            m1.metric(f"Linear AE MSE (k = {comp.k})", f"{comp.ae_mse:.5f}")
            m2.metric(f"PCA MSE (k = {comp.k})", f"{comp.pca_mse:.5f}")
            m3.metric("Largest principal angle", f"{comp.angles_degrees.max():.1f}°")
            st.plotly_chart(
                plots.principal_angles_figure(comp.angles_degrees), config=FIGURE_CONFIG
            )
            st.caption(
                "Angles between the decoder's column space and the top principal components. "
                "PCA is "
                "the optimum, so its error is the floor. Gradient descent finds the strong "
                "directions fast; the last one is slow because the data's mean competes for it "
                "with the bias, so a larger angle there means 'not converged yet', not a failure."
            )

    st.subheader("Deep autoencoder vs PCA, 30-D codes")
    d1, d2, d3 = st.columns(3)
    deep_data = d1.selectbox("Dataset", ["digits", "mnist"], key="lessons.deep_data")
    deep_epochs = int(d2.number_input("Epochs", 1, 100, 15, key="lessons.deep_epochs"))
    deep_code = int(d3.number_input("Code size", 2, 60, 30, key="lessons.deep_code"))
    if st.button("Compare", key="lessons.deep_run", icon=":material/compare:"):
        try:  # trains in a worker process, with a progress bar here
            st.session_state["lessons.deep"] = compute(
                deep_vs_pca_on,
                DataConfig(name=deep_data, limit=10_000),
                code_dim=deep_code,
                epochs=deep_epochs,
                label="deep AE vs PCA",
                report="progress",
            )
        except (ComparisonError, ValueError) as exc:
            st.error(str(exc))
    deep = st.session_state.get("lessons.deep")
    if deep is not None:
        st.caption(
            f"{deep.dataset}: held-out per-pixel MSE, {deep.code_dim}-D codes; PCA keeps "
            f"{deep.pca_explained:.1%} of the training variance."
        )
        left, right = st.columns([1, 2])
        left.plotly_chart(
            plots.error_comparison(
                {"PCA": deep.pca_errors, "deep AE": deep.ae_errors}, title="Reconstruction error"
            ),
            config=FIGURE_CONFIG,
        )
        right.plotly_chart(
            plots.method_reconstructions(
                deep.originals, {"PCA": deep.pca_recon, "deep AE": deep.ae_recon}, title=""
            ),
            config=FIGURE_CONFIG,
        )

    st.header("Stacked autoencoder")
    st.write(
        "Greedy layer-wise pretraining: each dense layer is trained as a shallow "
        "autoencoder of the "
        "layer below, the stack is fine-tuned end to end, and a logistic regression "
        "reads the final "
        "code. Its held-out accuracy says how much class information the code kept."
    )
    s1, s2, s3 = st.columns(3)
    widths_text = s1.text_input("Layer widths", "128,64,32", key="lessons.stack_widths")
    per_layer = int(s2.number_input("Epochs per layer", 1, 50, 10, key="lessons.stack_epochs"))
    finetune = int(s3.number_input("Fine-tuning epochs", 0, 50, 10, key="lessons.stack_ft"))
    if st.button("Train the stack on digits", key="lessons.stack_run", icon=":material/layers:"):
        try:  # trains in a worker process, with a progress bar here
            widths = tuple(int(w) for w in widths_text.split(",") if w.strip())
            st.session_state["lessons.stacked"] = compute(
                stacked_on,
                DataConfig(name="digits"),
                widths,
                per_layer,
                finetune,
                0,
                label="stacked autoencoder",
                report="progress",
            )
        except ValueError as exc:
            st.error(f"The stack could not be trained: {exc}")
    stacked = st.session_state.get("lessons.stacked")
    if stacked is not None:
        a1, a2, a3 = st.columns(3)
        a1.metric("Accuracy on the fine-tuned code", f"{stacked.accuracy:.1%}")
        a2.metric("…right after pretraining", f"{stacked.accuracy_pretrained:.1%}")
        a3.metric("…on the raw pixels", f"{stacked.accuracy_pixels:.1%}")
        curves = {
            f"layer {k + 1} ({w})": v
            for k, (w, v) in enumerate(zip(stacked.widths, stacked.layer_losses, strict=True))
        }
        if stacked.finetune_losses:
            curves["fine-tuning (whole stack)"] = stacked.finetune_losses
        st.plotly_chart(
            plots.stage_losses(curves, title="Reconstruction loss per stage"), config=FIGURE_CONFIG
        )
        st.caption(
            "Each layer's loss is measured on its own input (the activations of the layer below), "
            "so the curves are not on one scale; what matters is that each one falls."
        )


main()
