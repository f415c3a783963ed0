"""Rich terminal text that reads like the seed: forward pass, then per parameter its chain."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ..derivation import Derivation
from ..naming import Notation
from ..printing import NotationUnicodePrinter
from .document import build_document, network_title

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


def render_text(derivation: Derivation, style: str = "relative") -> Group:
    """The derivation as rich renderables (print with ``soft_wrap=True`` so lines never fold)."""
    printer = unicode_printer(derivation, style)
    parts: list[Text] = [Text(f"symchain · {network_title(derivation)}", style="bold")]
    for section in build_document(derivation, printer):
        title = section.title if section.subject is None else f"∂C₀/∂{section.title}"
        if section.key.startswith("δ"):
            title = section.title
        parts.append(Text(""))
        parts.append(Text(title, style="bold cyan"))
        for equation in section.equations:
            label = _KIND_LABEL.get(equation.kind, "")
            first, *rest = equation.sides
            line = Text("  ")
            line.append(f"{label:<7}", style="dim")
            line.append(first, style="bold" if equation.kind in ("chain", "error") else "")
            indent = " " * (2 + 7 + len(first))
            for number, side in enumerate(rest):
                if number:
                    line.append("\n" + indent)
                line.append(" = " + side)
            parts.append(line)
    return Group(*parts)
