"""A dense network's derivation as one self-contained interactive HTML page (KaTeX inlined).

:func:`dense_page` feeds the page builder (:mod:`symchain.render.page`) with the dependency
graph, every parameter and error term (each one's chain: Leibniz product, evaluated factors,
result, batch average), the forward pass, the error terms and ∇C, in both notations. Every
formula is the text the LaTeX and Markdown outputs write (from
:func:`symchain.render.document.build_document`), so without JavaScript the page shows the LaTeX
source; the inlined KaTeX typesets it, on demand on large pages. Clicking an entry highlights its
path to C_0; hovering a factor highlights its edges and back.
"""

from __future__ import annotations

from .. import naming
from ..derivation import Derivation, Factor
from ..errors import UnknownNameError
from ..naming import NOTATIONS
from ..printing import NotationLatexPrinter, NotationUnicodePrinter
from .document import Equation, Section, build_document, network_title
from .graph import dependency_graph
from .latex import latex_printer
from .markdown import math_block
from .page import (
    EntryGroup,
    Page,
    PageEntry,
    PageFormula,
    PageSection,
    factor_marks,
    factor_spans,
    render_page,
)
from .svg import ENGINES, graph_svg, network_labels


def render_html(
    derivation: Derivation,
    style: str = "relative",
    *,
    standalone: bool = True,
    graph: str = "auto",
) -> str:
    """The derivation as an interactive HTML page (``standalone``) or an embeddable ``<div>``.

    Args:
        derivation: what to show.
        style: the notation shown first (``relative`` or ``absolute``); both are in the page.
        standalone: a whole document (``<!DOCTYPE html>``, permalinks ``#w^{(L)}``); otherwise a
            ``<div class="symchain-view">`` with its own style and script and no blank line, for
            a docs page or a notebook.
        graph: the graph layout, ``auto``, ``dot`` or ``builtin`` (see :mod:`.svg`).
    """
    if style not in NOTATIONS:
        raise UnknownNameError(f"unknown notation {style!r}; known: {', '.join(NOTATIONS)}")
    check_engine(graph)
    return render_page(dense_page(derivation, graph), style, standalone)


def check_engine(graph: str) -> None:
    """Raise UnknownNameError unless ``graph`` is a layout engine."""
    if graph not in ENGINES:
        raise UnknownNameError(f"unknown graph layout {graph!r}; known: {', '.join(ENGINES)}")


def dense_page(derivation: Derivation, engine: str) -> Page:
    """The page of a dense network's derivation, in both notations."""
    # Both notations' documents, section by section (the same order in each).
    printers = {s: latex_printer(derivation, s) for s in NOTATIONS}
    documents = {s: build_document(derivation, printers[s]) for s in NOTATIONS}
    entries = _entries(derivation, documents, printers)
    network = derivation.network
    graph = dependency_graph(network)
    svg = graph_svg(graph, network_labels(graph, network), engine)
    groups: dict[tuple[str, int], list[PageEntry]] = {}
    layers: dict[str, int] = {}
    for entry, layer in entries:
        groups.setdefault((entry.kind, layer), []).append(entry)
        layers[entry.key] = layer
    ordered = [g for g in groups if g[0] == "parameter"] + [g for g in groups if g[0] == "error"]
    widths = network.widths
    page_groups = []
    for kind, layer in ordered:
        what = "Error terms" if kind == "error" else "Weights and biases"
        titles = {
            s: f"{what}, layer ({naming.Notation(widths, s).layer_text(layer)})" for s in NOTATIONS
        }
        page_groups.append(EntryGroup(titles, tuple(groups[(kind, layer)])))
    errors = [entry for entry, _ in entries if entry.kind == "error"]
    sections = (
        _plain_section("forward", "Forward pass", documents),
        PageSection(
            "errors",
            "Error terms",
            {
                s: tuple(PageFormula(e.formulas[s][0].tex, e.formulas[s][0].kind) for e in errors)
                for s in NOTATIONS
            },
        ),
        _plain_section("gradient", "Gradient", documents),
    )
    return Page(
        f"Backpropagation: {network_title(derivation)}",
        naming.SAMPLE_LOSS.name,
        NOTATIONS,
        svg,
        tuple(page_groups),
        sections,
        "Pick a parameter or an error term to see its chain and its path to "
        "C<sub>0</sub>; hover a factor to see its edges.",
    )


