"""A graph derivation as the interactive page of :mod:`symchain.render.page`.

Parameters and adjoints are the page's entries: each parameter's chain (one product per use,
summed), its products one by one, and its batch average when the loss is per sample; each
adjoint ∂C_0/∂q (defined once and reused) is its own entry. Every formula is a row of the LaTeX
output (:func:`symchain.graphs.render.render_graph_latex`); symbols print as the graph writes
them, so the page has one notation, ``written``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from ..derivation import Factor
from ..nodes import Partial
from ..render.html import check_engine
from ..render.page import (
    EntryGroup,
    Page,
    PageEntry,
    PageFormula,
    PageSection,
    factor_marks,
    factor_spans,
    render_page,
)
from ..render.svg import graph_svg
from .deriver import GraphDerivation, Use
from .model import Graph
from .picture import layered_graph
from .printing import GraphLatexPrinter, printers
from .render import Row, row_lines, sections

# The page's only notation: every symbol as the graph writes it.
WRITTEN = "written"


def render_graph_html(
    derivation: GraphDerivation, *, standalone: bool = True, graph: str = "auto"
) -> str:
    """The graph derivation as an interactive page (``standalone``) or an embeddable ``<div>``.

    Args:
        derivation: what to show.
        standalone: a whole document with permalinks (``#w_h``); otherwise a
            ``<div class="symchain-view">`` for a docs page or a notebook.
        graph: the layout, ``auto``, ``dot`` or ``builtin`` (see :mod:`symchain.render.svg`).
    """
    check_engine(graph)
    return render_page(graph_page(derivation, graph), WRITTEN, standalone)


def graph_page(derivation: GraphDerivation, engine: str = "auto") -> Page:
    """The page of a graph derivation: its graph, parameters, adjoints and sections."""
    graph = derivation.graph
    latex, unicode = printers(graph.names)
    layered = layered_graph(graph)
    labels = {node.key: {WRITTEN: graph.names[node.symbol].unicode} for node in layered.nodes}
    svg = graph_svg(layered, labels, engine)
    document = sections(derivation, latex)
    keyed = {section.title: section for section in document}
    parameters = tuple(
        _entry(
            graph,
            latex,
            "parameter",
            g.parameter,
            g.parameter,
            g.uses,
            keyed[latex.doprint(g.leibniz)].rows,
            unicode.doprint(g.parameter),
        )
        for g in derivation
    )
    adjoint_rows = document[1].rows if derivation.adjoints else ()
    adjoints = tuple(
        _entry(
            graph,
            latex,
            "adjoint",
            a.leibniz,
            a.quantity,
            a.uses,
            (row,),
            unicode.doprint(a.leibniz),
        )
        for a, row in zip(derivation.adjoints, adjoint_rows, strict=True)
    )
    groups = [EntryGroup({WRITTEN: "Parameters"}, parameters)]
    if adjoints:
        groups.append(EntryGroup({WRITTEN: "Adjoints, each defined once and reused"}, adjoints))
    loss = sp.Symbol("C") if graph.per_sample else graph.loss
    gradient = latex.column([latex.doprint(Partial(loss, g.parameter)) for g in derivation])
    return Page(
        "Backpropagation: " + _title(graph),
        graph.names[graph.loss].identifier,
        (WRITTEN,),
        svg,
        tuple(groups),
        (
            _section("forward", "Forward pass", document[0].rows),
            _section("adjoints", "Adjoints", adjoint_rows),
            PageSection(
                "gradient",
                "Gradient",
                {WRITTEN: (PageFormula(f"{latex.nabla} = {gradient}", "gradient"),)}
                if len(derivation)
                else {WRITTEN: ()},
            ),
        ),
        "Pick a parameter or an adjoint to see its chain and its path(s) to the loss; hover a "
        "factor to see its edges.",
    )


def _title(graph: Graph) -> str:
    names = graph.names

    def listed(symbols: Sequence[sp.Symbol]) -> str:
        return ", ".join(names[s].unicode for s in symbols) or "none"

    return f"graph with parameters {listed(graph.parameters)}, loss {names[graph.loss].unicode}"


def _tex(row: Row) -> str:
    """A row as one formula: a plain equation, or ``aligned`` lines as the LaTeX output's."""
    lines = row_lines(row)
    if len(lines) == 1:
        return lines[0].replace(" &= ", " = ")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _section(key: str, title: str, rows: Sequence[Row]) -> PageSection:
    return PageSection(key, title, {WRITTEN: tuple(PageFormula(_tex(r), key) for r in rows)})


def _entry(
    graph: Graph,
    printer: GraphLatexPrinter,
    kind: str,
    subject: sp.Expr,
    node: sp.Symbol,
    uses: Sequence[Use],
    rows: Sequence[Row],
    label: str,
) -> PageEntry:
    """An entry whose first row is its chain (every use), then one row per use, then the batch.

    Factors are numbered across the uses in order; each row marks the factors it shows.
    """
    numbered: list[list[tuple[int, Factor]]] = []
    count = 0
    for use in uses:
        numbered.append([(count + i, f) for i, f in enumerate(use.factors)])
        count += len(use.factors)
    single = len(uses) == 1 and len(uses[0].factors) == 1
    use_rows = [r for r in rows[1:] if r.label and r.label != printer.words("batch")]
    formulas = []
    for index, row in enumerate(rows):
        tex = _tex(row)
        if index == 0:
            chosen = [f for use in numbered for f in use]
            kind_of_row = "chain" if kind == "parameter" else "adjoint"
        elif row in use_rows:
            chosen = numbered[use_rows.index(row)]
            kind_of_row = "use"
        else:
            formulas.append(PageFormula(tex, "batch"))
            continue
        marks = _marks(tex, row, chosen, printer, single and index == 0)
        formulas.append(PageFormula(tex, kind_of_row, marks, chain=True))
    factors = [f for use in uses for f in use.factors]
    return PageEntry(
        _key(graph, kind, node),
        kind,
        graph.names[node].identifier,
        {WRITTEN: printer.doprint(subject)},
        {WRITTEN: label},
        {WRITTEN: tuple(formulas)},
        factor_spans(factors, lambda s: graph.names[s].identifier),
    )


def _key(graph: Graph, kind: str, node: sp.Symbol) -> str:
    """A parameter's key is its identifier; an adjoint's, ``d`` + its quantity's."""
    identifier = graph.names[node].identifier
    return identifier if kind == "parameter" else f"d{identifier}"


def _marks(
    tex: str, row: Row, numbered: list[tuple[int, Factor]], printer: GraphLatexPrinter, single: bool
) -> str | None:
    """Where the factors are in a row: its Leibniz side (unless the row omits it), its values.

    ``single``: the row's only factor is printed bare, as the LaTeX output prints it.
    """

    def text(value: sp.Expr) -> str:
        return printer.doprint(value) if single else printer.product([value])

    leibniz = [(i, text(f.leibniz)) for i, f in numbered]
    values = [(i, text(f.value)) for i, f in numbered]
    runs = [leibniz, values] if row.label or len(row.right) > 1 else [values]
    return factor_marks(tex, row.label or row.left, runs)
