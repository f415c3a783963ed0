"""Rich terminal text that reads like the seed: forward pass, then per parameter its chain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..derivation import Derivation
from ..naming import Notation
from ..printing import NotationUnicodePrinter
from .document import Equation, Progress, iter_document, network_title
from .layout import cell_width, wrap_product, wrap_text

if TYPE_CHECKING:
    from rich.console import Group

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


def render_text(
    derivation: Derivation,
    style: str = "relative",
    width: int | None = None,
    progress: Progress | None = None,
) -> Group:
    """The derivation as rich renderables, wrapped to ``width`` columns (None: never wrapped).

    Print with ``soft_wrap=True`` so that rich does not fold lines again. A long side continues
    on the next rows with a hanging indent (two columns past where the side starts, an operator
    first), breaking only at spaces, so no symbol is split and the ``=`` signs stay aligned.
    """
    from rich.console import Group
    from rich.text import Span, Text

    parts = _parts(derivation, style, width, progress)
    return Group(
        *(
            Text(text, style=whole, spans=[Span(*span) for span in spans])
            for text, whole, spans in parts
        )
    )


def render_plain_text(
    derivation: Derivation,
    style: str = "relative",
    width: int | None = None,
    progress: Progress | None = None,
) -> str:
    """What printing :func:`render_text` writes with no colours or styles (to a pipe or a file),
    made without rich's per-line work."""
    return "".join(iter_plain_text(derivation, style, width, progress))


def iter_plain_text(
    derivation: Derivation,
    style: str = "relative",
    width: int | None = None,
    progress: Progress | None = None,
) -> Iterator[str]:
    """:func:`render_plain_text` in pieces, a line each."""
    for text, _, _ in _parts(derivation, style, width, progress):
        if _CONTROL.search(text):  # as rich.Text does
            from rich.control import strip_control_codes

            text = strip_control_codes(text)
        yield text + "\n"


# A part of the document: its text, the style of all of it, and styled spans within it
# (start, end, style: made into rich's Spans only for a styled terminal).
_Span = tuple[int, int, str]
_Part = tuple[str, str, tuple[_Span, ...]]
_CONTROL = re.compile("[\x07\x08\x0b\x0c\x0d]")


def _parts(
    derivation: Derivation, style: str, width: int | None, progress: Progress | None
) -> Iterator[_Part]:
    printer = unicode_printer(derivation, style)
    heading = f"symchain · {network_title(derivation)}"
    rows = [heading] if width is None else wrap_text(heading, width - _MARGIN)
    yield f"\n{' ' * _MARGIN}".join(rows), "bold", ()
    for section in iter_document(derivation, printer, progress):
        title = section.title if section.subject is None else f"∂C₀/∂{section.title}"
        if section.key.startswith("δ"):
            title = section.title
        yield "", "", ()
        yield title, "bold cyan", ()
        for equation in section.equations:
            yield _equation_text(equation, width)


# The margin and the kind column before an equation's left side.
_MARGIN = 2
_KIND_WIDTH = 7


def _equation_text(equation: Equation, width: int | None) -> _Part:
    """``  kind  left = side`` with further sides (and long sides' rows) aligned below."""
    label = _KIND_LABEL.get(equation.kind, "")
    first, *rest = equation.sides
    # The text in pieces and its two styled spans, built at once (rich's append is slow).
    kind = f"{label:<{_KIND_WIDTH}}"
    pieces = [" " * _MARGIN, kind, first]
    spans = [(_MARGIN, _MARGIN + len(kind), "dim")]
    if equation.kind in ("chain", "error"):
        start = _MARGIN + len(kind)
        spans.append((start, start + len(first), "bold"))
    indent = _MARGIN + _KIND_WIDTH + cell_width(first)
    newline_first = False
    if width is not None and indent > width // 3:
        # a long left side: every side starts on its own row, indented past the kind column
        indent, newline_first = _MARGIN + _KIND_WIDTH, True
    for number, side in enumerate(rest):
        if number or newline_first:
            pieces.append("\n" + " " * indent)
        layout = equation.layout(number + 1)
        if width is None:
            rows = [side]
        elif layout is not None and layout.joiner == "product":
            rows = wrap_product(side, layout.items, max(width - indent - 5, 20))
        else:
            rows = wrap_text(side, max(width - indent - 5, 20))
        pieces.append(" = " + rows[0])
        for row in rows[1:]:
            pieces.append("\n" + " " * (indent + 5) + row)
    return "".join(pieces), "", tuple(spans)
