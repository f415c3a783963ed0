"""MkDocs plugin: ```symchain blocks in pages become derived formulas at build time.

Enable it in ``mkdocs.yml`` (with a math renderer such as ``pymdownx.arithmatex``)::

    plugins:
      - symchain

A bad block raises :class:`mkdocs.exceptions.PluginError` naming the page's file and line, so
``mkdocs build --strict`` (or any build) fails instead of rendering the block as code. An old
spelling (``form: chain`` for ``show: chain``) is a logged warning (an error with ``--strict``).
"""

from __future__ import annotations

import logging
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from .errors import SymchainError
from .markdown_blocks import render_markdown_blocks

# MkDocs counts warnings of loggers under "mkdocs" (``--strict`` fails on them).
log = logging.getLogger("mkdocs.plugins.symchain")


class SymchainPlugin(BasePlugin):  # type: ignore[type-arg]
    """Replaces ```symchain blocks before MkDocs converts the page's Markdown."""

    def on_page_markdown(self, markdown: str, /, *, page: Any, config: Any, files: Any) -> str:
        """The page's Markdown with its blocks rendered; PluginError on a bad block."""
        source = getattr(getattr(page, "file", None), "src_path", "<page>")
        try:
            return render_markdown_blocks(markdown, source, lambda m: log.warning(f"symchain: {m}"))
        except SymchainError as error:
            raise PluginError(f"symchain: {error.message}") from None
