"""The one seeded subsample: its contract, and that every former copy now draws the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from corel_core.data.subsample import subsample_indices


@pytest.mark.parametrize(("n", "k"), [(0, 5), (5, 5), (3, 10), (1000, 7), (10, 0)])
def test_sorted_unique_in_range_and_of_the_right_size(n: int, k: int) -> None:
    idx = subsample_indices(n, k, seed=4)
    assert len(idx) == min(n, k)
    assert np.all(np.diff(idx) > 0) and (len(idx) == 0 or (idx[0] >= 0 and idx[-1] < n))


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    a, b, c = (subsample_indices(10_000, 50, s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_uniform_over_rows() -> None:
    """Each row is kept with probability k/n: counts over 2,000 seeds pass a chi-square test."""
    from scipy.stats import chisquare

    counts = np.zeros(20)
    for seed in range(2000):
        counts[subsample_indices(20, 5, seed)] += 1
    assert chisquare(counts).pvalue > 1e-3


def test_negative_sizes_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        subsample_indices(-1, 3)
