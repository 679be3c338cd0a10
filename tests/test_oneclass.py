"""AUROC (Mann–Whitney with ties) against sklearn, and the one-class protocol end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from corel_core.density import (
    DensityError,
    auroc,
    ball_count_score,
    one_class_protocol,
    roc_curve_points,
)

# ---------------------------------------------------------------- AUROC


@pytest.mark.parametrize("seed", range(5))
def test_auroc_matches_sklearn_with_many_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(400) < 0.3
    scores = rng.integers(0, 5, size=400) + y * rng.integers(0, 2, size=400)
    assert auroc(scores, y) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    fpr, tpr, thr = roc_curve_points(scores, y)
    ref_fpr, ref_tpr, ref_thr = roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)
    np.testing.assert_array_equal(thr[1:], ref_thr[1:])
    assert thr[0] == np.inf
    assert np.trapezoid(tpr, fpr) == pytest.approx(auroc(scores, y), abs=1e-12)


def test_auroc_known_answers() -> None:
    y = np.array([1, 1, 1, 0, 0])
    assert auroc([5, 4, 3, 2, 1], y) == 1.0
    assert auroc([1, 2, 3, 4, 5], y) == 0.0
    assert auroc([7, 7, 7, 7, 7], y) == 0.5
    # one tie between an inlier and an outlier out of 2·2 pairs: (3 + ½) / 4
    assert auroc([3, 2, 2, 1], [1, 1, 0, 0]) == 0.875


def test_auroc_errors() -> None:
    with pytest.raises(DensityError, match="inlier and one outlier"):
        auroc([1, 2, 3], [1, 1, 1])
    with pytest.raises(DensityError, match="NaN"):
        auroc([1, np.nan, 3], [1, 0, 1])
    with pytest.raises(DensityError, match="equal length"):
        auroc([1, 2], [1, 0, 1])
    with pytest.raises(DensityError, match="0/1"):
        auroc([1, 2, 3], [1, 2, 0])


# ---------------------------------------------------------------- one-class protocol


def _latents(centers, per_class: int, sd: float, dim: int, seed: int):
    rng = np.random.default_rng(seed)
    x = np.concatenate([c + sd * rng.normal(size=(per_class, dim)) for c in centers])
    y = np.repeat(np.arange(len(centers)), per_class)
    return x.astype(np.float32), y


def test_protocol_separated_classes_give_auroc_one() -> None:
    centers = (0.0, 10.0, 20.0)
    tr_x, tr_y = _latents(centers, 60, 0.1, 20, seed=0)
    te_x, te_y = _latents(centers, 40, 0.1, 20, seed=1)
    calls = []
    res = one_class_protocol(
        tr_x, tr_y, te_x, te_y, n=30, runs=2, branches=2, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(i, 6) for i in range(1, 7)]
    assert res.classes == (0, 1, 2)
    for s in ("count", "kde", "ocsvm"):
        assert res.auroc[s].shape == (3, 2)
        assert res.mean(s) > 0.99
        assert len(res.roc[s]) == 3
    assert res.mean("count") == 1.0
    assert res.sd("count") == 0.0
    blob = json.loads(json.dumps(res.to_json()))
    assert blob["auroc"]["kde"] == res.auroc["kde"].tolist()
    assert blob["roc"]["count"][0]["fpr"][0] == 0.0
    assert {row["scorer"] for row in blob["summary"]} == {"count", "kde", "ocsvm"}


def test_protocol_count_with_whole_class_matches_brute_force() -> None:
    # overlapping classes give non-trivial AUROCs; with n = whole class the draw is the full pool,
    # so the count score (order-free) is fixed and sklearn's AUROC on it is an independent check
    centers = (0.0, 0.8, 1.6)
    tr_x, tr_y = _latents(centers, 25, 0.6, 6, seed=2)
    te_x, te_y = _latents(centers, 30, 0.6, 6, seed=3)
    res = one_class_protocol(tr_x, tr_y, te_x, te_y, n=25, runs=3, branches=3, scorers=("count",))
    for c in range(3):
        s = ball_count_score(tr_x[tr_y == c], te_x, eta=2.0, branches=3)
        expected = roc_auc_score(te_y == c, s)
        np.testing.assert_allclose(res.auroc["count"][c], expected, rtol=1e-12)
    per_run_class_mean = res.auroc["count"].mean(axis=0)
    assert res.mean("count") == pytest.approx(per_run_class_mean.mean())
    np.testing.assert_allclose(res.per_class_sd("count"), res.auroc["count"].std(1, ddof=1))
    assert 0.5 < res.mean("count") < 1.0


def test_protocol_is_seeded_and_subset_consistent() -> None:
    centers = (0.0, 1.0, 2.0)
    tr_x, tr_y = _latents(centers, 50, 0.7, 4, seed=4)
    te_x, te_y = _latents(centers, 20, 0.7, 4, seed=5)
    kw = {"n": 10, "runs": 3, "scorers": ("count", "kde")}
    a = one_class_protocol(tr_x, tr_y, te_x, te_y, seed=7, **kw)
    b = one_class_protocol(tr_x, tr_y, te_x, te_y, seed=7, **kw)
    only1 = one_class_protocol(tr_x, tr_y, te_x, te_y, seed=7, classes=[1], **kw)
    np.testing.assert_array_equal(a.auroc["kde"], b.auroc["kde"])
    np.testing.assert_array_equal(only1.auroc["count"][0], a.auroc["count"][1])
    # different runs draw different subsets, so the kde AUROCs vary over runs
    assert np.ptp(a.auroc["kde"], axis=1).max() > 0


def test_protocol_errors() -> None:
    tr_x, tr_y = _latents((0.0, 5.0), 20, 0.5, 4, seed=0)
    te_x, te_y = _latents((0.0, 5.0), 10, 0.5, 4, seed=1)
    tr_y = tr_y.copy()
    tr_y[:5] = 1  # class 0 keeps 15 training latents
    with pytest.raises(DensityError, match=r"Class 0 has only 15 training latents but n=16"):
        one_class_protocol(tr_x, tr_y, te_x, te_y, n=16)
    bad = te_x.copy()
    bad[[1, 2], 0] = np.nan
    with pytest.raises(DensityError, match="2 NaN"):
        one_class_protocol(tr_x, tr_y, bad, te_y, n=5)
    with pytest.raises(DensityError, match="match one to one"):
        one_class_protocol(tr_x, tr_y[:-1], te_x, te_y, n=5)
    with pytest.raises(DensityError, match="dims"):
        one_class_protocol(tr_x, tr_y, te_x[:, :2], te_y, n=5)
    with pytest.raises(DensityError, match="divide"):
        one_class_protocol(tr_x, tr_y, te_x, te_y, n=5, branches=3)
    with pytest.raises(DensityError, match="scorers"):
        one_class_protocol(tr_x, tr_y, te_x, te_y, n=5, scorers=("count", "magic"))
    with pytest.raises(DensityError, match="single class"):
        one_class_protocol(tr_x, tr_y, te_x[te_y == 0], te_y[te_y == 0], n=5)
    with pytest.raises(DensityError, match="does not occur"):
        one_class_protocol(tr_x, tr_y, te_x, te_y, n=5, classes=[9])
