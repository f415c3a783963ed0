"""The dependency graph as inline SVG: one ``<g>`` per node and per edge, named by data attributes.

Graphviz's ``dot`` lays the graph out when it is installed (and the graph is small enough for it
to be quick); otherwise a built-in layered layout places the graph's columns left to right. Either
way every node is ``<g class="node" data-node="KEY">`` and every edge
``<g class="edge" data-source="KEY" data-target="KEY">``, keyed by symbol name as in
:mod:`symchain.render.graph`, so a page's script can highlight paths and factors.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from html import escape

from ..naming import NOTATIONS, Notation
from ..network import Network
from ..printing import NotationUnicodePrinter
from .graph import Graph, dot_image, dot_text

# Every node's label in each notation, by node key.
Labels = Mapping[str, Mapping[str, str]]

ENGINES = ("auto", "dot", "builtin")

# Above this many nodes ``auto`` uses the built-in layout: dot takes seconds on thousands of nodes.
MAX_DOT_NODES = 400
# ... or above this many counting the virtual nodes of long edges (see :func:`dot_size`): a
# 25-step recurrent net (about 950) takes dot 0.2 s, 50 steps (3,800) 3 s, 100 steps 10 minutes.
MAX_DOT_SIZE = 2000

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"

# Graphs with at most this many nodes are scaled to the width of their box.
FIT_NODES = 120

# Built-in layout, in px: column pitch, row pitch, node box size.
_COLUMN = 120
_ROW = 30
_NODE_WIDTH = 76
_NODE_HEIGHT = 22
_MARGIN = 12


def graph_svg(graph: Graph, labels: Labels, engine: str = "auto") -> str:
    """The graph as an ``<svg>`` element (text), laid out by ``dot`` or the built-in layout.

    Args:
        graph: the dependency graph (see :func:`symchain.render.graph.dependency_graph`).
        labels: every node's label per notation (the first notation lays the graph out); the
            page shows the chosen notation's.
        engine: ``dot`` (falls back to the built-in layout when ``dot`` is missing), ``builtin``,
            or ``auto`` (``dot`` up to :data:`MAX_DOT_NODES` nodes and :data:`MAX_DOT_SIZE`
            with the virtual nodes of long edges, see :func:`dot_size`).
    """
    svg = None
    small = len(graph.nodes) <= MAX_DOT_NODES and dot_size(graph) <= MAX_DOT_SIZE
    if engine == "dot" or (engine == "auto" and small):
        first = {key: next(iter(texts.values())) for key, texts in labels.items()}
        image = dot_image(dot_text(graph, first), "svg")
        if image is not None:
            svg = _annotate_dot_svg(image.decode("utf-8"), labels)
    if svg is None:
        svg = builtin_svg(graph, labels)
    if len(graph.nodes) <= FIT_NODES:
        svg = svg.replace('class="graph-svg"', 'class="graph-svg fit"', 1)
    return svg


def dot_size(graph: Graph) -> int:
    """The nodes dot lays out: the graph's, plus one per column an edge crosses on its way.

    An edge from column 1 to column 40 (a weight shared by every step of a long recurrent net)
    costs dot 38 virtual nodes, and its crossing minimisation slows down steeply with them.
    """
    column = {node.key: node.column for node in graph.nodes}
    crossed = sum(max(0, abs(column[e.target] - column[e.source]) - 1) for e in graph.edges)
    return len(graph.nodes) + crossed


def network_labels(graph: Graph, network: Network) -> dict[str, dict[str, str]]:
    """Every node's Unicode label in each notation, by node key (a dense network's graph)."""
    printers = {
        s: NotationUnicodePrinter({"notation": Notation(network.widths, s)}) for s in NOTATIONS
    }
    return {n.key: {s: printers[s].doprint(n.symbol) for s in NOTATIONS} for n in graph.nodes}


def _annotate_dot_svg(svg: str, labels: Labels) -> str:
    """Graphviz's SVG with ids and titles removed, data attributes added, labels in both notations.

    The page shows the label whose ``data-n`` is the chosen notation.
    """
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    root = ET.fromstring(svg)
    root.set("class", "graph-svg")
    root.set("role", "img")
    root.set("aria-label", "dependency graph")
    for group in root.iter(f"{{{_SVG_NS}}}g"):
        group.attrib.pop("id", None)
        title = group.find(f"{{{_SVG_NS}}}title")
        kind = group.get("class")
        if title is not None and title.text is not None:
            if kind == "node":
                group.set("data-node", title.text)
                _label_both(group, labels[title.text])
            elif kind == "edge":
                source, _, target = title.text.partition("->")
                group.set("data-source", source)
                group.set("data-target", target)
        if title is not None:
            group.remove(title)
    for anchor in list(root.iter()):
        for child in list(anchor):
            if child.tag == f"{{{_SVG_NS}}}title":
                anchor.remove(child)
    return ET.tostring(root, encoding="unicode")


def _label_both(group: ET.Element, labels: Mapping[str, str]) -> None:
    """The node's ``<text>`` once per notation (same place), marked with ``data-n``."""
    text = group.find(f"{{{_SVG_NS}}}text")
    if text is None:
        return
    index = list(group).index(text)
    group.remove(text)
    for offset, style in enumerate(labels):
        copy = ET.Element(text.tag, dict(text.attrib))
        copy.set("data-n", style)
        copy.text = labels[style]
        copy.tail = text.tail
        group.insert(index + offset, copy)


def builtin_svg(graph: Graph, labels: Labels) -> str:
    """A layered layout without Graphviz: a column per stage, nodes centred in their column."""
    height = {c: sum(1 for n in graph.nodes if n.column == c) for c in range(graph.columns)}
    tallest = max(height.values())
    position: dict[str, tuple[float, float]] = {}
    for node in graph.nodes:
        offset = (tallest - height[node.column]) / 2
        x = _MARGIN + node.column * _COLUMN + _NODE_WIDTH / 2
        y = _MARGIN + (node.row + offset) * _ROW + _NODE_HEIGHT / 2
        position[node.key] = (x, y)
    width = 2 * _MARGIN + (graph.columns - 1) * _COLUMN + _NODE_WIDTH
    total = 2 * _MARGIN + (tallest - 1) * _ROW + _NODE_HEIGHT
    lines = [
        f'<svg xmlns="{_SVG_NS}" class="graph-svg" role="img" aria-label="dependency graph" '
        f'width="{width}" height="{total:g}" viewBox="0 0 {width} {total:g}">',
        '<defs><marker id="symchain-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
    ]
    half = _NODE_WIDTH / 2
    for edge in graph.edges:
        (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
        lines.append(
            f'<g class="edge" data-source="{escape(edge.source)}" '
            f'data-target="{escape(edge.target)}"><path d="M {x1 + half:g} {y1:g} '
            f'L {x2 - half:g} {y2:g}" marker-end="url(#symchain-arrow)"/></g>'
        )
    for node in graph.nodes:
        x, y = position[node.key]
        texts = "".join(
            f'<text x="{x:g}" y="{y + 5:g}" text-anchor="middle" data-n="{s}">'
            f"{escape(labels[node.key][s])}</text>"
            for s in labels[node.key]
        )
        lines.append(
            f'<g class="node" data-node="{escape(node.key)}"><rect x="{x - half:g}" '
            f'y="{y - _NODE_HEIGHT / 2:g}" width="{_NODE_WIDTH}" height="{_NODE_HEIGHT}" '
            f'rx="8"/>{texts}</g>'
        )
    lines.append("</svg>")
    return "\n".join(lines)