def _entries(
    derivation: Derivation,
    documents: dict[str, list[Section]],
    printers: dict[str, NotationLatexPrinter],
) -> list[tuple[PageEntry, int]]:
    """Error terms then parameters, in the documents' order, each with its layer."""
    keyed = {s: {section.key: section for section in documents[s]} for s in NOTATIONS}
    widths = derivation.network.widths
    labellers = {
        s: NotationUnicodePrinter({"notation": naming.Notation(widths, s)}) for s in NOTATIONS
    }
    subjects = []
    for term in derivation.errors:
        label = naming.label_of(term.symbol)
        assert label is not None and label.layer is not None and label.j is not None
        node = naming.preactivation(label.layer, label.j).name
        subjects.append(("error", term.symbol, node, label.layer, term.chain.factors))
    for gradient in derivation:
        assert gradient.label.layer is not None
        p = gradient.parameter
        subjects.append(("parameter", p, p.name, gradient.label.layer, gradient.chain.factors))
    entries = []
    for kind, symbol, node, layer, factors in subjects:
        formulas = {
            s: _formulas(keyed[s][symbol.name], factors, printers[s]) for s in NOTATIONS
        }
        entry = PageEntry(
            symbol.name,
            kind,
            node,
            {s: printers[s].doprint(symbol) for s in NOTATIONS},
            {s: labellers[s].doprint(symbol) for s in NOTATIONS},
            formulas,
            factor_spans(factors, lambda t: str(t.name)),
        )
        entries.append((entry, layer))
    return entries


def _formulas(
    section: Section, factors: tuple[Factor, ...], printer: NotationLatexPrinter
) -> tuple[PageFormula, ...]:
    """A section's formulas; its chain (or error term) with its factors marked."""
    formulas = []
    for equation in section.equations:
        tex = _formula(equation)
        if equation.kind in ("chain", "error"):
            start = equation.sides[1 if equation.kind == "error" else 0]
            marks = _chain_marks(tex, factors, printer, start)
            formulas.append(PageFormula(tex, equation.kind, marks, chain=True))
        else:
            formulas.append(PageFormula(tex, equation.kind))
    return tuple(formulas)


def _formula(equation: Equation) -> str:
    """The formula the Markdown output writes for ``equation`` (``aligned`` rows when long)."""
    return "\n".join(math_block(equation)[1:-1])


def _chain_marks(
    tex: str, factors: tuple[Factor, ...], printer: NotationLatexPrinter, start: str
) -> str | None:
    """Where the chain's factors are in its formula, on the Leibniz and the evaluated sides."""
    leibniz = [(i, printer.product([f.leibniz])) for i, f in enumerate(factors)]
    values = [(i, printer.product([f.value])) for i, f in enumerate(factors)]
    runs = [leibniz, values]
    kept = [(i, text) for (i, text), f in zip(values, factors, strict=True) if f.value != 1]
    if len(kept) != len(values) and kept:
        runs.append(kept)
    return factor_marks(tex, start, runs)


def _plain_section(key: str, title: str, documents: dict[str, list[Section]]) -> PageSection:
    """A section of the document (forward pass, ∇C) as formulas in both notations."""
    formulas = {}
    for s in NOTATIONS:
        section = next(x for x in documents[s] if x.key == key)
        formulas[s] = tuple(PageFormula(_formula(e), e.kind) for e in section.equations)
    return PageSection(key, title, formulas)
