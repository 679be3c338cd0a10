"""User uploads: good .npz/.npy/.csv files load; every bad file raises DataError."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corel_core.data import DataError, load_user_data


def test_npz_points_with_labels_and_task(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(20, 3))
    y = np.repeat([0, 1], 10)
    task = np.array([5] * 15 + [9] * 5)
    np.savez(tmp_path / "a.npz", x=x, labels=y, task=task)
    data = load_user_data(tmp_path / "a.npz")
    np.testing.assert_allclose(data.x, x.astype(np.float32))
    assert data.x.dtype == np.float32 and data.meta.kind == "points" and data.meta.shape == (3,)
    assert data.y.tolist() == y.tolist() and data.y.dtype == np.int64
    assert data.task.tolist() == [0] * 15 + [1] * 5 and data.meta.task_names == ("5", "9")
    assert data.meta.classes == ("0", "1")


def test_npz_uint8_images_are_scaled(tmp_path: Path) -> None:
    images = np.random.default_rng(1).integers(0, 256, size=(4, 5, 6), dtype=np.uint8)
    images[0, 0, 0] = 255
    np.savez_compressed(tmp_path / "img.npz", images=images, y=np.array([1.0, 2.0, 3.0, 1.0]))
    data = load_user_data(tmp_path / "img.npz")
    assert data.x.shape == (4, 1, 5, 6) and data.meta.kind == "image"
    np.testing.assert_allclose(data.x[:, 0], images / 255.0, rtol=1e-6)
    assert "scaled" in data.meta.source
    assert data.y.tolist() == [0, 1, 2, 0] and data.meta.classes == ("1", "2", "3")


def test_npy_channel_last_images(tmp_path: Path) -> None:
    images = np.random.default_rng(2).random((3, 8, 8, 3))
    np.save(tmp_path / "c.npy", images)
    data = load_user_data(tmp_path / "c.npy")
    assert data.x.shape == (3, 3, 8, 8)
    np.testing.assert_allclose(data.x, np.transpose(images, (0, 3, 1, 2)), rtol=1e-6)
    assert data.y is None and data.task is None


def test_csv_with_header_and_label_column(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("a,b,label\n1,2,0\n3.5,-4,1\n\n5,6e-1,1\n")
    data = load_user_data(tmp_path / "p.csv")
    np.testing.assert_allclose(data.x, [[1, 2], [3.5, -4], [5, 0.6]])
    assert data.y.tolist() == [0, 1, 1]


def test_csv_without_header(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("1;2;3\n4;5;6\n")
    data = load_user_data(tmp_path / "p.csv")
    assert data.x.shape == (2, 3) and data.y is None


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return path


def test_object_npy_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="Python objects"):
        load_user_data(path)
    np.savez(tmp_path / "obj.npz", x=np.array([[1], "a"], dtype=object))
    with pytest.raises(DataError, match="Python objects"):
        load_user_data(tmp_path / "obj.npz")


@pytest.mark.parametrize(
    "name, maker, words",
    [
        ("random.npz", lambda p: p.write_bytes(np.random.default_rng(0).bytes(300)), "zip"),
        ("random.npy", lambda p: p.write_bytes(np.random.default_rng(0).bytes(300)), "NumPy"),
        ("pickle.npy", lambda p: p.write_bytes(pickle.dumps([1, 2, 3])), "NumPy"),
        ("empty.csv", lambda p: p.write_text(""), "empty"),
        ("blank.csv", lambda p: p.write_text("\n\n  \n"), "no rows"),
        ("text.csv", lambda p: p.write_text("a,b\n1,2\n3,oops\n"), "line 3.*'oops'"),
        ("ragged.csv", lambda p: p.write_text("1,2\n3\n"), "line 2"),
        ("header_only.csv", lambda p: p.write_text("a,b\n"), "no data rows"),
        ("nan.csv", lambda p: p.write_text("1,2\n3,nan\n4,5\n6,inf\n"), "2 NaN.*1, 3"),
        ("one.csv", lambda p: p.write_text("1,2\n"), "at least 2"),
        ("labels_only.csv", lambda p: p.write_text("label\n1\n2\n"), "no feature"),
        ("bad_label.csv", lambda p: p.write_text("a,y\n1,0.5\n2,1\n"), "whole numbers"),
        ("binary.csv", lambda p: p.write_bytes(b"\xff\xfe\x00\x01" * 10), "not a text"),
        ("vector.npy", lambda p: np.save(p, np.arange(5.0)), "2-D"),
        ("five_d.npy", lambda p: np.save(p, np.zeros((2, 1, 1, 1, 1))), "2-D"),
        ("strings.npy", lambda p: np.save(p, np.array([["a", "b"], ["c", "d"]])), "numbers"),
        ("complex.npy", lambda p: np.save(p, np.ones((3, 2), complex)), "numbers"),
        ("many_ch.npy", lambda p: np.save(p, np.zeros((2, 9, 8, 7))), "at most 4 channels"),
        ("neg_img.npy", lambda p: np.save(p, -np.ones((2, 4, 4))), r"\[0, 1\] or \[0, 255\]"),
        ("no_feat.npy", lambda p: np.save(p, np.zeros((3, 0))), "empty"),
        ("inf.npy", lambda p: np.save(p, np.array([[1.0, np.inf], [0, 0]])), "NaN or infinite"),
        (
            "mismatch.npz",
            lambda p: np.savez(p, x=np.zeros((4, 2)), y=np.arange(3)),
            "4 samples but the labels has 3",
        ),
        (
            "float_labels.npz",
            lambda p: np.savez(p, x=np.zeros((2, 2)), y=np.array([0.0, 1.5])),
            "whole numbers",
        ),
        (
            "nan_labels.npz",
            lambda p: np.savez(p, x=np.zeros((2, 2)), labels=np.array([0.0, np.nan])),
            "whole numbers",
        ),
        (
            "2d_labels.npz",
            lambda p: np.savez(p, x=np.zeros((2, 2)), y=np.zeros((2, 2))),
            "one value per sample",
        ),
        (
            "nokey.npz",
            lambda p: np.savez(p, a=np.zeros((2, 2)), b=np.zeros((2, 2))),
            "named x",
        ),
        ("text.txt.gz", lambda p: p.write_text("1,2\n"), "unsupported"),
    ],
)
def test_bad_uploads_raise_data_error(tmp_path: Path, name: str, maker, words: str) -> None:
    path = tmp_path / name
    maker(path)
    with pytest.raises(DataError, match=words):
        load_user_data(path)


def test_missing_and_too_big(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no file"):
        load_user_data(tmp_path / "nope.npz")
    np.save(tmp_path / "big.npy", np.zeros((100, 10)))
    with pytest.raises(DataError, match="upload limit"):
        load_user_data(tmp_path / "big.npy", max_bytes=1000)
    assert len(load_user_data(tmp_path / "big.npy", max_bytes=100_000)) == 100


def test_truncated_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", np.zeros((50, 4)))
    raw = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(raw[:-40])
    with pytest.raises(DataError):
        load_user_data(tmp_path / "t.npy")


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.binary(min_size=1, max_size=400),
    suffix=st.sampled_from([".npz", ".npy", ".csv"]),
    numpy_magic=st.booleans(),
)
def test_random_bytes_never_crash(tmp_path: Path, payload: bytes, suffix: str, numpy_magic: bool):
    prefix = {".npz": b"PK\x03\x04", ".npy": b"\x93NUMPY\x01\x00", ".csv": b""}[suffix]
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes((prefix if numpy_magic else b"") + payload)
    try:
        data = load_user_data(path)
    except DataError as exc:
        assert str(exc)  # a readable message, and the right exception type
    else:  # by chance valid (e.g. digits in a csv): then it must satisfy the contract
        assert data.x.dtype == np.float32 and len(data) >= 2 and np.isfinite(data.x).all()
