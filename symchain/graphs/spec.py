"""A graph from a TOML file: ``parameters``, ``inputs``, ``targets`` and ``equations`` in LaTeX.

Example::

    parameters = ["w_x", "w_h", "b", "v"]
    inputs = ["x_1", "x_2", "x_3"]
    targets = ["y"]
    equations = [
      'h_1 = \\tanh(w_x x_1 + b)',
      'h_2 = \\tanh(w_x x_2 + w_h h_1 + b)',
      'h_3 = \\tanh(w_x x_3 + w_h h_2 + b)',
      'C_0 = (v h_3 - y)^2',
    ]

Every name and equation is read with the grammar of :mod:`symchain.graphs.parser`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy as sp

from ..files import read_toml
from ..limits import MAX_NESTING, MAX_SPEC_BYTES
from .model import Equation, Graph
from .names import GraphError, Name, quoted
from .parser import parse_equation, parse_name

DECLARATIONS = ("parameters", "inputs", "targets")
KEYS = (*DECLARATIONS, "equations", "description")


def load_graph(path: Path) -> Graph:
    """Read and validate a graph spec file.

    Raises:
        InputFileError: the file is missing, too large or not TOML.
        GraphError: a key, name or equation is wrong (one line naming it, with the column).
    """
    document = read_toml(path, MAX_SPEC_BYTES, "graph file", MAX_NESTING)
    try:
        return graph_from_mapping(document)
    except GraphError as error:
        raise GraphError(f"{path}: {error.message}") from None


def graph_from_mapping(document: Mapping[str, Any]) -> Graph:
    """A graph from the parsed TOML (a mapping of the keys above)."""
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise GraphError(f"unknown keys {', '.join(unknown)}; a graph has {', '.join(KEYS)}")
    if "equations" not in document:
        raise GraphError("no equations; write equations = ['h = \\tanh(w x + b)', 'C_0 = ...']")
    names: dict[sp.Symbol, Name] = {}
    declared: dict[str, list[sp.Symbol]] = {}
    for key in DECLARATIONS:
        declared[key] = []
        for number, text in enumerate(_strings(document, key), 1):
            parsed = parse_name(text, f"{key}[{number}] {quoted(text)}")
            declared[key].append(parsed.value)
            _merge(names, parsed.names)
    equations = []
    for number, text in enumerate(_strings(document, "equations"), 1):
        parsed = parse_equation(text, f"equation {number} {quoted(text)}")
        target, expr = parsed.value
        equations.append(Equation(target, expr, text, parsed.columns))
        _merge(names, parsed.names)
    return Graph.build(
        declared["parameters"], declared["inputs"], declared["targets"], equations, names
    )


def _strings(document: Mapping[str, Any], key: str) -> list[str]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GraphError(f"{key} must be a list of strings, e.g. {key} = ['x_1', 'x_2']")
    return value


def _merge(names: dict[sp.Symbol, Name], found: Mapping[sp.Symbol, Name]) -> None:
    for symbol, name in found.items():
        names.setdefault(symbol, name)
