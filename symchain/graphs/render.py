"""Views of a graph derivation: LaTeX (amsmath), Markdown ($$ blocks), Unicode text and JSON.

All four are built from one list of sections (forward pass, adjoints, one section per
parameter), printed with :mod:`symchain.graphs.printing`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..nodes import Partial, Sampled
from .deriver import SAMPLE_INDEX, GraphDerivation, GraphGradient, Use
from .printing import GraphLatexPrinter, Printer, printers

FORMATS = ("text", "latex", "markdown", "json")


@dataclass(frozen=True)
class Row:
    """``left = right[0] = right[1] ...``; ``label`` is a short note (``use in h_1``)."""

    left: str
    right: tuple[str, ...]
    label: str = ""


def row_lines(row: Row) -> list[str]:
    """A row as amsmath alignment lines: ``[label: \\quad] left &= right[0]``, ``&= right[1]``..."""
    label = rf"{row.label}: \quad " if row.label else ""
    return [f"{label}{row.left} &= {row.right[0]}", *(f"&= {r}" for r in row.right[1:])]


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[Row, ...]


def sections(derivation: GraphDerivation, printer: Printer) -> list[Section]:
    """The document: forward pass, adjoints (defined once, reused), one section per parameter."""
    graph = derivation.graph
    p = printer.doprint
    result = [
        Section(
            "Forward pass",
            tuple(Row(p(e.target), (p(e.expr),)) for e in graph.equations),
        )
    ]
    if derivation.adjoints:
        rows = []
        for adjoint in derivation.adjoints:
            left = p(adjoint.leibniz)
            rows.append(Row(left, _right(left, _chain(adjoint.uses, printer))))
        result.append(Section("Adjoints, each defined once and reused", tuple(rows)))
    for gradient in derivation:
        result.append(_parameter_section(derivation, gradient, printer))
    return result


def _chain(uses: Sequence[Use], printer: Printer) -> tuple[str, ...]:
    if not uses:
        return ("0",)
    alone = len(uses) == 1
    leibniz = " + ".join(_product(printer, [f.leibniz for f in u.factors], alone) for u in uses)
    values = " + ".join(_product(printer, [f.value for f in u.factors], alone) for u in uses)
    return (leibniz, values) if leibniz != values else (leibniz,)


def _product(printer: Printer, values: list[sp.Expr], alone: bool) -> str:
    """Factors in order; the only factor of the only use needs no parentheses."""
    if len(values) == 1 and alone:
        return printer.doprint(values[0])
    return printer.product(values)


def _right(left: str, right: tuple[str, ...]) -> tuple[str, ...]:
    """A chain whose Leibniz form is its own left side (a use in the loss) shows only its value."""
    return right[1:] if len(right) > 1 and right[0] == left else right


def _parameter_section(
    derivation: GraphDerivation, gradient: GraphGradient, printer: Printer
) -> Section:
    graph = derivation.graph
    p = printer.doprint
    title = p(gradient.leibniz)
    rows = [Row(title, _right(title, _chain(gradient.uses, printer)))]
    if len(gradient.uses) > 1:
        for use in gradient.uses:
            rows.append(
                Row(
                    printer.product([f.leibniz for f in use.factors]),
                    (printer.product([f.value for f in use.factors]),),
                    f"{printer.words('use in ')}{p(use.where)}",
                )
            )
    if graph.per_sample:
        sampled = Partial(Sampled(graph.loss, SAMPLE_INDEX), gradient.parameter)
        batch_left = p(Partial(sp.Symbol("C"), gradient.parameter))
        mean = printer.batch_mean(p(sampled))
        terms = [
            printer.product([derivation.sampled(f.value) for f in u.factors]) for u in gradient.uses
        ]
        body = " + ".join(terms) or "0"
        bracketed = len(terms) > 0
        rows.append(
            Row(batch_left, (mean, printer.batch_mean(body, bracketed)), printer.words("batch"))
        )
    return Section(title, tuple(rows))


def _header(derivation: GraphDerivation, printer: Printer) -> str:
    graph = derivation.graph
    p = printer.doprint

    def listed(symbols: Sequence[sp.Symbol]) -> str:
        return ", ".join(p(s) for s in symbols) or "none"

    kind = "per sample, averaged over a batch" if graph.per_sample else "over a batch"
    return (
        f"graph: parameters {listed(graph.parameters)}; inputs {listed(graph.inputs)}; "
        f"targets {listed(graph.targets)}; loss {p(graph.loss)} ({kind})"
    )


def render_graph_latex(derivation: GraphDerivation) -> str:
    """One ``align*`` block per section, for an amsmath document."""
    printer = printers(derivation.graph.names)[0]
    lines = [f"% derived by symchain: {_header(derivation, printer)}"]
    for line in derivation.graph.warnings:
        lines.append(f"% warning: {line}")
    for section in sections(derivation, printer):
        lines.append(f"% {section.title}")
        lines.append(r"\begin{align*}")
        lines.append(" \\\\\n".join(line for row in section.rows for line in row_lines(row)))
        lines.append(r"\end{align*}")
    return "\n".join(lines) + "\n"


def latex_blocks(derivation: GraphDerivation, parameters_only: bool = False) -> list[str]:
    """One multi-row LaTeX block per section (rows ``left &= right \\\\ &= ...``), for docs."""
    printer = printers(derivation.graph.names)[0]
    blocks = []
    for section in _shown_sections(derivation, printer, parameters_only):
        rows = [" \\\\ ".join(row_lines(row)) for row in section.rows]
        blocks.append(" \\\\\n".join(rows))
    return blocks


def aligned_sections(
    derivation: GraphDerivation, parameters_only: bool = False
) -> list[tuple[str, tuple[str, ...]]]:
    """Each section's title and its alignment lines (``left &= right``, ``&= right``), for docs."""
    printer = printers(derivation.graph.names)[0]
    return [
        (section.title, tuple(line for row in section.rows for line in row_lines(row)))
        for section in _shown_sections(derivation, printer, parameters_only)
    ]


