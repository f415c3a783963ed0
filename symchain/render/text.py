"""Rich terminal text that reads like the seed: forward pass, then per parameter its chain."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ..derivation import Derivation
from ..naming import Notation
from ..printing import NotationUnicodePrinter
from .document import Equation, build_document, network_title
from .layout import cell_width, wrap_text

_KIND_LABEL = {
    "chain": "chain",
    "factor": "factor",
    "batch": "batch",
    "error": "δ",
    "forward": "",
    "loss": "",
    "gradient": "",
}


def unicode_printer(derivation: Derivation, style: str = "relative") -> NotationUnicodePrinter:
    """A Unicode printer in the network's notation."""
    return NotationUnicodePrinter({"notation": Notation(derivation.network.widths, style)})


def render_text(derivation: Derivation, style: str = "relative", width: int | None = None) -> Group:
    """The derivation as rich renderables, wrapped to ``width`` columns (None: never wrapped).

    Print with ``soft_wrap=True`` so that rich does not fold lines again. A long side continues
    on the next rows with a hanging indent (two columns past where the side starts, an operator
    first), breaking only at spaces, so no symbol is split and the ``=`` signs stay aligned.
    """
    printer = unicode_printer(derivation, style)
    heading = f"symchain · {network_title(derivation)}"
    rows = [heading] if width is None else wrap_text(heading, width - _MARGIN)
    parts: list[Text] = [Text(f"\n{' ' * _MARGIN}".join(rows), style="bold")]
    for section in build_document(derivation, printer):
        title = section.title if section.subject is None else f"∂C₀/∂{section.title}"
        if section.key.startswith("δ"):
            title = section.title
        parts.append(Text(""))
        parts.append(Text(title, style="bold cyan"))
        for equation in section.equations:
            parts.append(_equation_text(equation, width))
    return Group(*parts)


# The margin and the kind column before an equation's left side.
_MARGIN = 2
_KIND_WIDTH = 7


def _equation_text(equation: Equation, width: int | None) -> Text:
    """``  kind  left = side`` with further sides (and long sides' rows) aligned below."""
    label = _KIND_LABEL.get(equation.kind, "")
    first, *rest = equation.sides
    line = Text(" " * _MARGIN)
    line.append(f"{label:<{_KIND_WIDTH}}", style="dim")
    line.append(first, style="bold" if equation.kind in ("chain", "error") else "")
    indent = _MARGIN + _KIND_WIDTH + cell_width(first)
    newline_first = False
    if width is not None and indent > width // 3:
        # a long left side: every side starts on its own row, indented past the kind column
        indent, newline_first = _MARGIN + _KIND_WIDTH, True
    for number, side in enumerate(rest):
        if number or newline_first:
            line.append("\n" + " " * indent)
        rows = [side] if width is None else wrap_text(side, max(width - indent - 5, 20))
        line.append(" = " + rows[0])
        for row in rows[1:]:
            line.append("\n" + " " * (indent + 5) + row)
    return line
