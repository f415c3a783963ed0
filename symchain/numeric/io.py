"""Reading parameters (JSON or NPZ) and batches (CSV or NPZ) from files, validated for a network.

Every problem (missing file, unknown extension, bad JSON, a binary file, a missing or unknown key,
a wrong shape, a non-number, NaN or infinity, a CSV row with the wrong number of columns) raises
:class:`~symchain.errors.InputFileError` with a message naming the file and what was expected.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputFileError
from ..network import Network
from .compiled import parameter_names, parameter_shapes

PARAMETER_SUFFIXES = (".json", ".npz")
DATA_SUFFIXES = (".csv", ".npz")


def load_parameters(path: Path, network: Network) -> dict[str, np.ndarray]:
    """``W1, b1, ...`` from a JSON object of nested lists or an NPZ archive, in nn.Linear shapes."""
    suffix = _suffix(path, PARAMETER_SUFFIXES, "parameter")
    raw = _read_json(path) if suffix == ".json" else _read_npz(path)
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
        raw = _read_npz(path)
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
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    return suffix


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputFileError(f"{path}: not valid JSON ({_first_line(error)})") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror})") from None
    if not isinstance(value, dict):
        raise InputFileError(f"{path}: expected a JSON object with keys W1, b1, ...")
    return value


def _read_npz(path: Path) -> dict[str, Any]:
    if not zipfile.is_zipfile(path):
        raise InputFileError(
            f"{path}: not an NPZ archive (a zip of .npy arrays, as np.savez writes)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise InputFileError(f"{path}: not an NPZ archive")
            return {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
        raise InputFileError(f"{path}: not a readable NPZ archive ({_first_line(error)})") from None


def _read_csv(path: Path, columns: int) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a UTF-8 text CSV file") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror})") from None
    if "\x00" in text:
        raise InputFileError(f"{path}: not a text CSV file (it contains NUL bytes)")
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(text.splitlines()), start=1)
        if any(cell.strip() for cell in row)
    ]
    if rows and not _numeric_row(rows[0][1]):
        rows = rows[1:]  # a header row
    values = []
    for number, row in rows:
        if len(row) != columns:
            raise InputFileError(
                f"{path}: line {number} has {len(row)} columns; expected {columns} "
                "(the inputs n_0, then the targets n_L)"
            )
        try:
            values.append([float(cell) for cell in row])
        except ValueError:
            raise InputFileError(
                f"{path}: line {number} has a value that is not a number"
            ) from None
    table = np.array(values, dtype=np.float64).reshape(len(values), columns)
    if not np.all(np.isfinite(table)):
        raise InputFileError(f"{path}: contains NaN or infinite values; give finite numbers")
    return table


def _numeric_row(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True


def _array(path: Path, name: str, value: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise InputFileError(
            f"{path}: {name} is not an array of numbers"
            + (f" of shape {shape}" if shape is not None else "")
        ) from None
    if shape is not None and array.shape != shape:
        raise InputFileError(f"{path}: {name} has shape {array.shape}; expected {shape}")
    if not np.all(np.isfinite(array)):
        raise InputFileError(f"{path}: {name} contains NaN or infinite values")
    return array


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
