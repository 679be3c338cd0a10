"""Hardening, bad input: fuzzed uploads end in a DataError, and nothing is kept or recorded.

Every generated file is tried twice: through `save_upload` (what the Train page calls) and through
`load_user_data` on a file outside the uploads folder. `TRIED` counts the inputs for the README.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from corel_core.data import DataError, list_uploads, load_user_data, save_upload
from corel_core.store import RunStore

TRIED: Counter[str] = Counter()
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = (".npz", ".npy", ".csv", ".txt")


def uploads_dir() -> Path:
    import os

    return Path(os.environ["COREL_UPLOADS_DIR"])


def kept_files() -> list[str]:
    """Everything in the uploads folder, hidden temp files included."""
    folder = uploads_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def assert_refused(
    tmp: Path, filename: str, content: bytes, kind: str, max_bytes: int = 2**20
) -> str:
    """Both entry points raise DataError (nothing else); no upload kept, no run recorded."""
    TRIED[kind] += 1
    before = kept_files()
    with pytest.raises(DataError) as saved:
        save_upload(filename, content, max_bytes=max_bytes)
    assert kept_files() == before, "a refused upload left a file behind"
    path = tmp / ("direct" + Path(filename).suffix)
    path.write_bytes(content)
    with pytest.raises(DataError) as loaded:
        load_user_data(path, max_bytes=max_bytes)
    assert RunStore().list() == []
    assert str(saved.value) and str(loaded.value)
    return str(loaded.value)


def npy_bytes(arr: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=allow_pickle)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# -- random bytes: either a valid dataset (rare, e.g. "1\n2\n" as CSV) or a DataError -----------
@FUZZ
@given(content=st.binary(min_size=0, max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_are_refused_or_valid(
    runs_dir: Path, tmp_path: Path, content: bytes, suffix: str
) -> None:
    TRIED["random bytes"] += 1
    before = kept_files()
    try:
        name = save_upload("random" + suffix, content)
    except DataError:
        assert kept_files() == before
    else:  # accepted: it must really load, as the oracle numpy/csv reader would
        stored = uploads_dir() / name.removeprefix("upload:")
        data = load_user_data(stored)
        assert len(data.x) >= 2 and np.isfinite(data.x).all()
    assert RunStore().list() == []


@FUZZ
@given(
    prefix=st.sampled_from([b"\x93NUMPY", b"PK\x03\x04", b"PK\x05\x06", b"\x80\x04", b""]),
    tail=st.binary(max_size=512),
    suffix=st.sampled_from((".npy", ".npz")),
)
def test_binary_formats_with_random_bodies_are_refused(
    runs_dir: Path, tmp_path: Path, prefix: bytes, tail: bytes, suffix: str
) -> None:
    assert_refused(tmp_path, "bad" + suffix, prefix + tail, "corrupt binary")


# -- wrong shapes and dtypes --------------------------------------------------------------------
BAD_SHAPES = st.one_of(
    hnp.array_shapes(min_dims=0, max_dims=1, min_side=0, max_side=6),  # scalars and vectors
    hnp.array_shapes(min_dims=5, max_dims=6, min_side=1, max_side=2),  # too many dimensions
    st.tuples(st.integers(0, 1), st.integers(1, 4)),  # fewer than two samples
    st.tuples(st.integers(2, 5), st.just(0)),  # empty samples
    st.tuples(st.integers(2, 4), st.integers(5, 7), st.integers(5, 7), st.integers(5, 7)),
)


@FUZZ
@given(shape=BAD_SHAPES, container=st.sampled_from(("npy", "npz")))
def test_wrong_shapes_are_refused(
    runs_dir: Path, tmp_path: Path, shape: tuple[int, ...], container: str
) -> None:
    arr = np.zeros(shape, dtype=np.float32)
    content = npy_bytes(arr) if container == "npy" else zip_bytes({"x.npy": npy_bytes(arr)})
    assert_refused(tmp_path, f"shape.{container}", content, "wrong shape")


BAD_DTYPES = st.one_of(
    hnp.complex_number_dtypes(),
    hnp.unicode_string_dtypes(),
    hnp.byte_string_dtypes(),
    hnp.datetime64_dtypes(),
    hnp.timedelta64_dtypes(),
    st.just(np.dtype([("a", "f4"), ("b", "i4")])),
)


@FUZZ
@given(dtype=BAD_DTYPES, container=st.sampled_from(("npy", "npz")))
def test_non_numeric_dtypes_are_refused(
    runs_dir: Path, tmp_path: Path, dtype: np.dtype, container: str
) -> None:
    arr = np.zeros((6, 3), dtype=dtype)
    content = npy_bytes(arr) if container == "npy" else zip_bytes({"x.npy": npy_bytes(arr)})
    assert_refused(tmp_path, f"dtype.{container}", content, "wrong dtype")


# -- NaN and infinity ---------------------------------------------------------------------------
@FUZZ
@given(
    n=st.integers(2, 12),
    d=st.integers(1, 4),
    bad=st.sampled_from((np.nan, np.inf, -np.inf)),
    where=st.data(),
    fmt=st.sampled_from(("npy", "npz", "csv")),
)
def test_nan_and_inf_are_refused(
    runs_dir: Path, tmp_path: Path, n: int, d: int, bad: float, where: st.DataObject, fmt: str
) -> None:
    arr = np.random.default_rng(n * d).normal(size=(n, d))
    arr[where.draw(st.integers(0, n - 1)), where.draw(st.integers(0, d - 1))] = bad
    if fmt == "npy":
        content = npy_bytes(arr)
    elif fmt == "npz":
        content = zip_bytes({"x.npy": npy_bytes(arr)})
    else:
        content = "\n".join(",".join(repr(float(v)) for v in row) for row in arr).encode()
    message = assert_refused(tmp_path, f"nan.{fmt}", content, "NaN/inf")
    assert "NaN or infinite" in message


# -- text in numeric columns --------------------------------------------------------------------
TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters=",;\t\"'\r\n\x00", exclude_categories=("Cs",)
    ),
    max_size=12,
).filter(lambda s: s.strip() and not _parses(s))  # a blank cell alone is a blank line


def _parses(cell: str) -> bool:
    try:
        value = float(cell.strip())
    except ValueError:
        return False
    return bool(np.isfinite(value))


@FUZZ
@given(n=st.integers(2, 8), d=st.integers(1, 4), cell=TEXT, where=st.data())
def test_text_in_numeric_columns_is_refused(
    runs_dir: Path, tmp_path: Path, n: int, d: int, cell: str, where: st.DataObject
) -> None:
    rows = [[f"{(r * d + c) / 7:.3f}" for c in range(d)] for r in range(n)]
    rows[where.draw(st.integers(1, n - 1))][where.draw(st.integers(0, d - 1))] = cell
    content = "\n".join(",".join(row) for row in rows).encode()
    assert_refused(tmp_path, "text.csv", content, "text in numbers")


# -- empty and oversized files ------------------------------------------------------------------
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_empty_files_are_refused(runs_dir: Path, tmp_path: Path, suffix: str) -> None:
    assert "empty" in assert_refused(tmp_path, "empty" + suffix, b"", "empty file")


@FUZZ
@given(n=st.integers(300, 600), fmt=st.sampled_from(("npy", "npz", "csv")))
def test_files_over_the_size_cap_are_refused(
    runs_dir: Path, tmp_path: Path, n: int, fmt: str
) -> None:
    arr = np.random.default_rng(n).normal(size=(n, 4))
    if fmt == "npy":
        content = npy_bytes(arr)
    elif fmt == "npz":
        content = zip_bytes({"x.npy": npy_bytes(arr)})
    else:
        content = "\n".join(",".join(f"{v:.6f}" for v in row) for row in arr).encode()
    cap = len(content) // 2
    message = assert_refused(tmp_path, f"big.{fmt}", content, "over size cap", max_bytes=cap)
    assert "limit" in message
    load_user_data_ok = tmp_path / f"ok.{fmt}"  # the same file under a generous cap is fine
    load_user_data_ok.write_bytes(content)
    assert load_user_data(load_user_data_ok, max_bytes=2 * len(content)).x.shape == (n, 4)


# -- pickles --------------------------------------------------------------------------------------
PY_OBJECTS = st.recursive(
    st.none() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@FUZZ
@given(objects=st.lists(PY_OBJECTS, min_size=2, max_size=6), where=st.sampled_from(("npy", "x")))
def test_pickled_object_arrays_are_refused(
    runs_dir: Path, tmp_path: Path, objects: list, where: str
) -> None:
    arr = np.empty(len(objects), dtype=object)
    arr[:] = objects
    payload = npy_bytes(arr, allow_pickle=True)
    if where == "npy":
        message = assert_refused(tmp_path, "objects.npy", payload, "pickled objects")
    else:
        good = npy_bytes(np.zeros((len(objects), 2)))
        content = zip_bytes({"x.npy": good, "y.npy": payload})
        message = assert_refused(tmp_path, "objects.npz", content, "pickled objects")
    assert "pickle" in message.lower() or "objects" in message.lower()


# -- odd .npz archives ----------------------------------------------------------------------------
GOOD = np.random.default_rng(1).normal(size=(10, 3))
ODD_ARCHIVES = st.sampled_from(
    [
        {"notes.txt": b"hello", "readme.md": b"# nothing here"},  # no arrays at all
        {"a/b/": b"", "a/b/c.txt": b"x"},  # only directories and text
        {"deep/nested/p.npy": npy_bytes(GOOD), "other/q.npy": npy_bytes(GOOD)},  # no x, two arrays
        {"x.npy": b"not an array at all"},  # a member that is not NPY
        {"x.npy": npy_bytes(np.zeros((0, 3)))},  # zero-size
        {"x.npy": npy_bytes(np.zeros((5, 0)))},  # zero-size samples
        {"x.npy": npy_bytes(GOOD), "y.npy": npy_bytes(np.arange(7))},  # labels of wrong length
        {"x.npy": npy_bytes(GOOD), "y.npy": npy_bytes(np.full(10, 0.5))},  # fractional labels
        {"x.npy": npy_bytes(GOOD), "task.npy": npy_bytes(np.zeros((10, 2)))},  # 2-D task ids
        {"x.npy": npy_bytes(GOOD)[:40]},  # truncated member
    ]
)


@FUZZ
@given(members=ODD_ARCHIVES, junk=st.dictionaries(st.sampled_from(["j/", "k.bin"]), st.binary()))
def test_odd_npz_members_are_refused(
    runs_dir: Path, tmp_path: Path, members: dict[str, bytes], junk: dict[str, bytes]
) -> None:
    assert_refused(tmp_path, "odd.npz", zip_bytes({**members, **junk}), "odd npz member")


def _set_declared_size(content: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size in every local and central zip header."""
    data = bytearray(content)
    for magic, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(magic, start)) >= 0:
            data[at + offset : at + offset + 4] = struct.pack("<I", size)
            start = at + 4
    return bytes(data)


