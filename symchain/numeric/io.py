"""Reading parameters (JSON or NPZ) and batches (CSV or NPZ) from files, validated for a network.

Every problem (missing file, unknown extension, bad JSON, a binary file, a missing or unknown key,
a wrong shape, a non-number, NaN or infinity, a CSV row with the wrong number of columns) raises
:class:`~symchain.errors.InputFileError` with a message naming the file and what was expected.
Files are read defensively (:mod:`symchain.files`, limits in :mod:`symchain.limits`): regular files
of bounded size only; JSON numbers within float64's range and nesting bounded; an NPZ archive's
array headers (dtype, shape) checked before any array is loaded.
"""

from __future__ import annotations

import array
import csv
import io
import json
import math
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputFileError
from ..files import nesting, read_bytes, read_text
from ..limits import (
    MAX_ARRAY_ELEMENTS,
    MAX_DATA_BYTES,
    MAX_INTEGER_DIGITS,
    MAX_JSON_BYTES,
    MAX_NESTING,
    MAX_NPZ_MEMBERS,
)
from ..network import Network
from .compiled import parameter_names, parameter_shapes

PARAMETER_SUFFIXES = (".json", ".npz")
DATA_SUFFIXES = (".csv", ".npz")


def load_parameters(path: Path, network: Network) -> dict[str, np.ndarray]:
    """``W1, b1, ...`` from a JSON object of nested lists or an NPZ archive, in nn.Linear shapes."""
    suffix = _suffix(path, PARAMETER_SUFFIXES, "parameter")
    raw = read_json(path) if suffix == ".json" else read_npz(path)
    names = parameter_names(network)
    missing = [name for name in names if name not in raw]
    if missing:
        raise InputFileError(
            f"{path}: missing parameters {', '.join(missing)}; expected keys {', '.join(names)}"
        )
    extra = sorted(set(raw) - set(names))
    if extra:
        raise InputFileError(
            f"{path}: unknown keys {', '.join(extra)}; expected keys {', '.join(names)}"
        )
    shapes = parameter_shapes(network)
    return {name: _array(path, name, raw[name], shapes[name]) for name in names}


def load_data(path: Path, network: Network) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (batch, n_0) and ``Y`` (batch, n_L) from a CSV (inputs then targets) or an NPZ."""
    suffix = _suffix(path, DATA_SUFFIXES, "data")
    n_in, n_out = network.widths[0], network.widths[-1]
    if suffix == ".csv":
        table = _read_csv(path, n_in + n_out)
        x, y = table[:, :n_in], table[:, n_in:]
    else:
        raw = read_npz(path)
        for key in ("X", "Y"):
            if key not in raw:
                raise InputFileError(f"{path}: missing array {key}; an NPZ batch holds X and Y")
        extra = sorted(set(raw) - {"X", "Y"})
        if extra:
            raise InputFileError(f"{path}: unknown arrays {', '.join(extra)}; expected X and Y")
        x = _array(path, "X", raw["X"], None)
        y = _array(path, "Y", raw["Y"], None)
        if x.ndim != 2 or x.shape[1] != n_in:
            raise InputFileError(f"{path}: X has shape {x.shape}; expected (batch, {n_in})")
        if y.shape != (x.shape[0], n_out):
            raise InputFileError(f"{path}: Y has shape {y.shape}; expected ({x.shape[0]}, {n_out})")
    if x.shape[0] == 0:
        raise InputFileError(f"{path}: no samples; give at least one row")
    return x, y


def _suffix(path: Path, accepted: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in accepted:
        raise InputFileError(
            f"{path}: unknown {what} file type {suffix or '(none)'!r}; accepted: "
            + ", ".join(accepted)
        )
    return suffix


class _JsonNumbers:
    """Hooks of :func:`json.loads` that keep numbers within float64 and count them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    def _counted(self) -> None:
        self.count += 1
        if self.count > MAX_ARRAY_ELEMENTS:
            raise InputFileError(
                f"{self.path}: more than {MAX_ARRAY_ELEMENTS} numbers; a parameter file holds "
                "one number per weight and bias"
            )

    def integer(self, text: str) -> float:
        self._counted()
        digits = len(text.lstrip("-"))
        if digits > MAX_INTEGER_DIGITS:
            raise InputFileError(
                f"{self.path}: an integer of {digits} digits is out of float64's range; "
                "give numbers within ±1.8e308"
            )
        return self._finite(_big(text), text)

    def real(self, text: str) -> float:
        self._counted()
        return self._finite(float(text), text)

    def constant(self, text: str) -> float:
        raise InputFileError(f"{self.path}: {text} is not a finite number; give finite numbers")

    def _finite(self, value: float, text: str) -> float:
        if not math.isfinite(value):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise InputFileError(
                f"{self.path}: the number {shown} is out of float64's range; "
                "give numbers within ±1.8e308"
            )
        return value


