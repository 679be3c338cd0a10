"""Every corel figure: functions from plain arrays/dicts to `plotly.graph_objects.Figure`.

Pages adapt runs and models to these inputs; nothing here touches a run store or streamlit.
"""

from __future__ import annotations

from corel_core.plots._checks import PlotInputError
from corel_core.plots.compare import (
    error_comparison,
    method_reconstructions,
    principal_angles_figure,
    stage_losses,
)
from corel_core.plots.curves import ema, loss_curves
from corel_core.plots.density import auroc_bars, bandwidth_bars, cv_curve, roc_curves
from corel_core.plots.images import (
    image_grid,
    image_to_data_uri,
    interpolation_strip,
    reconstruction_grid,
    reconstruction_scatter,
)
from corel_core.plots.latent import (
    density_map,
    latent_scatter,
    log_density_histograms,
    toy_snapshots,
)
from corel_core.plots.mi import decomposition_bars, metric_bars, mi_estimates_figure
from corel_core.plots.persistence import (
    barcode,
    barcode_by_dim,
    compare_barcodes,
    death_histogram,
    nn_distance_figure,
    persistence_diagram,
)
from corel_core.plots.theme import PALETTE, TEMPLATE, empty_figure, style
from corel_core.plots.training import batch_loss_figure, death_stats_figure

__all__ = [
    "PALETTE",
    "TEMPLATE",
    "PlotInputError",
    "auroc_bars",
    "bandwidth_bars",
    "barcode",
    "barcode_by_dim",
    "batch_loss_figure",
    "compare_barcodes",
    "cv_curve",
    "death_histogram",
    "death_stats_figure",
    "decomposition_bars",
    "density_map",
    "ema",
    "empty_figure",
    "error_comparison",
    "image_grid",
    "image_to_data_uri",
    "interpolation_strip",
    "latent_scatter",
    "log_density_histograms",
    "loss_curves",
    "method_reconstructions",
    "metric_bars",
    "mi_estimates_figure",
    "nn_distance_figure",
    "persistence_diagram",
    "principal_angles_figure",
    "reconstruction_grid",
    "reconstruction_scatter",
    "roc_curves",
    "stage_losses",
    "style",
    "toy_snapshots",
]
