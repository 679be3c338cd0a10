"""The Train page's live latent scatter: the fixed samples' codes after the latest epoch.

The worker publishes them (corel_core.training.live_codes) as 2-D codes or their first two
principal components, coloured by label; the live fragment redraws this every second, so the
picture moves once per epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from corel_core import plots


def draw_codes(snap: dict[str, Any], key: str = "live.codes") -> None:
    """Draw the snapshot's latest latent view, or say when the first one will appear."""
    view = snap.get("codes")
    if not view:
        st.caption("The latent scatter appears when the data is loaded (then after every epoch).")
        return
    coords = np.asarray(view["coords"])
    labels = view.get("labels")
    axes = list(view.get("axes") or ["z₁", "z₂"])
    epoch = int(view.get("epoch", 0))
    title = "Latent codes before training" if epoch == 0 else f"Latent codes after epoch {epoch}"
    fig = plots.latent_scatter(
        coords,
        color=None if labels is None else np.asarray(labels),
        color_name="label",
        title=f"{title} ({len(coords)} fixed samples)",
        axis_names=[a or " " for a in axes],
    )
    st.plotly_chart(fig, key=key)
