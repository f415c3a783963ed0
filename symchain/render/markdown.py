"""Markdown with ``$$`` math blocks and short headings (GitHub, MkDocs, Jupyter)."""

from __future__ import annotations

from collections.abc import Iterator

from ..derivation import Derivation
from .document import Equation, Progress, iter_document, network_title
from .latex import aligned_rows, equation_latex, latex_printer


def render_markdown(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> str:
    """The derivation as Markdown: a heading per section, each equation in its own ``$$`` block.

    ``progress(done, total)`` is told how many parameters are written (see iter_document).
    """
    return "".join(iter_markdown(derivation, style, progress))


def iter_markdown(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> Iterator[str]:
    """:func:`render_markdown` in pieces, each section's made when the one before is written."""
    printer = latex_printer(derivation, style)
    yield f"# Backpropagation: {network_title(derivation)}\n"
    for section in iter_document(derivation, printer, progress):
        if section.subject is not None:
            heading = f"## ${printer.doprint(section.subject)}$"
        else:
            heading = f"## {section.title}"
        lines = ["", heading, ""]
        for equation in section.equations:
            lines.extend([*math_block(equation), ""])
        yield "\n".join(lines)


def math_block(equation: Equation) -> list[str]:
    """One equation as the lines of a ``$$`` block (``aligned`` when it spans several rows)."""
    rows = aligned_rows(equation)
    if len(rows) == 1 and len(equation.sides) <= 2:
        return ["$$", equation_latex(equation), "$$"]
    return ["$$", *aligned_lines(rows), "$$"]


def aligned_lines(rows: list[str]) -> list[str]:
    """Alignment rows inside ``\\begin{aligned}`` .. ``\\end{aligned}``, one per line."""
    body = [row + " \\\\" for row in rows[:-1]] + rows[-1:]
    return ["\\begin{aligned}", *body, "\\end{aligned}"]