def _big(text: str) -> float:
    try:
        return float(int(text))
    except OverflowError:
        return math.inf


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object of a parameter file: bounded size, numbers within float64, nesting capped."""
    text = read_text(path, MAX_JSON_BYTES, "parameter file")
    numbers = _JsonNumbers(path)
    try:
        value = json.loads(
            text,
            parse_int=numbers.integer,
            parse_float=numbers.real,
            parse_constant=numbers.constant,
        )
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}: not valid JSON ({_first_line(error)})") from None
    except RecursionError:
        value = None
    if value is None or nesting(value, MAX_NESTING) > MAX_NESTING:
        raise InputFileError(
            f"{path}: arrays nest too deeply (at most {MAX_NESTING} levels); a parameter is a "
            "list of rows of numbers"
        )
    if not isinstance(value, dict):
        raise InputFileError(
            f"{path}: expected a JSON object keyed by name (W1, b1, ..., or a graph's names)"
        )
    return value


def read_npz(path: Path) -> dict[str, Any]:
    """The arrays of an NPZ file, its headers (dtype, shape, total size) checked first."""
    data = read_bytes(path, MAX_DATA_BYTES, "NPZ file")
    if not _small_zip_directory(data):
        raise InputFileError(
            f"{path}: not an NPZ archive (a zip of at most {MAX_NPZ_MEMBERS} .npy arrays, "
            "as np.savez writes)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_npz_headers(path, archive)
        with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise InputFileError(f"{path}: not an NPZ archive")
            return {key: loaded[key] for key in loaded.files}
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        struct.error,
    ) as error:
        raise InputFileError(f"{path}: not a readable NPZ archive ({_first_line(error)})") from None


def _small_zip_directory(data: bytes) -> bool:
    """Whether ``data`` ends with a zip directory of at most MAX_NPZ_MEMBERS entries (checked
    before :mod:`zipfile` reads the directory, which a crafted archive could make huge)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) - end < 22:
        return False
    entries, directory_size = struct.unpack_from("<HL", data, end + 10)
    return entries <= MAX_NPZ_MEMBERS and directory_size <= MAX_NPZ_MEMBERS * 1024


def _check_npz_headers(path: Path, archive: zipfile.ZipFile) -> None:
    """Every member's dtype (real numbers only) and shape, and the total size, from its .npy
    header, before anything is loaded."""
    total = 0
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        with archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            except (ValueError, SyntaxError, TypeError) as error:
                raise InputFileError(
                    f"{path}: {name} is not a .npy array ({_first_line(error)})"
                ) from None
        if dtype.kind not in "fiu" or dtype.fields is not None or dtype.subdtype is not None:
            kind = "complex" if dtype.kind == "c" else str(dtype)
            raise InputFileError(
                f"{path}: {name} holds {kind} values; give real numbers (float or int arrays)"
            )
        total += math.prod(shape)
        if total > MAX_ARRAY_ELEMENTS:
            raise InputFileError(
                f"{path}: {name} has shape {tuple(shape)}; the arrays may hold at most "
                f"{MAX_ARRAY_ELEMENTS} numbers together"
            )


@contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field-size limit raised to ``limit`` while a file is parsed."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _number(cell: str) -> float | None:
    """The value of a CSV field, or None when it is not a decimal number."""
    text = cell.strip()
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path: Path, columns: int) -> np.ndarray:
    text = read_text(path, MAX_DATA_BYTES, "CSV file")
    values = array.array("d")
    rows = 0
    first = True
    with csv_field_limit(MAX_DATA_BYTES):
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                numbers = [_number(cell) for cell in row]
                if first and all(number is None for number in numbers):
                    first = False
                    continue  # a header: no field is a number
                first = False
                line = reader.line_num
                if len(row) != columns:
                    raise InputFileError(
                        f"{path}: line {line} has {len(row)} columns; expected {columns} "
                        "(the inputs n_0, then the targets n_L)"
                    )
                for column, (cell, number) in enumerate(zip(row, numbers, strict=True), 1):
                    if number is None:
                        shown = cell if len(cell) <= 40 else cell[:37] + "..."
                        raise InputFileError(
                            f"{path}: line {line}, column {column}: {shown!r} is not a number"
                        )
                    if not math.isfinite(number):
                        raise InputFileError(
                            f"{path}: line {line}, column {column}: {cell.strip()!r} is not "
                            "finite; give finite numbers"
                        )
                values.extend(numbers)  # type: ignore[arg-type]
                rows += 1
                if len(values) > MAX_ARRAY_ELEMENTS:
                    raise InputFileError(
                        f"{path}: more than {MAX_ARRAY_ELEMENTS} numbers; give a smaller batch"
                    )
        except csv.Error as error:
            raise InputFileError(
                f"{path}: line {reader.line_num} is not valid CSV ({error})"
            ) from None
    return np.frombuffer(values, dtype=np.float64).reshape(rows, columns)


def _array(path: Path, name: str, value: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.dtype.kind not in "fiu":
        raise InputFileError(f"{path}: {name} holds {value.dtype} values; give real numbers")
    try:
        array_value = np.array(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise InputFileError(
            f"{path}: {name} is not an array of numbers"
            + (f" of shape {shape}" if shape is not None else "")
        ) from None
    if shape is not None and array_value.shape != shape:
        raise InputFileError(f"{path}: {name} has shape {array_value.shape}; expected {shape}")
    if not np.all(np.isfinite(array_value)):
        raise InputFileError(f"{path}: {name} contains NaN or infinite values")
    return array_value


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
