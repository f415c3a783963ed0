"""amsmath-ready LaTeX of a derivation: one ``align*`` block per section."""

from __future__ import annotations

from ..derivation import Derivation
from ..naming import Notation
from ..printing import NotationLatexPrinter
from .document import Equation, Section, build_document, network_title


def latex_printer(derivation: Derivation, style: str = "relative") -> NotationLatexPrinter:
    """A LaTeX printer in the network's notation (``relative`` or ``absolute`` layers)."""
    return NotationLatexPrinter({"notation": Notation(derivation.network.widths, style)})


def equation_latex(equation: Equation) -> str:
    """``a = b = c`` on one line (for KaTeX, Markdown and JSON)."""
    return " = ".join(equation.sides)


def aligned_rows(equation: Equation) -> list[str]:
    """The rows of an equation in an alignment: ``lhs &= rhs`` then ``&= rhs`` per further side."""
    first, *rest = equation.sides
    if not rest:
        return [first]
    rows = [f"{first} &= {rest[0]}"]
    rows.extend(f"&= {side}" for side in rest[1:])
    return rows


def section_latex(section: Section) -> str:
    """One section as an ``align*`` environment, a row per equality."""
    rows: list[str] = []
    for equation in section.equations:
        rows.extend(aligned_rows(equation))
    body = " \\\\\n".join(rows)
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}"


def render_latex(derivation: Derivation, style: str = "relative") -> str:
    """The derivation as LaTeX for an amsmath document: a comment and an ``align*`` per section."""
    printer = latex_printer(derivation, style)
    parts = [f"% symchain: {network_title(derivation)}, {style} notation"]
    for section in build_document(derivation, printer):
        parts.append(f"% {section.title}")
        parts.append(section_latex(section))
    return "\n".join(parts) + "\n"
