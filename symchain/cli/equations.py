"""``--graph FILE`` for derive, verify and graph (SymPy only): networks written as equations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..graphs.claims import VERDICTS, ClaimChecker
from ..graphs.deriver import derive_graph
from ..graphs.model import Graph
from ..graphs.page import render_graph_html
from ..graphs.picture import graph_dot
from ..graphs.render import RENDERERS
from ..graphs.spec import load_graph
from .options import write_output


def read_graph(path: Path) -> Graph:
    """The graph of a file; its warnings (unreached parameters) go to stderr."""
    graph = load_graph(path)
    for line in graph.warnings:
        click.echo(f"symchain: warning: {line}", err=True)
    return graph


def derive_graph_file(
    path: Path, params: tuple[str, ...], output_format: str, output: Path | None
) -> None:
    """``symchain derive --graph FILE``."""
    graph = read_graph(path)
    chosen = None
    if params:
        chosen = tuple(_parameter(graph, name) for name in params)
        chosen = tuple(p for p in graph.parameters if p in chosen)
    derivation = derive_graph(graph, chosen)
    if output_format == "html":
        write_output(render_graph_html(derivation), output)
        return
    write_output(RENDERERS[output_format](derivation), output)


def _parameter(graph: Graph, name: str) -> Any:
    symbol = graph.symbol_named("".join(name.split()))
    if symbol is None or symbol not in graph.parameters:
        known = ", ".join(graph.names[p].latex for p in graph.parameters)
        raise click.BadParameter(
            f"no parameter {name!r} in this graph; parameters: {known}", param_hint="'--param'"
        )
    return symbol


def verify_graph_file(path: Path, claims: tuple[str, ...], output_format: str) -> int:
    """``symchain verify --graph FILE CLAIM...``: exit 0 when every claim holds, 1 otherwise."""
    checker = ClaimChecker(read_graph(path))
    verdicts = [
        checker.check(claim, f"claim {number}" if len(claims) > 1 else "claim")
        for number, claim in enumerate(claims, 1)
    ]
    if output_format == "json":
        document = [v.as_dict() for v in verdicts]
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        console = Console(highlight=False, soft_wrap=False, width=160)
        table = Table(show_lines=True)
        table.add_column("claim", overflow="fold")
        table.add_column("verdict")
        table.add_column("method", overflow="fold")
        table.add_column("counterexample", overflow="fold")
        for verdict in verdicts:
            example = ""
            if verdict.counterexample is not None:
                values = verdict.counterexample["values"]
                example = ", ".join(f"{k}={v:.6g}" for k, v in values.items()) + (
                    f"; left {verdict.counterexample['left']:.10g} ≠ "
                    f"right {verdict.counterexample['right']:.10g}"
                )
            colour = "green" if verdict.verdict == "holds" else "red"
            table.add_row(
                verdict.claim, f"[{colour}]{verdict.verdict}[/]", verdict.method, example
            )
        console.print(table)
        counts = {name: sum(v.verdict == name for v in verdicts) for name in VERDICTS}
        console.print(", ".join(f"{count} {name}" for name, count in counts.items()))
    return 0 if all(v.verdict == "holds" for v in verdicts) else 1


def picture_graph_file(path: Path, param: str | None) -> str:
    """``symchain graph --graph FILE``: the DOT of the graph (with a parameter's paths)."""
    graph = read_graph(path)
    return graph_dot(graph, _parameter(graph, param) if param is not None else None)
