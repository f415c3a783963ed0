"""``symchain graph``: draw the chain rule's dependency graph as DOT, TikZ, Mermaid, SVG or PNG."""

from __future__ import annotations

from pathlib import Path

import click

from ..derivation import resolve_parameter
from ..errors import TooLargeError
from ..limits import MAX_GRAPH_NODES, graph_nodes
from ..network import Network
from ..render.graph import (
    GRAPH_FORMATS,
    IMAGE_FORMATS,
    LABELS,
    dependency_graph,
    dot_image,
    render_graph,
    to_dot,
)
from .equations import picture_graph_file
from .options import graph_option, network_options, output_option, write_output


@click.command("graph")
@network_options
@click.option(
    "--param",
    "param",
    default=None,
    metavar="NAME",
    help="Highlight the path this parameter's chain follows (w^{(L)}, b^{(L-1)}, ...).",
)
@click.option(
    "--focus",
    is_flag=True,
    help="Draw only the chosen parameter's path and the inputs of each node on it.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(GRAPH_FORMATS + IMAGE_FORMATS),
    default="dot",
    show_default=True,
    help="dot (Graphviz), tikz (LaTeX), mermaid (GitHub, MkDocs), svg or png (need Graphviz).",
)
@click.option(
    "--labels",
    type=click.Choice(LABELS),
    default=None,
    help="Node labels: unicode (default for dot, mermaid, svg, png) or latex (default for tikz).",
)
@output_option()
@graph_option
def graph_command(
    network: Network,
    notation: str,
    param: str | None,
    focus: bool,
    output_format: str,
    labels: str | None,
    output: Path | None,
    graph_file: Path | None,
) -> None:
    """Draw how w, a and b feed z, z feeds a, and a and y feed C_0, for the whole network.

    With --param the path of that parameter's chain is drawn thick and red; with --focus only
    that path and what feeds it (for the seed's w^{(L)}: the seed's tree).
    With --graph FILE: the graph's quantities (formats dot, svg, png; --param highlights every
    path of that parameter to the loss).
    """
    if graph_file is not None:
        if output_format not in ("dot", *IMAGE_FORMATS) or focus or labels is not None:
            raise click.UsageError("--graph draws dot, svg or png, without --focus or --labels")
        dot = picture_graph_file(graph_file, param)
        if output_format in IMAGE_FORMATS:
            image = dot_image(dot, output_format)
            if image is not None:
                write_output(image, output)
                return
            click.echo("symchain: warning: Graphviz's dot is not installed; writing DOT", err=True)
            output = output.with_suffix(".dot") if output is not None else None
        write_output(dot, output)
        return
    if focus and param is None:
        raise click.UsageError("--focus needs --param NAME: the parameter whose path to draw")
    if output_format == "tikz" and labels == "unicode":
        raise click.BadParameter(
            "TikZ pictures are typeset by LaTeX: use --labels latex (or dot/mermaid for unicode)",
            param_hint="'--labels'",
        )
    check_graph_size(network.widths)
    parameter = resolve_parameter(network, param) if param is not None else None
    graph = dependency_graph(network, parameter, focus)
    label_style = labels or ("latex" if output_format == "tikz" else "unicode")
    if output_format in IMAGE_FORMATS:
        dot = to_dot(graph, network, label_style, notation)
        image = dot_image(dot, output_format)
        if image is not None:
            write_output(image, output)
            return
        click.echo(
            f"symchain: warning: Graphviz's dot is not installed; writing DOT text instead of "
            f"{output_format.upper()} (install Graphviz and the graphviz package: "
            "pip install 'symchain[graphviz]')",
            err=True,
        )
        write_output(dot, output.with_suffix(".dot") if output is not None else None)
        return
    write_output(render_graph(graph, network, output_format, label_style, notation), output)


def check_graph_size(widths: tuple[int, ...]) -> None:
    """Refuse, from the widths alone, a graph too large to build or draw."""
    nodes = graph_nodes(widths)
    if nodes > MAX_GRAPH_NODES:
        raise TooLargeError(
            f"the dependency graph of this network has {nodes} nodes (at most {MAX_GRAPH_NODES}); "
            "draw a smaller network of the same shape, e.g. --layers 2,3,2"
        )
