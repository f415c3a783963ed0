"""A graph of named quantities drawn as Graphviz DOT: who feeds whom, and one parameter's paths."""

from __future__ import annotations

import sympy as sp

from ..render import graph as picture
from .model import Graph


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(graph: Graph, parameter: sp.Symbol | None = None) -> str:
    """DOT of ``graph``: an edge u → q for every symbol u in q's equation.

    Parameters are boxes, inputs and targets grey, the loss a double circle. With ``parameter``,
    every path from it to the loss is drawn thick and red (one path per use, as in its chain).
    """
    ids: dict[sp.Symbol, str] = {}
    lines = ["digraph symchain {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    leaves = [
        (graph.parameters, "shape=box, style=rounded"),
        (graph.inputs, 'style=filled, fillcolor="#eeeeee"'),
        (graph.targets, 'style=filled, fillcolor="#eeeeee"'),
    ]
    for symbols, style in leaves:
        for s in symbols:
            ids[s] = f"n{len(ids)}"
            lines.append(f"  {ids[s]} [label={_quote(graph.names[s].unicode)}, {style}];")
    for q in graph.quantities:
        ids[q] = f"n{len(ids)}"
        shape = "doublecircle" if q == graph.loss else "ellipse"
        lines.append(f"  {ids[q]} [label={_quote(graph.names[q].unicode)}, shape={shape}];")
    on_path = _paths(graph, parameter) if parameter is not None else set()
    for q in graph.quantities:
        for u in sorted(graph.definitions[q].free_symbols, key=lambda s: int(ids[s][1:])):
            style = ' [color="#c0392b", penwidth=2.5]' if (u, q) in on_path else ""
            lines.append(f"  {ids[u]} -> {ids[q]}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _paths(graph: Graph, parameter: sp.Symbol) -> set[tuple[sp.Symbol, sp.Symbol]]:
    """Edges on some path from ``parameter`` to the loss."""
    downstream = {parameter}
    for equation in graph.equations:
        if equation.expr.free_symbols & downstream:
            downstream.add(equation.target)
    edges = set()
    for equation in graph.equations:
        if equation.target in graph.reaching:
            for u in equation.expr.free_symbols & downstream:
                edges.add((u, equation.target))
    return edges


def layered_graph(graph: Graph) -> picture.Graph:
    """``graph`` as a layered dependency graph (nodes keyed by identifier, a column per stage).

    A quantity sits one column right of the latest symbol it uses; a parameter, input or target
    one column left of its earliest consumer, so the built-in layout draws short edges.
    """
    leaves = (*graph.parameters, *graph.inputs, *graph.targets)
    column: dict[sp.Symbol, int] = dict.fromkeys(leaves, 0)
    for q in graph.quantities:
        column[q] = 1 + max((column[u] for u in graph.definitions[q].free_symbols), default=0)
    for leaf in leaves:
        users = graph.consumers.get(leaf, ())
        column[leaf] = min((column[c] for c in users), default=1) - 1
    rows: dict[int, int] = {}
    nodes = []
    for s in (*leaves, *graph.quantities):
        row = rows.get(column[s], 0)
        rows[column[s]] = row + 1
        nodes.append(picture.Node(graph.names[s].identifier, s, column[s], row))
    nodes.sort(key=lambda n: (n.column, n.row))
    edges = tuple(
        picture.Edge(graph.names[u].identifier, graph.names[q].identifier)
        for q in graph.quantities
        for u in sorted(graph.definitions[q].free_symbols, key=lambda s: s.name)
    )
    return picture.Graph(tuple(nodes), edges)
