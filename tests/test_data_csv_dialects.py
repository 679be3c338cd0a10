"""CSV dialects a person's spreadsheet or pandas writes: separators, decimal commas, index columns.

The expected arrays are written by hand or by pandas (an independent writer); pandas' own
`read_csv` with the dialect spelled out is the oracle for the generated files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corel_core.data import DataError, load_user_data, save_upload


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_pandas_index_column_is_dropped_and_reported(tmp_path: Path) -> None:
    data = load_user_data(_write(tmp_path, ",x1,label\n0,0.5,0\n1,0.7,1\n"))
    np.testing.assert_allclose(data.x, [[0.5], [0.7]], rtol=1e-6)
    assert data.y is not None and data.y.tolist() == [0, 1]
    assert "dropped an unnamed index column" in data.meta.source
    assert "2 rows × 1 feature;" in data.meta.source


def test_semicolon_separator_with_decimal_comma(tmp_path: Path) -> None:
    data = load_user_data(_write(tmp_path, "1,5;2,25\n-0,75;3,0\n"))
    np.testing.assert_allclose(data.x, [[1.5, 2.25], [-0.75, 3.0]])
    assert "semicolon-separated" in data.meta.source and "decimal comma" in data.meta.source
    assert "no header row" in data.meta.source


def test_a_named_first_column_or_a_shuffled_index_is_kept(tmp_path: Path) -> None:
    kept = load_user_data(_write(tmp_path, "id,x1\n0,0.5\n1,0.7\n2,0.1\n"))
    assert kept.x.shape == (3, 2)
    shuffled = load_user_data(_write(tmp_path, ",x1\n5,0.5\n1,0.7\n2,0.1\n", "b.csv"))
    assert shuffled.x.shape == (3, 2) and "index" not in shuffled.meta.source


@pytest.mark.parametrize(
    ("sep", "decimal", "index"),
    [(",", ".", True), (";", ",", True), (";", ",", False), ("\t", ".", False), ("|", ".", True)],
)
def test_files_written_by_pandas_read_back(
    tmp_path: Path, sep: str, decimal: str, index: bool
) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)) * 100, columns=["a", "b", "c"])
    frame["label"] = rng.integers(0, 3, size=40)
    path = tmp_path / "frame.csv"
    frame.to_csv(path, sep=sep, decimal=decimal, index=index)
    oracle = pd.read_csv(path, sep=sep, decimal=decimal, index_col=0 if index else None)
    data = load_user_data(path)
    np.testing.assert_allclose(data.x, oracle[["a", "b", "c"]].to_numpy(), rtol=1e-6)
    assert data.y is not None
    np.testing.assert_array_equal(data.y, oracle["label"].to_numpy())
    assert ("dropped an unnamed index column" in data.meta.source) == index


def test_upload_errors_name_the_persons_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COREL_UPLOADS_DIR", str(tmp_path / "uploads"))
    with pytest.raises(DataError) as err:
        save_upload("my measurements.csv", b"a,b\n1,2\n3,oops\n")
    assert "my measurements.csv" in str(err.value) and ".incoming" not in str(err.value)
    assert not any((tmp_path / "uploads").iterdir())  # nothing kept
