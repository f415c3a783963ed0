"""amsmath-ready LaTeX of a derivation: one ``align*`` block per section."""

from __future__ import annotations

from collections.abc import Iterator

from ..derivation import Derivation
from ..naming import Notation
from ..printing import NotationLatexPrinter
from .document import Equation, Progress, Section, iter_document, network_title
from .layout import ROW_WIDTH, break_side


def latex_printer(derivation: Derivation, style: str = "relative") -> NotationLatexPrinter:
    """A LaTeX printer in the network's notation (``relative`` or ``absolute`` layers)."""
    return NotationLatexPrinter({"notation": Notation(derivation.network.widths, style)})


def equation_latex(equation: Equation) -> str:
    """``a = b = c`` on one line (for KaTeX, Markdown and JSON)."""
    return " = ".join(equation.sides)


def aligned_rows(equation: Equation, width: float = ROW_WIDTH) -> list[str]:
    """The rows of an equation in an alignment: ``lhs &= rhs`` then ``&= rhs`` per further side.

    A side wider than ``width`` (estimated) continues on further rows, ``&\\quad ...``.
    """
    first, *rest = equation.sides
    if not rest:
        return [first]
    rows = []
    for number, side in enumerate(rest, start=1):
        parts = break_side(side, equation.layout(number), width)
        lead = f"{first} &= " if number == 1 else "&= "
        rows.append(lead + parts[0])
        rows.extend(rf"&\quad {part}" for part in parts[1:])
    return rows


def section_latex(section: Section) -> str:
    """One section as an ``align*`` environment, a row per equality."""
    rows: list[str] = []
    for equation in section.equations:
        rows.extend(aligned_rows(equation))
    body = " \\\\\n".join(rows)
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}"


def render_latex(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> str:
    """The derivation as LaTeX for an amsmath document: a comment and an ``align*`` per section.

    ``progress(done, total)`` is told how many parameters are written (see iter_document).
    """
    return "".join(iter_latex(derivation, style, progress))


def iter_latex(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> Iterator[str]:
    """:func:`render_latex` in pieces, each section's made when the one before is written."""
    printer = latex_printer(derivation, style)
    yield f"% derived by symchain: {network_title(derivation)}, {style} notation"
    for section in iter_document(derivation, printer, progress):
        yield f"\n% {section.title}\n{section_latex(section)}"
    yield "\n"
