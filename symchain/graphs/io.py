"""Parameters and data of a graph, keyed by name: JSON, CSV (a header row of names) or NPZ.

A key is a name's identifier (``w_x``, ``gamma``, ``hat_y_1``) or the name as written
(``\\gamma``). Parameters are numbers; each input and target is a number or a list of numbers
(one per sample), all lists of one length. Problems raise
:class:`~symchain.errors.InputFileError` naming the file and what is expected.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputFileError
from ..files import read_text
from ..limits import MAX_DATA_BYTES
from ..numeric.io import csv_field_limit, read_json, read_npz
from .model import Graph

PARAMETER_SUFFIXES = (".json", ".npz")
DATA_SUFFIXES = (".json", ".csv", ".npz")


def load_graph_parameters(path: Path, graph: Graph) -> dict[str, float]:
    """Every parameter's value, keyed by identifier."""
    raw = _read(path, PARAMETER_SUFFIXES, "parameter")
    values = _keyed(path, raw, graph, graph.parameters)
    result = {}
    for key, value in values.items():
        array = _numbers(path, key, value)
        if array.ndim != 0:
            raise InputFileError(f"{path}: parameter {key} has shape {array.shape}; give a number")
        result[key] = float(array)
    return result


def load_graph_data(path: Path, graph: Graph) -> dict[str, np.ndarray]:
    """Every input and target: a number, or one value per sample (all of one length)."""
    raw = _read(path, DATA_SUFFIXES, "data")
    values = _keyed(path, raw, graph, (*graph.inputs, *graph.targets))
    result = {key: _numbers(path, key, value) for key, value in values.items()}
    lengths = {a.shape[0] for a in result.values() if a.ndim == 1}
    if any(a.ndim > 1 for a in result.values()) or len(lengths) > 1:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in result.items())
        raise InputFileError(
            f"{path}: give each input and target as a number or a list of one common length "
            f"(one value per sample); got {shapes}"
        )
    if lengths == {0}:
        raise InputFileError(f"{path}: no samples; give at least one value per name")
    return result


def _read(path: Path, accepted: tuple[str, ...], what: str) -> Mapping[str, Any]:
    suffix = path.suffix.lower()
    if suffix not in accepted:
        raise InputFileError(
            f"{path}: unknown {what} file type {suffix or '(none)'!r}; accepted: "
            + ", ".join(accepted)
        )
    if suffix == ".npz":
        return read_npz(path)  # headers (dtype, shape, total size) checked before loading
    if suffix == ".json":
        return read_json(path)  # bounded numbers and nesting
    text = read_text(path, MAX_DATA_BYTES, "data file")
    return _read_csv(path, text)


def _read_csv(path: Path, text: str) -> dict[str, list[str]]:
    try:
        with csv_field_limit(MAX_DATA_BYTES):
            rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    except csv.Error as error:
        raise InputFileError(f"{path}: not readable CSV ({error})") from None
    if not rows:
        raise InputFileError(f"{path}: empty; the first row names the columns (x_1, y, ...)")
    header = [cell.strip() for cell in rows[0]]
    columns: dict[str, list[str]] = {name: [] for name in header}
    if len(columns) != len(header):
        raise InputFileError(f"{path}: a column name appears twice in the header row")
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise InputFileError(
                f"{path}: row {number} has {len(row)} values; the header names {len(header)}"
            )
        for name, cell in zip(header, row, strict=True):
            columns[name].append(cell.strip())
    return columns


def _keyed(
    path: Path, raw: Mapping[str, Any], graph: Graph, wanted: Sequence[sp.Symbol]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    expected = [graph.names[s].identifier for s in wanted]
    for key, value in raw.items():
        symbol = graph.symbol_named(str(key).strip())
        if symbol is None or symbol not in wanted:
            raise InputFileError(
                f"{path}: unknown key {key!r}; expected {', '.join(expected) or 'no keys'}"
            )
        result[graph.names[symbol].identifier] = value
    missing = [k for k in expected if k not in result]
    if missing:
        raise InputFileError(
            f"{path}: missing {', '.join(missing)}; expected {', '.join(expected)}"
        )
    return {k: result[k] for k in expected}


def _numbers(path: Path, key: str, value: Any) -> np.ndarray:
    try:
        if isinstance(value, list):
            array = np.array([_number(v) for v in value], dtype=np.float64)
        elif isinstance(value, np.ndarray):
            array = value.astype(np.float64)
        else:
            array = np.array(_number(value), dtype=np.float64)
    except (TypeError, ValueError):
        raise InputFileError(f"{path}: {key} is not a number or a list of numbers") from None
    if not np.all(np.isfinite(array)):
        raise InputFileError(f"{path}: {key} holds NaN or infinity; give finite numbers")
    return array


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise TypeError("not a number")
    number = float(value)
    if math.isnan(number):
        raise ValueError("NaN")
    return number
