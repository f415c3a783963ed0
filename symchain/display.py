"""Notebook display of derivations: LaTeX, Markdown and KaTeX-ready HTML, capped in size.

Jupyter asks an object for ``_repr_latex_``, ``_repr_markdown_`` and ``_repr_html_``; the result
types in :mod:`symchain.derivation` answer with the formulas built here from their LaTeX rows.
Past :data:`MAX_DISPLAY_CHARS` of LaTeX the remaining rows are left out and a summary line says
how many and how to see them. The HTML holds the math as ``$$…$$`` (escaped), which the
notebook's MathJax or KaTeX typesets.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# More LaTeX than this in one notebook output is not shown (16-32-32-8 would be 1.45 MB).
MAX_DISPLAY_CHARS = 50_000
# A one-line repr is cut to this many characters.
MAX_REPR_CHARS = 120


@dataclass(frozen=True)
class Shown:
    """The rows that fit under the cap, and a summary of the rest (empty when all fit)."""

    rows: tuple[str, ...]
    summary: str = ""


def capped(rows: Iterable[str], total: int, what: str, hint: str) -> Shown:
    """The first rows whose LaTeX fits in :data:`MAX_DISPLAY_CHARS` (at least one).

    Args:
        rows: LaTeX rows, produced lazily so that rows past the cap are never printed.
        total: how many rows there are in all.
        what: what a row is, plural (``parameters``).
        hint: how to see everything, e.g. ``render_latex(derivation)``.
    """
    kept: list[str] = []
    used = 0
    iterator: Iterator[str] = iter(rows)
    for row in iterator:
        if kept and used + len(row) > MAX_DISPLAY_CHARS:
            break
        kept.append(row)
        used += len(row)
    if len(kept) >= total:
        return Shown(tuple(kept))
    return Shown(
        tuple(kept),
        f"… {total - len(kept)} more {what} not shown ({total} in all, display capped at "
        f"{MAX_DISPLAY_CHARS:,} characters of LaTeX); see {hint}",
    )


def latex_display(shown: Shown, with_summary: bool = True) -> str:
    """``$$\\begin{aligned} … \\end{aligned}$$``, the summary (if any) as a ``\\text`` row."""
    rows = list(shown.rows)
    if shown.summary and with_summary:
        rows.append(r"&\text{" + _latex_text(shown.summary) + "}")
    if len(rows) == 1:  # one equation: no alignment needed
        return f"$${rows[0].replace(' &= ', ' = ', 1)}$$"
    return "$$\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}$$"


def markdown_display(title: str, shown: Shown) -> str:
    """A bold title line, a ``$$`` block, and the summary as a line of text."""
    parts = [f"**{title}**", "", latex_display(shown, with_summary=False)]
    if shown.summary:
        parts.extend(["", f"*{shown.summary}*"])
    return "\n".join(parts) + "\n"


def html_display(title: str, shown: Shown) -> str:
    """The title, the math as escaped ``$$…$$`` for MathJax or KaTeX, and the summary."""
    parts = [
        '<div class="symchain">',
        f"<p><strong>{html.escape(title)}</strong></p>",
        f"<p>{html.escape(latex_display(shown, with_summary=False))}</p>",
    ]
    if shown.summary:
        parts.append(f"<p><em>{html.escape(shown.summary)}</em></p>")
    parts.append("</div>")
    return "\n".join(parts)


def one_line(text: str) -> str:
    """``text`` on one line, cut to :data:`MAX_REPR_CHARS` with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_REPR_CHARS else flat[: MAX_REPR_CHARS - 1] + "…"


def _latex_text(text: str) -> str:
    """Plain text safe inside ``\\text{…}`` (KaTeX strict mode: ASCII and escaped specials)."""
    replacements = {
        "…": "...",
        "'": "'",
        "{": r"\{",
        "}": r"\}",
        "_": r"\_",
        "^": r"\^{}",
        "#": r"\#",
        "%": r"\%",
        "&": r"\&",
        "$": r"\$",
        "\\": r"\textbackslash{}",
    }
    return "".join(replacements.get(char, char) for char in text)
