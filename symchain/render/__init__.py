"""Renderers: a derivation as LaTeX, Markdown, rich terminal text, JSON or an HTML page."""

from __future__ import annotations

from .html import render_html
from .json import render_json
from .latex import latex_printer, render_latex
from .markdown import render_markdown
from .text import render_text, unicode_printer

FORMATS = ("text", "latex", "markdown", "json", "html")

__all__ = [
    "FORMATS",
    "latex_printer",
    "render_html",
    "render_json",
    "render_latex",
    "render_markdown",
    "render_text",
    "unicode_printer",
]
