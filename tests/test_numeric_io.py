"""symchain.numeric.io read defensively: the CSV header rule, bounded JSON, NPZ headers first."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_one_error_line, run_cli

from symchain import Network
from symchain.errors import InputFileError
from symchain.limits import MAX_ARRAY_ELEMENTS, MAX_NESTING
from symchain.numeric.io import load_data, load_parameters

NET = Network.from_widths((2, 1))


def _csv(tmp_path: Path, content: bytes | str) -> Path:
    path = tmp_path / "d.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        ("x0,x1,y\n1,2,0.5\n3,4,1\n", [[1, 2, 0.5], [3, 4, 1]]),  # a header: no field a number
        ("1,2,0.5\n3,4,1\n", [[1, 2, 0.5], [3, 4, 1]]),
        ("\ufeff1,2,0.5\n3,4,1\n", [[1, 2, 0.5], [3, 4, 1]]),  # Excel's "CSV UTF-8" BOM
        ("\ufeffx0,x1,y\r\n1,2,0.5\r\n", [[1, 2, 0.5]]),
        (" 1 , 2 ,0.5\n\n", [[1, 2, 0.5]]),
        ('"1","2e0",".5"\n', [[1, 2, 0.5]]),
    ],
)
def test_csv_rows_and_the_header_rule(
    tmp_path: Path, content: str, rows: list[list[float]]
) -> None:
    x, y = load_data(_csv(tmp_path, content), NET)
    np.testing.assert_array_equal(np.hstack([x, y]), np.array(rows, dtype=np.float64))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("0.5,O.2,1\n1,2,3\n", "line 1, column 2: 'O.2' is not a number"),  # a typo, not a header
        ("x0,1,y\n1,2,3\n", "line 1, column 1: 'x0' is not a number"),
        ("1,2,3\n4,5,six\n", "line 2, column 3: 'six' is not a number"),
        ("1,2,3\n4,inf,6\n", "line 2, column 2: 'inf' is not finite"),
        ("1,2,3\n1_0,2,3\n", "line 2, column 1: '1_0' is not a number"),
        ('1,2,3\n"4\n5",6,7\n', "line 3, column 1"),  # a quoted newline: the line it ends on
        ("1,2\n", "line 1 has 2 columns; expected 3"),
        ("x0,x1,y\n", "no samples"),
    ],
)
def test_bad_csv_fields_name_line_and_column(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message.replace("(", r"\(")):
        load_data(_csv(tmp_path, content), NET)


def test_a_csv_field_longer_than_csvs_default_limit_is_read(tmp_path: Path) -> None:
    long = "0." + "1" * 200_000  # csv's default field limit is 131,072 characters
    x, y = load_data(_csv(tmp_path, f"{long},1,2\n"), NET)
    assert x[0, 0] == pytest.approx(0.1111111111)
    path = _csv(tmp_path, "1," + "x" * 200_000 + ",2\n")
    with pytest.raises(InputFileError, match=r"line 1, column 2: 'xxx.*\.\.\.' is not a number"):
        load_data(path, NET)


def _params(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_json_parameters_in_range_are_read(tmp_path: Path) -> None:
    path = _params(tmp_path, '{"W1": [[1, -2.5e300]], "b1": [' + "9" * 300 + "]}")
    params = load_parameters(path, NET)
    assert params["W1"][0, 1] == -2.5e300
    assert params["b1"][0] == pytest.approx(1e300)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"W1": [[1, 2]], "b1": [' + "1" * 400 + "]}", "an integer of 400 digits"),
        ('{"W1": [[1, 2]], "b1": [1e400]}', "1e400 is out of float64's range"),
        ('{"W1": [[1, 2]], "b1": [NaN]}', "NaN is not a finite number"),
        ('{"W1": [[1, 2]], "b1": [-Infinity]}', "-Infinity is not a finite number"),
        ('{"W1": ' + "[" * 5000 + "]" * 5000 + ', "b1": [1]}', "nest too deeply"),
        ('{"W1": ' + "[" * 40 + "1" + "]" * 40 + ', "b1": [1]}', "nest too deeply"),
    ],
)
def test_json_numbers_and_nesting_are_bounded(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        load_parameters(_params(tmp_path, text), NET)


def _npz(tmp_path: Path, **arrays: np.ndarray) -> Path:
    path = tmp_path / "a.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_npz_of_ints_and_floats_is_read(tmp_path: Path) -> None:
    path = _npz(tmp_path, X=np.array([[1, 2]], dtype=np.int32), Y=np.array([[0.5]], np.float32))
    x, y = load_data(path, NET)
    assert x.dtype == np.float64 and x.tolist() == [[1.0, 2.0]] and y.tolist() == [[0.5]]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.array([[1 + 2j, 2]]), "Y": np.ones((1, 1))}, "X holds complex values"),
        ({"X": np.array([["a", "b"]]), "Y": np.ones((1, 1))}, "X holds <U1 values"),
        ({"X": np.ones((1, 2)), "Y": np.array([[True]])}, "Y holds bool values"),
    ],
)
def test_npz_arrays_must_hold_real_numbers(
    tmp_path: Path, arrays: dict[str, np.ndarray], message: str
) -> None:
    with pytest.raises(InputFileError, match=message):
        load_data(_npz(tmp_path, **arrays), NET)


def _crafted_npz(path: Path, shape: tuple[int, ...]) -> Path:
    """An NPZ whose X header claims ``shape`` over a few bytes of data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", header.getvalue() + b"\x00" * 64)
        archive.writestr("Y.npy", header.getvalue() + b"\x00" * 64)
    return path


def test_a_crafted_header_asking_for_terabytes_is_refused_before_loading(tmp_path: Path) -> None:
    path = _crafted_npz(tmp_path / "a.npz", (1 << 40, 2))  # 7 TiB of float64 claimed
    with pytest.raises(InputFileError, match=r"X has shape \(1099511627776, 2\)"):
        load_data(path, NET)


def test_a_small_compressed_npz_that_expands_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.npz"
    rows = MAX_ARRAY_ELEMENTS // 2 + 1
    np.savez_compressed(path, X=np.zeros((rows, 2)), Y=np.zeros((rows, 1)))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(InputFileError, match=f"at most {MAX_ARRAY_ELEMENTS} numbers"):
        load_data(path, NET)


def test_an_npz_with_many_members_is_refused_before_its_directory_is_read(tmp_path: Path) -> None:
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(1000):
            archive.writestr(f"A{index}.npy", b"")
    with pytest.raises(InputFileError, match="not an NPZ archive"):
        load_data(path, NET)


def test_eval_reports_file_problems_as_one_line(tmp_path: Path) -> None:
    data = _csv(tmp_path, "\ufeff0.5,O.2,1\n1,2,3\n")
    result = run_cli("eval", "--layers", "2,1", "--init", "0", "--data", str(data))
    assert_one_error_line(result, "line 1, column 2: 'O.2' is not a number")
    params = _params(tmp_path, json.dumps({"W1": [[1, 2]], "b1": [[1, 2]]}))
    ok = _csv(tmp_path, "1,2,3\n")
    result = run_cli("eval", "--layers", "2,1", "--params", str(params), "--data", str(ok))
    assert_one_error_line(result, "b1 has shape (1, 2); expected (1,)")
    deep = _params(tmp_path, '{"W1": ' + "[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5) + "}")
    result = run_cli("eval", "--layers", "2,1", "--params", str(deep), "--data", str(ok))
    assert_one_error_line(result, "nest too deeply")
