"""Loss terms of the autoencoder family (terms) and the training objective built from them.

`corel_core.losses.objective` sums the active terms of a run; it lives beside the terms so that
"what a run minimises" has one home.
"""

from __future__ import annotations

from corel_core.losses.terms import (
    contractive_penalty,
    corrupt,
    gaussian_kl,
    gaussian_kl_per_sample,
    kl_sparsity,
    reconstruction,
    sparse_l1,
)

__all__ = [
    "contractive_penalty",
    "corrupt",
    "gaussian_kl",
    "gaussian_kl_per_sample",
    "kl_sparsity",
    "reconstruction",
    "sparse_l1",
]
