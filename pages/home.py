"""Home: what corel is, a 30-second tour and a link to every page."""

from __future__ import annotations

import streamlit as st

from corel_core.runs import RunStore
from pages._guard import through_app

through_app()

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
   Loss curves update live; pause or stop at any time.
2. Turn on the **connectivity loss** (λ > 0): the death times of each batch's 0-dim persistence
   move toward the scale η, and the histogram beside the curves shows it happen.
3. Open **Runs** to compare curves of several runs, download weights, configs and latents, or
   delete what you no longer need. Runs started from the command line show up here too.
"""
)

st.subheader("Pages")
left, right = st.columns(2)
with left:
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
with right:
    st.page_link("pages/runs.py", label="Browse and compare runs", icon=":material/folder_open:")

store = RunStore()
st.caption(f"Runs are stored in `{store.root}`; set `COREL_RUNS_DIR` to use another folder.")
