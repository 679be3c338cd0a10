"""AUROC (Mann–Whitney with ties) against sklearn; the one-class protocol end to end, official vs
split-half on a hand-built case, and the n choices a reference pool allows."""

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
from corel_core.density.oneclass import n_choices, reference_and_scored

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
    with pytest.raises(DensityError, match=r"Class 0 has only 15 reference latents but n=16"):
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


# ---------------------------------------------------------------- official vs split-half

# A hand-built 1-D case (η = 2, l1, inclusive). Training codes: class 0 at 0, 0.5; class 1 at 10,
# 10.5. Evaluation codes, in file order: first half (4, 4.5 | 10, 10.4), second half (2.5, 5 |
# 11, 9). Class 0's unseen codes drifted away from its training codes but lie close together.
TRAIN_Z = np.array([[0.0], [0.5], [10.0], [10.5]])
TRAIN_Y = np.array([0, 0, 1, 1])
EVAL_Z = np.array([[4.0], [10.0], [4.5], [10.4], [2.5], [11.0], [5.0], [9.0]])
EVAL_Y = np.array([0, 1, 0, 1, 0, 1, 0, 1])


def test_reference_and_scored_pick_the_protocols_rows() -> None:
    ref, ref_y, scored, scored_y = reference_and_scored(
        "official", TRAIN_Z, TRAIN_Y, EVAL_Z, EVAL_Y
    )
    assert ref is TRAIN_Z and ref_y is TRAIN_Y and scored is EVAL_Z and scored_y is EVAL_Y
    ref, ref_y, scored, scored_y = reference_and_scored(
        "split-half", TRAIN_Z, TRAIN_Y, EVAL_Z, EVAL_Y
    )
    np.testing.assert_array_equal(ref.ravel(), [4.0, 10.0, 4.5, 10.4])
    np.testing.assert_array_equal(scored.ravel(), [2.5, 11.0, 5.0, 9.0])
    np.testing.assert_array_equal(scored_y, [0, 1, 0, 1])
    with pytest.raises(DensityError, match="protocol must be one of official, split-half"):
        reference_and_scored("ours", TRAIN_Z, TRAIN_Y, EVAL_Z, EVAL_Y)
    with pytest.raises(DensityError, match="too few"):
        reference_and_scored("split-half", TRAIN_Z, TRAIN_Y, EVAL_Z[:3], EVAL_Y[:3])


@pytest.mark.parametrize(
    ("protocol", "per_class"),
    [
        # official, class 0: only 2.5 reaches a training code (|2.5 − 0.5| = 2 ≤ η): counts
        # in-class (0, 0, 1, 0) vs outliers all 0: 4 wins + 12 ties of 16 pairs = (4 + 6)/16.
        # class 1: its eval codes are within 2 of both training codes (count 2), others 0.
        ("official", [0.625, 1.0]),
        # split-half: class 0 references 4, 4.5 hold 2.5 (|2.5 − 4.5| = 2) and 5 (count 2), and
        # neither 9 nor 11; class 1 references 10, 10.4 hold 11 and 9 and no class-0 code.
        ("split-half", [1.0, 1.0]),
    ],
)
def test_official_and_split_half_give_their_hand_computed_aurocs(protocol, per_class) -> None:
    ref, ref_y, scored, scored_y = reference_and_scored(protocol, TRAIN_Z, TRAIN_Y, EVAL_Z, EVAL_Y)
    res = one_class_protocol(ref, ref_y, scored, scored_y, n=2, runs=3, scorers=("count",))
    np.testing.assert_allclose(res.per_class("count"), per_class, rtol=0, atol=1e-12)
    assert res.mean("count") == pytest.approx(np.mean(per_class), abs=1e-12)
    assert res.sd("count") == 0.0  # n = whole class: every run draws the same references
    assert res.n_test == (8 if protocol == "official" else 4)


def test_hand_built_counts_agree_with_sklearn() -> None:
    # the same official class-0 AUROC from hand-listed counts through sklearn
    counts = [0, 0, 0, 0, 1, 0, 0, 0]  # eval order: 4, 10, 4.5, 10.4, 2.5, 11, 5, 9
    np.testing.assert_array_equal(ball_count_score(TRAIN_Z[:2], EVAL_Z, eta=2.0), counts)
    assert roc_auc_score(EVAL_Y == 0, counts) == 0.625


# ---------------------------------------------------------------- n choices


def test_n_choices_follow_the_rarest_class() -> None:
    digits_train = {0: 178, 1: 182, 2: 177, 3: 183, 4: 181, 5: 182, 6: 181, 7: 179, 8: 174, 9: 180}
    got = n_choices(digits_train)
    assert got.choices == (80, 120) and got.default == 120
    assert "500" in got.note and "174 codes of class 8" in got.note
    assert n_choices({0: 600, 1: 500}) == (
        (80, 120, 500),
        120,
        None,
    )
    assert n_choices({0: 100, 1: 300}).choices == (80,)
    assert n_choices({0: 100, 1: 300}).default == 80  # 120 does not fit: the largest that does
    small = n_choices({0: 45, 1: 43, 2: 47})
    assert small.choices == (43,) and small.default == 43
    assert "43 codes of class 1" in small.note
    none = n_choices({0: 30, 1: 1})
    assert none.choices == () and none.default is None and "at least 2" in none.note
    assert n_choices({}).choices == ()


def test_a_class_collapsed_onto_one_code_is_a_note_not_an_abort() -> None:
    """Class 1's codes are all one point: its KDE has no width, every other number stands."""
    rng = np.random.default_rng(0)
    y_train, y_test = np.repeat([0, 1, 2], 100), np.repeat([0, 1, 2], 50)
    z_train, z_test = rng.normal(size=(300, 4)), rng.normal(size=(150, 4))
    z_train[y_train == 1] = 0.5
    z_test[y_test == 1] = 0.5
    res = one_class_protocol(z_train, y_train, z_test, y_test, n=20, runs=2, seed=0)
    kde = res.auroc["kde"]
    assert np.isnan(kde[1]).all() and np.isfinite(kde[[0, 2]]).all()
    assert len(res.notes) == 1 and "kde on class 1" in res.notes[0]
    assert res.mean("kde") == pytest.approx(kde[[0, 2]].mean())
    # the count scorer is defined for the collapsed class; check it against sklearn
    sample = z_train[y_train == 1][:20]
    dist = np.abs(z_test[:, None, :] - sample[None, :, :]).sum(-1)
    counts = (dist <= 2.0).sum(1)
    assert res.auroc["count"][1, 0] == pytest.approx(roc_auc_score(y_test == 1, counts))
    row = {r["scorer"]: r for r in res.summary()}["kde"]
    assert row["worst_class"] in (0, 2)
    raw = json.loads(json.dumps(res.to_json(), allow_nan=False))  # strict JSON: NaN as null
    assert raw["auroc"]["kde"][1] == [None, None]
