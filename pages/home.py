"""Home: what corel is, a 30-second tour and a link to every page."""

from __future__ import annotations

from pages._guard import through_app

through_app()  # before this page's imports: see pages._guard

import streamlit as st

from corel_core.store import RunStore


def main() -> None:
    st.title("corel")
    st.markdown(
        "**An interactive lab for topological representation learning.** Train small autoencoders, "
        "watch their latent spaces, and see what the *connectivity loss* (Hofer et al., ICML 2019) "
        "and a CVAE's *optimal prior* (Takahashi et al., KDD 2022) do to them."
    )

    st.subheader("A 30-second tour")
    st.markdown(
        """
    1. **Train** an autoencoder on a built-in dataset (8×8 digits or a 2-D toy need no download).
       Loss curves update live; pause or stop at any time. Or pick a **Lesson** and press Run.
    2. Turn on the **connectivity loss** (λ > 0): the death times of each batch's 0-dim persistence
       move toward the scale η, and the histogram beside the curves shows it happen.
    3. Open **Persistence** and **Density** to compare a run with and without the loss: barcodes,
       nearest-neighbour distances against η, KDE bandwidths and one-class scores.
    4. **Task dependency** trains a VAE, a CVAE and a CVAE with the learned optimal prior on two
       tasks and shows how much the code depends on the task.
    5. **Runs** keeps everything — also runs started from the command line.
    """
    )

    st.subheader("Pages")
    PAGES = [
        ("pages/train.py", "Train a model", ":material/model_training:"),
        ("pages/runs.py", "Browse and compare runs", ":material/folder_open:"),
        ("pages/persistence.py", "Persistence of latent spaces", ":material/bubble_chart:"),
        ("pages/kde.py", "Density, bandwidths and one-class scores", ":material/blur_on:"),
        ("pages/taskdep.py", "Task dependency of CVAE codes", ":material/call_split:"),
        ("pages/lessons.py", "Lessons", ":material/school:"),
        ("pages/explorer.py", "Latent explorer", ":material/explore:"),
    ]
    columns = st.columns(2)
    for i, (path, label, icon) in enumerate(PAGES):
        with columns[i % 2]:
            st.page_link(path, label=label, icon=icon)

    store = RunStore()
    st.caption(f"Runs are stored in `{store.root}`; set `COREL_RUNS_DIR` to use another folder.")


main()
