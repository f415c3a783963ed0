"""Renderers: a derivation as LaTeX, Markdown, rich terminal text, JSON or an HTML page.

Each renderer loads on first use (PEP 562), so a command imports only the one it prints with.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

FORMATS = ("text", "latex", "markdown", "json", "html")

# Public name -> the submodule defining it, imported on first use.
_LAZY = {
    "render_html": "html",
    "render_json": "json",
    "latex_printer": "latex",
    "render_latex": "latex",
    "render_markdown": "markdown",
    "render_text": "text",
    "unicode_printer": "text",
}

if TYPE_CHECKING:
    from .html import render_html
    from .json import render_json
    from .latex import latex_printer, render_latex
    from .markdown import render_markdown
    from .text import render_text, unicode_printer


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symchain.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
