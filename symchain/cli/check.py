"""``symchain check``: the compiled gradient against finite differences and PyTorch autograd."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from ..deriver import derive
from ..limits import MAX_NUMERIC_PARAMETERS
from ..network import Network
from ..numeric import (
    DTYPES,
    FD_STEPS,
    NumericError,
    backend_available,
    compare,
    compile_gradient,
    finite_differences,
    init_parameters,
    resolution,
    torch_gradients,
)
from ..spec import check_parameter_count
from .equations_numeric import check_graph_file
from .options import graph_option, network_options, seed_option

# Default tolerances on the max relative error, per dtype of the checked gradient.
TOLERANCES = {
    "float64": {"finite diff": 1e-6, "torch autograd": 1e-10},
    "float32": {"finite diff": 1e-3, "torch autograd": 1e-4},
}


@click.command("check")
@network_options
@seed_option(0, "Seed of the parameters (nn.Linear's uniform, as in eval) and of the batch.")
@click.option(
    "--batch",
    "size",
    type=click.IntRange(min=1, max=100_000),
    default=8,
    show_default=True,
    help="Samples in the batch: x ~ N(0, 1), y ~ uniform(0, 1).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Largest accepted max relative error, for every reference. Default per dtype: "
    "float64 1e-6 (finite differences), 1e-10 (torch); float32 1e-3, 1e-4.",
)
@click.option(
    "--dtype",
    type=click.Choice(DTYPES),
    default="float64",
    show_default=True,
    help="Precision of the checked gradient (references are float64).",
)
@graph_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text (a table) or json ({network, seed, batch, dtype, loss, comparisons, ok}).",
)
def check_command(
    network: Network,
    notation: str,
    seed: int,
    size: int,
    tolerance: float | None,
    dtype: str,
    graph_file: Path | None,
    output_format: str,
) -> None:
    """Prove the derived gradient with numbers: compare it with finite differences and autograd.

    Exits 1 when any parameter's max relative error (max |g - r| / max |r|) exceeds the tolerance.
    With --graph FILE: the generated module of the graph, error |g - r| / max(|r|, 1).
    """
    if graph_file is not None:
        if dtype != "float64" or output_format != "text":
            raise click.UsageError("--graph checks in float64 with a text table only")
        check_graph_file(graph_file, seed, size, tolerance)
        return
    check_parameter_count(
        network.widths,
        MAX_NUMERIC_PARAMETERS,
        "symchain check",
        "use a smaller network, or symchain codegen (the matrix form) for large ones",
    )
    derivation = derive(network)
    params = init_parameters(network, seed)
    rng = np.random.default_rng([seed, 1])
    x = rng.normal(size=(size, network.widths[0]))
    y = rng.uniform(size=(size, network.widths[-1]))
    checked = compile_gradient(derivation, dtype=dtype)
    result = checked(params, x, y)
    tested = {name: np.asarray(v, np.float64) for name, v in result.gradients.items()}
    if not np.isfinite(float(result.loss)):
        raise NumericError(
            f"the loss is not finite (C = {float(result.loss)}): the outputs leave the domain of "
            f"{network.loss.name} (binary cross-entropy needs outputs in (0, 1), e.g. a sigmoid "
            "output layer)"
        )
    reference64 = compile_gradient(derivation) if dtype != "float64" else checked
    references = {"finite diff": finite_differences(reference64, params, x, y)}
    console = Console(highlight=False)  # the table and its title fit the terminal (or COLUMNS)
    if backend_available("torch"):
        references["torch autograd"] = torch_gradients(network, params, x, y)[1]
    else:
        click.echo("symchain: torch is not installed: the autograd comparison is skipped", err=True)
    widths = "-".join(map(str, network.widths))
    rows: list[dict[str, Any]] = []
    for reference_name, reference in references.items():
        limit = tolerance if tolerance is not None else TOLERANCES[dtype][reference_name]
        # An error below what the reference can resolve passes, whatever the tolerance.
        floor = resolution(reference_name, float(result.loss))
        for comparison in compare(network, tested, reference):
            rows.append(
                {
                    "parameter": comparison.name,
                    "reference": reference_name,
                    "max_abs_error": comparison.max_abs,
                    "max_rel_error": comparison.max_rel,
                    "tolerance": limit,
                    "ok": bool(comparison.max_rel <= limit or comparison.max_abs <= floor),
                }
            )
    failures = sum(not row["ok"] for row in rows)
    if output_format == "json":
        document = {
            "network": {
                "layers": list(network.widths),
                "activations": list(network.spec.activations),
                "loss": network.loss.name,
            },
            "seed": seed,
            "batch": size,
            "dtype": dtype,
            "finite_difference_step": FD_STEPS["float64"],
            "loss": float(result.loss),
            "comparisons": rows,
            "ok": failures == 0,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        if failures:
            raise SystemExit(1)
        return
    table = Table(
        title=f"{widths} {'/'.join(network.spec.activations)}, {network.loss.name}; "
        f"seed {seed}, batch {size}, {dtype}; finite-difference step {FD_STEPS['float64']:.2e}",
        title_justify="left",
    )
    for column in ("parameter", "reference", "max abs err", "max rel err", "tolerance", "verdict"):
        table.add_column(
            column, justify="left" if column in ("parameter", "reference") else "right"
        )
    for row in rows:
        table.add_row(
            row["parameter"],
            row["reference"],
            f"{row['max_abs_error']:.2e}",
            f"{row['max_rel_error']:.2e}",
            f"{row['tolerance']:.0e}",
            "[green]ok[/green]" if row["ok"] else "[red]FAIL[/red]",
        )
    console.print(table)
    console.print(f"C = {float(result.loss):.10g}")
    if failures:
        console.print(f"{failures} comparison(s) exceed the tolerance")
        raise SystemExit(1)
    console.print("all gradients agree")
