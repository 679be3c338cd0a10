"""The built-in two-task set synthetic_shifted: offline, seeded, five clusters, unit noise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsRegressor

from corel_core.config import DataConfig
from corel_core.data import DataError, describe_dataset, list_datasets, load_dataset
from corel_core.data import synthetic as syn
from corel_core.data.registry import get_spec


def load(**kw) -> object:
    return load_dataset(DataConfig(name="synthetic_shifted", **kw), download=False)


def test_registered_offline_point_set(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COREL_OFFLINE", "1")
    monkeypatch.setenv("COREL_DATA_DIR", str(tmp_path / "no-data-here"))
    assert "synthetic_shifted" in list_datasets()
    spec = get_spec("synthetic_shifted")
    assert spec.kind == "points" and not spec.downloads
    assert "32-D" in describe_dataset("synthetic_shifted")
    data = load(limit=300, n_target=50, seed=3)
    assert data.x.dtype == np.float32 and data.x.shape == (350, 32)
    assert data.y.dtype == np.int64 and data.task.dtype == np.int64
    assert np.bincount(data.task).tolist() == [300, 50]
    assert np.bincount(data.y[data.task == 1]).tolist() == [10] * 5  # balanced classes
    assert data.meta.kind == "points" and data.meta.shape == (32,)
    assert data.meta.task_names == ("synthetic", "shifted")
    assert data.meta.classes == tuple(f"cluster {k}" for k in range(5))
    assert not list(tmp_path.iterdir())  # nothing written or downloaded


def test_deterministic_per_seed_with_fixed_rendering() -> None:
    a, b, c = load(n_target=40, seed=0), load(n_target=40, seed=0), load(n_target=40, seed=1)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.x[:100], c.x[:100])
    first, second = syn.rendering_maps(), syn.rendering_maps()
    assert all(np.array_equal(first[k], second[k]) for k in first)
    # the source stream does not depend on the target size
    np.testing.assert_array_equal(load(n_target=10, seed=0).x[:5000], a.x[:5000])


def test_latent_is_five_clusters_on_a_circle() -> None:
    u, labels = syn.draw_latents(5000, np.random.default_rng(11))
    angle = 2.0 * np.pi * np.arange(5) / 5
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # radius 2, 72° apart
    for k in range(5):
        members = u[labels == k]
        assert len(members) == 1000
        np.testing.assert_allclose(members.mean(axis=0), centres[k], atol=0.04)
        np.testing.assert_allclose(members.std(axis=0), 0.3, atol=0.02)
    nearest = np.argmin(((u[:, None] - centres[None]) ** 2).sum(axis=2), axis=1)
    assert (nearest == labels).mean() > 0.995  # gaps of 2.35 against a spread of 0.3


@pytest.mark.parametrize("task", [0, 1])
def test_observation_noise_is_standard_normal(task: int) -> None:
    x, _, u = syn.draw_task(1500, task, seed=5)
    noise = (x - syn.render(u, task)).ravel()
    assert stats.kstest(noise, "norm").pvalue > 1e-3
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 1.0) < 0.01


def test_target_rendering_carries_less_information_about_u() -> None:
    """The target's bias shift switches hidden units off: a smaller Jacobian dx/du (central
    differences) and a worse k-NN regression of u from x (scikit-learn) than the source's."""
    u, _ = syn.draw_latents(1000, np.random.default_rng(2))
    h = 1e-4
    jac = {}
    for task in (0, 1):
        cols = [
            (syn.render(u + h * e, task) - syn.render(u - h * e, task)) / (2 * h) for e in np.eye(2)
        ]
        jac[task] = np.sqrt(sum((c**2).sum(axis=1) for c in cols)).mean()
    assert jac[1] < 0.8 * jac[0]
    r2 = {}
    for task in (0, 1):
        x, _, u_task = syn.draw_task(1500, task, seed=4)
        r2[task] = cross_val_score(KNeighborsRegressor(10), x, u_task, cv=5, scoring="r2").mean()
    assert r2[1] < r2[0] and r2[0] > 0.95
    maps = syn.rendering_maps()  # the target's bias is lowered, never raised
    assert (maps["shift"] >= 0).all() and maps["shift"].mean() > 1.0


def test_bad_arguments() -> None:
    with pytest.raises(DataError, match="n_target"):
        syn.load_synthetic_two_task(n_target=0)
    with pytest.raises(DataError, match="task"):
        syn.render(np.zeros((1, 2)), 2)