def _shown_sections(
    derivation: GraphDerivation, printer: Printer, parameters_only: bool
) -> list[Section]:
    """Every section, or only the parameters' (one per derived parameter)."""
    found = sections(derivation, printer)
    if parameters_only:
        found = found[-len(derivation) :] if len(derivation) else []
    return found


def render_graph_markdown(derivation: GraphDerivation) -> str:
    """A heading per section and one ``$$`` block per row."""
    printer = printers(derivation.graph.names)[0]
    lines = ["# Backpropagation on a graph", "", _header(derivation, printer), ""]
    for line in derivation.graph.warnings:
        lines += [f"> warning: {line}", ""]
    for section in sections(derivation, printer):
        lines += [f"## {_markdown_title(section.title)}", ""]
        for row in section.rows:
            label = rf"{row.label}: \quad " if row.label else ""
            body = label + " = ".join([row.left, *row.right])
            lines += ["$$", body, "$$", ""]
    return "\n".join(lines)


def _markdown_title(title: str) -> str:
    return f"${title}$" if "\\" in title else title


def render_graph_text(derivation: GraphDerivation) -> str:
    """Readable Unicode text for a terminal."""
    printer = printers(derivation.graph.names)[1]
    lines = [f"symchain · {_header(derivation, printer)}"]
    for line in derivation.graph.warnings:
        lines.append(f"warning: {line}")
    for section in sections(derivation, printer):
        lines += ["", section.title]
        for row in section.rows:
            label = f"  {row.label}: " if row.label else "  "
            first = f"{label}{row.left} = {row.right[0]}"
            pad = " " * (len(first) - len(row.right[0]) - 2)
            lines.append(first)
            lines.extend(f"{pad}= {r}" for r in row.right[1:])
    return "\n".join(lines) + "\n"


def graph_data(derivation: GraphDerivation) -> dict[str, Any]:
    """The JSON-ready data: ``graph``, ``loss`` (srepr), ``adjoints``, ``parameters``, ``warnings``.

    ``loss`` and each parameter's ``expression`` are SymPy ``srepr`` strings over the graph's
    symbols, named as written (``Symbol('w_x', real=True)``), with SymPy's own functions only.
    """
    graph = derivation.graph
    latex = printers(graph.names)[0]
    p = latex.doprint
    loss = sp.srepr(derivation.expanded_loss())
    section_rows = {s.title: s.rows for s in sections(derivation, latex)}
    parameters = []
    for gradient in derivation:
        rows = section_rows[p(gradient.leibniz)]
        batch = next((r for r in rows if r.label == latex.words("batch")), None)
        parameters.append(
            {
                "name": graph.names[gradient.parameter].latex,
                "symbol": gradient.parameter.name,
                "key": graph.names[gradient.parameter].identifier,
                "leibniz": p(gradient.leibniz),
                "uses": [_use_data(u, latex) for u in gradient.uses],
                "gradient": _chain(gradient.uses, latex)[-1],
                "batch": " = ".join([batch.left, *batch.right]) if batch else None,
                "expression": sp.srepr(derivation.expanded(gradient.parameter)),
            }
        )
    return {
        "graph": {
            "parameters": [graph.names[s].latex for s in graph.parameters],
            "inputs": [graph.names[s].latex for s in graph.inputs],
            "targets": [graph.names[s].latex for s in graph.targets],
            "equations": [f"{p(e.target)} = {p(e.expr)}" for e in graph.equations],
            "per_sample": graph.per_sample,
        },
        "loss": loss,
        "loss_latex": f"{p(graph.loss)} = {p(graph.definitions[graph.loss])}",
        "adjoints": [
            {
                "quantity": graph.names[a.quantity].latex,
                "leibniz": p(a.leibniz),
                "uses": [_use_data(u, latex) for u in a.uses],
                "value": _chain(a.uses, latex)[-1],
            }
            for a in derivation.adjoints
        ],
        "parameters": parameters,
        "warnings": list(graph.warnings),
    }


def _use_data(use: Use, printer: GraphLatexPrinter) -> dict[str, Any]:
    return {
        "where": printer.doprint(use.where),
        "chain": [
            {"leibniz": printer.doprint(f.leibniz), "value": printer.doprint(f.value)}
            for f in use.factors
        ],
    }


def render_graph_json(derivation: GraphDerivation) -> str:
    """The derivation as one indented JSON document (deterministic key order)."""
    return json.dumps(graph_data(derivation), indent=2, ensure_ascii=False) + "\n"


RENDERERS = {
    "text": render_graph_text,
    "latex": render_graph_latex,
    "markdown": render_graph_markdown,
    "json": render_graph_json,
}
