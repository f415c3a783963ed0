"""Markdown with ``$$`` math blocks and short headings (GitHub, MkDocs, Jupyter)."""

from __future__ import annotations

from ..derivation import Derivation
from .document import build_document, network_title
from .latex import aligned_rows, latex_printer


def render_markdown(derivation: Derivation, style: str = "relative") -> str:
    """The derivation as Markdown: a heading per section, each equation in its own ``$$`` block."""
    printer = latex_printer(derivation, style)
    lines = [f"# Backpropagation: {network_title(derivation)}", ""]
    for section in build_document(derivation, printer):
        if section.subject is not None:
            heading = f"## ${printer.doprint(section.subject)}$"
        else:
            heading = f"## {section.title}"
        lines.extend([heading, ""])
        for equation in section.equations:
            rows = aligned_rows(equation)
            if len(rows) == 1:
                lines.extend(["$$", rows[0], "$$", ""])
            else:
                body = " \\\\\n".join(rows)
                lines.extend(["$$", "\\begin{aligned}", body, "\\end{aligned}", "$$", ""])
    return "\n".join(lines)
