"""diagrams(): H1 of a noisy circle, subsampling, H0 cross-checked with gudhi."""

from __future__ import annotations

import gudhi
import numpy as np
import pytest
import torch

from corel_core.topology import Diagrams, NonFiniteInputError, diagrams, vr0_persistence


def noisy_circle(n: int, seed: int = 0, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(angle), np.sin(angle)] + noise * rng.standard_normal((n, 2))


def test_noisy_circle_has_one_long_h1_bar() -> None:
    dgm = diagrams(noisy_circle(200), max_dim=1, metric="l2")
    assert isinstance(dgm, Diagrams) and isinstance(dgm, dict)
    assert set(dgm) == {0, 1}
    life = dgm[1][:, 1] - dgm[1][:, 0]
    assert np.count_nonzero(life > 1.0) == 1
    assert np.sort(life)[-2] < 0.3
    # The essential H0 bar is np.inf, the other deaths are the MST of the cloud.
    assert np.count_nonzero(np.isinf(dgm[0][:, 1])) == 1
    assert dgm.n_used == dgm.n_total == 200 and not dgm.subsampled


def test_h1_matches_gudhi() -> None:
    x = noisy_circle(120, seed=1, noise=0.1)
    dgm = diagrams(x, max_dim=1)
    st = gudhi.RipsComplex(points=x).create_simplex_tree(max_dimension=2)
    st.compute_persistence()
    ref = st.persistence_intervals_in_dimension(1)
    ours = dgm[1][dgm[1][:, 1] > dgm[1][:, 0]]
    np.testing.assert_allclose(
        np.sort(ours[:, 1] - ours[:, 0]), np.sort(ref[:, 1] - ref[:, 0]), atol=1e-6
    )


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_h0_agrees_with_vr0_persistence(metric: str) -> None:
    x = np.random.default_rng(2).standard_normal((150, 3))
    dgm = diagrams(x, max_dim=0, metric=metric)
    finite = np.sort(dgm[0][np.isfinite(dgm[0][:, 1]), 1])
    ours = vr0_persistence(torch.from_numpy(x), metric).deaths.numpy()
    np.testing.assert_allclose(finite, ours, rtol=1e-6)


def test_subsampling_cap_is_respected_and_seeded() -> None:
    x = noisy_circle(1500, seed=3)
    dgm = diagrams(x, max_dim=1, max_points=300, seed=5)
    assert (dgm.n_used, dgm.n_total, dgm.subsampled) == (300, 1500, True)
    assert len(dgm[0]) == 300  # one H0 bar per used point
    assert len(np.unique(dgm.indices)) == 300 and dgm.indices.max() < 1500
    again = diagrams(x, max_dim=1, max_points=300, seed=5)
    np.testing.assert_array_equal(dgm.indices, again.indices)
    other = diagrams(x, max_dim=1, max_points=300, seed=6)
    assert not np.array_equal(dgm.indices, other.indices)


def test_bad_inputs_raise_value_errors() -> None:
    x = noisy_circle(20)
    x[4] = np.nan
    with pytest.raises(NonFiniteInputError, match="rows 4"):
        diagrams(x)
    with pytest.raises(ValueError, match="max_dim"):
        diagrams(noisy_circle(20), max_dim=7)
    with pytest.raises(ValueError, match="2-D"):
        diagrams(np.zeros(5))
    empty = diagrams(np.zeros((0, 2)), max_dim=1)
    assert empty[0].shape == (0, 2) and empty[1].shape == (0, 2) and empty.n_used == 0
