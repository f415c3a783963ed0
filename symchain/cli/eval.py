"""``symchain eval``: the loss and batch-averaged gradients of a network on a batch, in numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..deriver import derive
from ..limits import MAX_NUMERIC_PARAMETERS
from ..naming import Notation
from ..network import Network
from ..numeric import DTYPES, NumericError, compile_gradient, init_parameters
from ..numeric.io import load_data, load_parameters
from ..spec import check_parameter_count
from .equations_numeric import eval_graph_file
from .options import graph_option, network_options, seed_option


@click.command("eval")
@network_options
@click.option(
    "--params",
    "params_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Parameters W1, b1, ... (nn.Linear shapes) as a .json object of nested lists or a .npz.",
)
@seed_option(
    None, "Instead of --params: draw them like nn.Linear, uniform(-1/√n_in, 1/√n_in), seeded."
)
@click.option(
    "--data",
    "data_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The batch: a .csv (one sample per row: n_0 inputs, then n_L targets; optional "
    "header row) or a .npz with arrays X (batch, n_0) and Y (batch, n_L).",
)
@click.option("--per-sample", is_flag=True, help="Also print each sample's loss and gradient.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text (tables) or json ({loss, gradients} with nested lists).",
)
@click.option(
    "--dtype", type=click.Choice(DTYPES), default="float64", show_default=True, help="Precision."
)
@graph_option
def eval_command(
    network: Network,
    notation: str,
    params_file: Path | None,
    seed: int | None,
    data_file: Path,
    per_sample: bool,
    output_format: str,
    dtype: str,
    graph_file: Path | None,
) -> None:
    """Evaluate the loss C and the gradients dC/dθ (mean over the batch) from the derivation.

    With --graph FILE, parameters (--params .json/.npz) and data (--data .json/.csv/.npz) are
    keyed by name: a number per parameter, a number or one value per sample per input and target.
    """
    if (params_file is None) == (seed is None):
        raise click.UsageError("give exactly one of --params FILE and --seed SEED")
    if graph_file is not None:
        if per_sample or dtype != "float64":
            raise click.UsageError("--graph evaluates in float64 without --per-sample")
        eval_graph_file(graph_file, params_file, seed, data_file, output_format)
        return
    check_parameter_count(
        network.widths,
        MAX_NUMERIC_PARAMETERS,
        "symchain eval",
        "use a smaller network, or symchain codegen (the matrix form) for large ones",
    )
    x, y = load_data(data_file, network)
    if params_file is not None:
        params = load_parameters(params_file, network)
    else:
        assert seed is not None
        params = init_parameters(network, seed)
    gradient = compile_gradient(derive(network), dtype=dtype)
    result = gradient(params, x, y)
    loss = float(result.loss)
    gradients = {name: np.asarray(value, np.float64) for name, value in result.gradients.items()}
    if not np.isfinite(loss) or not all(np.all(np.isfinite(g)) for g in gradients.values()):
        raise NumericError(
            f"the loss or a gradient is not finite (C = {loss}): the outputs leave the domain of "
            f"{network.loss.name} (binary cross-entropy needs outputs in (0, 1), e.g. a sigmoid "
            "output layer; cross-entropy positive outputs, e.g. softmax)"
        )
    samples = gradient.per_sample(params, x, y) if per_sample else None
    if output_format == "json":
        document: dict[str, Any] = {"loss": loss, "gradients": _lists(gradients)}
        if samples is not None:
            document["samples"] = [
                {
                    "loss": float(samples.losses[i]),
                    "gradients": _lists({k: v[i] for k, v in samples.gradients.items()}),
                }
                for i in range(x.shape[0])
            ]
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    style = Notation(network.widths, notation)
    parts: list[Any] = [
        Text(f"C = {loss:.10g}  (mean over {x.shape[0]} samples, {dtype})"),
        *_tables(gradients, style, "∂C/∂"),
    ]
    if samples is not None:
        for i in range(x.shape[0]):
            parts.append(Text(f"\nsample {i}: C_{i} = {float(samples.losses[i]):.10g}"))
            sample = {k: np.asarray(v[i], np.float64) for k, v in samples.gradients.items()}
            parts.extend(_tables(sample, style, f"∂C_{i}/∂"))
    Console(highlight=False, soft_wrap=True).print(Group(*parts))


def _lists(gradients: dict[str, Any]) -> dict[str, Any]:
    return {name: np.asarray(value, np.float64).tolist() for name, value in gradients.items()}


def _tables(gradients: dict[str, np.ndarray], notation: Notation, prefix: str) -> list[Table]:
    """One table per parameter array: rows j (neurons of layer l), columns k (layer l-1)."""
    tables = []
    for name, value in gradients.items():
        layer = int(name[1:])
        label = f"{name[0]}^({notation.layer_text(layer)})"
        shape = "×".join(str(n) for n in value.shape)
        table = Table(title=f"{prefix}{name}  ({label}, {shape})", title_justify="left")
        table.add_column("j", justify="right")
        matrix = value.reshape(value.shape[0], -1)
        columns = [f"k={k}" for k in range(matrix.shape[1])] if value.ndim == 2 else ["value"]
        for column in columns:
            table.add_column(column, justify="right")
        for j, row in enumerate(matrix):
            table.add_row(str(j), *(f"{v:.8g}" for v in row))
        tables.append(table)
    return tables
