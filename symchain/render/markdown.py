"""Markdown with ``$$`` math blocks and short headings (GitHub, MkDocs, Jupyter)."""

from __future__ import annotations

from ..derivation import Derivation
from .document import Equation, Progress, build_document, network_title
from .latex import aligned_rows, equation_latex, latex_printer


def render_markdown(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> str:
    """The derivation as Markdown: a heading per section, each equation in its own ``$$`` block.

    ``progress(done, total)`` is told how many parameters are written (see build_document).
    """
    printer = latex_printer(derivation, style)
    lines = [f"# Backpropagation: {network_title(derivation)}", ""]
    for section in build_document(derivation, printer, progress):
        if section.subject is not None:
            heading = f"## ${printer.doprint(section.subject)}$"
        else:
            heading = f"## {section.title}"
        lines.extend([heading, ""])
        for equation in section.equations:
            lines.extend([*math_block(equation), ""])
    return "\n".join(lines)


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
