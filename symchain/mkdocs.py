"""MkDocs plugin: ```symchain blocks in pages become derived formulas at build time.

Enable it in ``mkdocs.yml`` (with a math renderer such as ``pymdownx.arithmatex``)::

    plugins:
      - symchain

A block's ``graph: rnn.toml`` is read relative to the page's source file. A bad block raises
:class:`mkdocs.exceptions.PluginError` naming the page's file and line, so
``mkdocs build --strict`` (or any build) fails instead of rendering the block as code. An old
spelling (``form: chain`` for ``show: chain``) is a logged warning (an error with ``--strict``).
"""

from __future__ import annotations

import logging
from pathlib import Path
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
        file = getattr(page, "file", None)
        source = getattr(file, "src_path", "<page>")
        absolute = getattr(file, "abs_src_path", None)
        base = Path(absolute).parent if absolute else None
        try:
            return render_markdown_blocks(
                markdown, source, lambda m: log.warning(f"symchain: {m}"), base
            )
        except SymchainError as error:
            raise PluginError(f"symchain: {error.message}") from None