@pytest.mark.parametrize("lie", ["huge", "tiny"])
def test_zip_bombs_are_refused_without_unpacking(runs_dir: Path, tmp_path: Path, lie: str) -> None:
    zeros = npy_bytes(np.zeros((2_000_000, 2)))  # 32 MB of zeros, ~30 kB deflated
    content = zip_bytes({"x.npy": zeros})
    assert len(content) < 200_000
    if lie == "huge":  # the honest header already declares far more than 8 × the cap
        message = assert_refused(tmp_path, "bomb.npz", content, "zip bomb", max_bytes=2**20)
        assert "unpacks" in message
    else:  # a header that lies small: reading stops at the declared size and the CRC fails
        lying = _set_declared_size(content, 1000)
        assert_refused(tmp_path, "bomb.npz", lying, "zip bomb", max_bytes=2**20)


def test_every_refusal_is_counted_for_the_readme() -> None:
    total = sum(TRIED.values())
    print(f"\nbad inputs tried: {total} {dict(TRIED)}")
    assert total >= 400, TRIED


def test_a_good_file_is_still_kept(runs_dir: Path) -> None:
    """The control: the same path accepts a plain array, so the refusals above are specific."""
    name = save_upload("fine.npz", zip_bytes({"x.npy": npy_bytes(GOOD)}))
    assert list_uploads() == [name]
    np.testing.assert_allclose(load_user_data(uploads_dir() / name[7:]).x, GOOD, rtol=1e-6)
