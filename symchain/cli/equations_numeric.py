"""``--graph FILE`` for eval, check and codegen (NumPy): networks written as equations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from ..graphs.codegen import compile_graph, generate_graph_module
from ..graphs.deriver import GraphDerivation, derive_graph
from ..graphs.io import load_graph_data, load_graph_parameters
from ..graphs.model import Graph
from ..graphs.reference import FD_STEP, finite_differences, torch_gradients
from ..numeric import NumericError, backend_available
from .equations import read_graph
from .options import write_output

# Largest accepted error max(|g - r|) / max(|r|, 1) per reference (float64).
GRAPH_TOLERANCES = {"finite diff": 1e-6, "torch autograd": 1e-10}


def random_parameters(graph: Graph, seed: int) -> dict[str, float]:
    """Parameters drawn uniform(-1, 1), seeded, keyed by identifier."""
    rng = np.random.default_rng([seed, 0])
    return {graph.names[p].identifier: float(rng.uniform(-1, 1)) for p in graph.parameters}


def random_data(graph: Graph, seed: int, size: int) -> dict[str, np.ndarray]:
    """A batch: inputs ~ N(0, 1) and targets ~ uniform(0, 1), seeded, keyed by identifier."""
    rng = np.random.default_rng([seed, 1])
    data = {graph.names[s].identifier: rng.normal(size=size) for s in graph.inputs}
    data.update({graph.names[s].identifier: rng.uniform(size=size) for s in graph.targets})
    return data


def _evaluate(derivation: GraphDerivation, params: dict[str, float], data: Any) -> Any:
    with np.errstate(all="ignore"):
        loss, grads = compile_graph(derivation)(params, data)
    if not np.isfinite(loss) or not all(np.isfinite(g) for g in grads.values()):
        raise NumericError(
            f"the loss or a gradient is not finite (loss = {loss}): a logarithm, square root or "
            "division left its domain on these values"
        )
    return loss, grads


def eval_graph_file(
    path: Path, params_file: Path | None, seed: int | None, data_file: Path, output_format: str
) -> None:
    """``symchain eval --graph FILE``: mean loss and mean gradients on a batch."""
    graph = read_graph(path)
    data = load_graph_data(data_file, graph)
    if params_file is not None:
        params = load_graph_parameters(params_file, graph)
    else:
        assert seed is not None
        params = random_parameters(graph, seed)
    loss, grads = _evaluate(derive_graph(graph), params, data)
    if output_format == "json":
        sys.stdout.write(json.dumps({"loss": loss, "gradients": grads}, indent=2) + "\n")
        return
    samples = max((np.size(v) for v in data.values()), default=1)
    table = Table(title=f"∂C/∂θ (mean over {samples} samples)", title_justify="left")
    for column in ("parameter", "key", "value", "gradient"):
        table.add_column(column, justify="left" if column in ("parameter", "key") else "right")
    for parameter in graph.parameters:
        key = graph.names[parameter].identifier
        table.add_row(
            graph.names[parameter].unicode, key, f"{params[key]:.8g}", f"{grads[key]:.10g}"
        )
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"{graph.names[graph.loss].unicode} = {loss:.10g}  (mean over {samples} samples)")
    console.print(table)


def check_graph_file(path: Path, seed: int, size: int, tolerance: float | None) -> None:
    """``symchain check --graph FILE``: the generated gradients against references."""
    graph = read_graph(path)
    derivation = derive_graph(graph)
    params = random_parameters(graph, seed)
    data = random_data(graph, seed, size)
    loss, tested = _evaluate(derivation, params, data)
    function = compile_graph(derivation)
    console = Console(highlight=False, soft_wrap=True)
    with np.errstate(all="ignore"):
        references = {"finite diff": finite_differences(function, params, data)}
    if backend_available("torch"):
        references["torch autograd"] = torch_gradients(graph, params, data)[1]
    else:
        console.print("torch is not installed: the autograd comparison is skipped")
    table = Table(
        title=f"graph {path.name}; seed {seed}, batch {size}, float64; finite-difference step "
        f"{FD_STEP:.0e}; error = |g - r| / max(|r|, 1)",
        title_justify="left",
    )
    for column in ("parameter", "reference", "abs err", "error", "tolerance", "verdict"):
        table.add_column(
            column, justify="left" if column in ("parameter", "reference") else "right"
        )
    failures = 0
    for name, reference in references.items():
        limit = tolerance if tolerance is not None else GRAPH_TOLERANCES[name]
        for parameter in graph.parameters:
            key = graph.names[parameter].identifier
            error = abs(tested[key] - reference[key]) / max(abs(reference[key]), 1.0)
            ok = error <= limit
            failures += not ok
            table.add_row(
                graph.names[parameter].unicode,
                name,
                f"{abs(tested[key] - reference[key]):.2e}",
                f"{error:.2e}",
                f"{limit:.0e}",
                "[green]ok[/green]" if ok else "[red]FAIL[/red]",
            )
    console.print(table)
    console.print(f"{graph.names[graph.loss].unicode} = {loss:.10g}")
    if failures:
        console.print(f"{failures} comparison(s) exceed the tolerance")
        raise SystemExit(1)
    console.print("all gradients agree")


def codegen_graph_file(path: Path, output: Path | None) -> None:
    """``symchain codegen --graph FILE``: a straight-line NumPy module."""
    write_output(generate_graph_module(derive_graph(read_graph(path))), output)


