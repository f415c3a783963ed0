"""The chain rule's dependency graph (w, a, b → z → a → C_0 ← y) as Graphviz DOT, TikZ or Mermaid.

:func:`dependency_graph` builds the graph of a network: every input, weight, bias,
pre-activation, activation, target and the loss C_0, with an edge wherever one quantity feeds
another. Given a parameter θ it marks the path its chain follows (every edge from θ onward to
C_0); with ``focus`` it keeps only that path and the inputs of each node on it, which for the
seed's w^(L) is exactly the seed's tree. The writers lay it out left to right, a column per stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from .. import naming
from ..network import Network
from ..printing import NotationLatexPrinter, NotationUnicodePrinter

try:  # optional: SVG/PNG output needs the graphviz package and Graphviz's dot program
    import graphviz
except ImportError:  # pragma: no cover - exercised only without the extra
    graphviz = None

GRAPH_FORMATS = ("dot", "tikz", "mermaid")
IMAGE_FORMATS = ("svg", "png")
LABELS = ("unicode", "latex")

# TikZ spacing (cm) between columns and between rows, and the largest picture (cm) before scaling.
_COLUMN_STEP = 2.2
_ROW_STEP = 1.0
_MAX_WIDTH = 16.0
_MAX_HEIGHT = 22.0


@dataclass(frozen=True)
class Node:
    """A quantity in the graph: its identifier (the symbol's name), symbol and grid position."""

    key: str
    symbol: sp.Symbol
    column: int
    row: int


@dataclass(frozen=True)
class Edge:
    """``source`` feeds ``target`` (by node key)."""

    source: str
    target: str


@dataclass(frozen=True)
class Graph:
    """Nodes in column order, edges, and the keys of the highlighted nodes and edges."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    path_nodes: frozenset[str] = frozenset()
    path_edges: frozenset[Edge] = frozenset()

    @property
    def columns(self) -> int:
        return 1 + max(node.column for node in self.nodes)

    @property
    def rows(self) -> int:
        return 1 + max(node.row for node in self.nodes)


def _all_nodes(network: Network) -> list[tuple[sp.Symbol, int]]:
    """Every quantity with its column: a^(l-1), w^(l), b^(l) | z^(l) | ... | a^(L), y | C_0."""
    widths, depth = network.widths, network.depth
    placed: list[tuple[sp.Symbol, int]] = [(x, 0) for x in network.inputs]
    for layer in range(1, depth + 1):
        column = 2 * layer - 2
        rows, cols = widths[layer], widths[layer - 1]
        placed.extend((network.w(layer, j, k), column) for j in range(rows) for k in range(cols))
        placed.extend((network.b(layer, j), column) for j in range(rows))
        placed.extend((network.z(layer, j), column + 1) for j in range(rows))
        placed.extend((network.a(layer, j), column + 2) for j in range(rows))
    placed.extend((y, 2 * depth) for y in network.targets)
    placed.append((naming.SAMPLE_LOSS, 2 * depth + 1))
    return placed


def _all_edges(network: Network) -> list[tuple[sp.Symbol, sp.Symbol]]:
    widths, depth = network.widths, network.depth
    edges: list[tuple[sp.Symbol, sp.Symbol]] = []
    for layer in range(1, depth + 1):
        for j in range(widths[layer]):
            z = network.z(layer, j)
            for k in range(widths[layer - 1]):
                edges.append((network.w(layer, j, k), z))
                edges.append((network.a(layer - 1, k), z))
            edges.append((network.b(layer, j), z))
            edges.append((z, network.a(layer, j)))
    for j in range(widths[-1]):
        edges.append((network.a(depth, j), naming.SAMPLE_LOSS))
        edges.append((network.y(j), naming.SAMPLE_LOSS))
    return edges


def dependency_graph(
    network: Network, parameter: sp.Symbol | None = None, focus: bool = False
) -> Graph:
    """The network's dependency graph, with ``parameter``'s chain highlighted.

    Args:
        network: the network.
        parameter: the weight or bias whose chain to highlight (None: no highlight); a plain
            ``sympy.Symbol`` names the network's symbol of that name.
        focus: keep only the chain's path and the inputs of every node on it.
    """
    if parameter is not None:
        parameter = naming.network_symbol(parameter)
    placed = _all_nodes(network)
    edges = _all_edges(network)
    reach: set[sp.Symbol] = set()
    if parameter is not None:
        successors: dict[sp.Symbol, list[sp.Symbol]] = {}
        for source, target in edges:
            successors.setdefault(source, []).append(target)
        pending = [parameter]
        while pending:
            node = pending.pop()
            if node not in reach:
                reach.add(node)
                pending.extend(successors.get(node, []))
    if focus and parameter is not None:
        keep = set(reach) | {source for source, target in edges if target in reach}
        placed = [(symbol, column) for symbol, column in placed if symbol in keep]
        edges = [(s, t) for s, t in edges if s in keep and t in reach]
    rows: dict[int, int] = {}
    nodes = []
    for symbol, column in placed:
        row = rows.get(column, 0)
        rows[column] = row + 1
        nodes.append(Node(symbol.name, symbol, column, row))
    if focus:
        nodes = _compact_columns(nodes)
    graph_edges = tuple(Edge(s.name, t.name) for s, t in edges)
    on_path = frozenset(symbol.name for symbol in reach)
    return Graph(
        tuple(nodes),
        graph_edges,
        on_path,
        frozenset(e for e in graph_edges if e.source in on_path),
    )


def _compact_columns(nodes: list[Node]) -> list[Node]:
    """Renumber columns 0, 1, 2, ... skipping empty ones."""
    used = sorted({node.column for node in nodes})
    index = {column: number for number, column in enumerate(used)}
    return [Node(n.key, n.symbol, index[n.column], n.row) for n in nodes]


def _labeller(
    network: Network, labels: str, style: str
) -> NotationLatexPrinter | NotationUnicodePrinter:
    notation = naming.Notation(network.widths, style)
    if labels == "latex":
        return NotationLatexPrinter({"notation": notation})
    return NotationUnicodePrinter({"notation": notation})


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, network: Network, labels: str = "unicode", style: str = "relative") -> str:
    """Graphviz DOT, left to right, one rank per column; the chain's path drawn thick and red.

    ``labels="latex"`` writes LaTeX labels (for dot2tex); ``unicode`` reads as it is.
    """
    printer = _labeller(network, labels, style)
    return dot_text(graph, {node.key: printer.doprint(node.symbol) for node in graph.nodes})


def dot_text(graph: Graph, labels: Mapping[str, str]) -> str:
    """DOT of ``graph`` with the given label per node key (see :func:`to_dot`)."""
    lines = [
        "digraph symchain {",
        "  rankdir=LR;",
        '  node [shape=ellipse, fontname="Helvetica"];',
        "  edge [arrowsize=0.7];",
    ]
    for column in range(graph.columns):
        members = [n for n in graph.nodes if n.column == column]
        lines.append("  { rank=same;")
        for node in members:
            attributes = [f"label={_quote(labels[node.key])}"]
            if node.key in graph.path_nodes:
                attributes.append('color="#d62728", penwidth=2')
            lines.append(f"    {_quote(node.key)} [{', '.join(attributes)}];")
        lines.append("  }")
    for edge in graph.edges:
        style_text = ' [color="#d62728", penwidth=2.5]' if edge in graph.path_edges else ""
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)}{style_text};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(key: str) -> str:
    return "n_" + key.replace("δ", "d")


def to_mermaid(
    graph: Graph, network: Network, labels: str = "unicode", style: str = "relative"
) -> str:
    """A Mermaid flowchart (renders on GitHub and in MkDocs); LaTeX labels use ``$$…$$``."""
    printer = _labeller(network, labels, style)
    lines = ["flowchart LR"]
    for node in graph.nodes:
        text = printer.doprint(node.symbol)
        if labels == "latex":
            text = f"$${text}$$"
        lines.append(f'  {_mermaid_id(node.key)}["{text.replace(chr(34), "#quot;")}"]')
    highlighted = []
    for number, edge in enumerate(graph.edges):
        lines.append(f"  {_mermaid_id(edge.source)} --> {_mermaid_id(edge.target)}")
        if edge in graph.path_edges:
            highlighted.append(str(number))
    if graph.path_nodes:
        lines.append("  classDef path stroke:#d62728,stroke-width:3px;")
        members = [_mermaid_id(n.key) for n in graph.nodes if n.key in graph.path_nodes]
        lines.append(f"  class {','.join(members)} path;")
    if highlighted:
        lines.append(f"  linkStyle {','.join(highlighted)} stroke:#d62728,stroke-width:3px;")
    return "\n".join(lines) + "\n"


def _tikz_name(key: str) -> str:
    return key.replace("_", "-").replace("δ", "d")


def to_tikz(graph: Graph, network: Network, style: str = "relative") -> str:
    """A ``tikzpicture`` (needs ``\\usepackage{tikz}``), scaled to fit an A4 page."""
    printer = _labeller(network, "latex", style)
    height = {c: sum(1 for n in graph.nodes if n.column == c) for c in range(graph.columns)}
    tallest = max(height.values())
    width_cm = (graph.columns - 1) * _COLUMN_STEP + 1.5
    height_cm = (tallest - 1) * _ROW_STEP + 1.0
    scale = min(1.0, _MAX_WIDTH / width_cm, _MAX_HEIGHT / height_cm)
    lines = [
        rf"\begin{{tikzpicture}}[scale={scale:.3f}, every node/.style={{scale={scale:.3f}}},",
        r"  quantity/.style={draw, rounded corners=3pt, inner sep=3pt},",
        r"  path/.style={draw=red!80!black, very thick},",
        r"  feeds/.style={->, >=stealth, gray},",
        r"  chain/.style={->, >=stealth, very thick, red!80!black}]",
    ]
    for node in graph.nodes:
        x = node.column * _COLUMN_STEP
        y = 0.0 - (node.row + (tallest - height[node.column]) / 2) * _ROW_STEP
        styles = "quantity, path" if node.key in graph.path_nodes else "quantity"
        label = printer.doprint(node.symbol)
        lines.append(
            rf"  \node[{styles}] ({_tikz_name(node.key)}) at ({x:.2f},{y:.2f}) {{${label}$}};"
        )
    for edge in graph.edges:
        kind = "chain" if edge in graph.path_edges else "feeds"
        lines.append(
            rf"  \draw[{kind}] ({_tikz_name(edge.source)}) -- ({_tikz_name(edge.target)});"
        )
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def render_graph(
    graph: Graph,
    network: Network,
    output_format: str,
    labels: str = "unicode",
    style: str = "relative",
) -> str:
    """The graph as text in ``dot``, ``tikz`` (LaTeX labels) or ``mermaid``."""
    if output_format == "tikz":
        return to_tikz(graph, network, style)
    if output_format == "mermaid":
        return to_mermaid(graph, network, labels, style)
    return to_dot(graph, network, labels, style)


def dot_image(dot: str, image_format: str) -> bytes | None:
    """``dot`` rendered to SVG or PNG; None when Graphviz's ``dot`` (or its package) is missing."""
    if graphviz is None:
        return None
    try:
        return bytes(graphviz.Source(dot).pipe(format=image_format))
    except graphviz.ExecutableNotFound:
        return None
