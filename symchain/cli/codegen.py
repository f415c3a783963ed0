"""``symchain codegen``: a standalone Python module computing the loss and its gradients."""

from __future__ import annotations

from pathlib import Path

import click

from ..codegen import BACKENDS, generate_module
from ..network import Network
from .equations_numeric import codegen_graph_file
from .options import graph_option, network_options, output_option, write_output


@click.command("codegen")
@network_options
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default="numpy",
    show_default=True,
    help="The array library the generated module uses.",
)
@output_option("Write the module to this file instead of standard output.")
@graph_option
def codegen_command(
    network: Network, notation: str, backend: str, output: Path | None, graph_file: Path | None
) -> None:
    """Generate loss_and_gradients(params, X, Y) from the matrix form (BP1-BP4).

    The module needs only NumPy, JAX or PyTorch at run time; parameters are keyed W1, b1, ...
    in the layout of torch.nn.Linear, X has shape (batch, n_0) and Y (batch, n_L).
    With --graph FILE: a straight-line NumPy module loss_and_gradients(params, data) from the
    graph's derivation, keyed by name.
    """
    if graph_file is not None:
        if backend != "numpy":
            raise click.UsageError("--graph generates NumPy code only (--backend numpy)")
        codegen_graph_file(graph_file, output)
        return
    write_output(generate_module(network, backend), output)
