"""Renderers: a derivation as LaTeX, Markdown, rich terminal text or JSON."""

from __future__ import annotations

from .json import render_json
from .latex import latex_printer, render_latex
from .markdown import render_markdown
from .text import render_text, unicode_printer

FORMATS = ("text", "latex", "markdown", "json")

__all__ = [
    "FORMATS",
    "latex_printer",
    "render_json",
    "render_latex",
    "render_markdown",
    "render_text",
    "unicode_printer",
]
