"""Markdown sources with ```` ```symchain ```` blocks: each block is replaced by derived formulas.

A block holds the same ``key: value`` options as the Sphinx directive (see
:mod:`symchain.render.blocks`)::

    ```symchain
    layers: 1,1,1,1
    param: w^{(L)}
    show: chain
    ```

Blocks are found with markdown-it-py (CommonMark), so code in other fences and indented code is
left alone; a block inside a list or a quote keeps that indentation or quote marker. Each
formula becomes a ``$$`` block (``aligned`` rows), which KaTeX and MathJax render (MkDocs with
``pymdownx.arithmatex``, GitHub, Jupyter); a label becomes an HTML anchor before its formula.
A block with ``view: interactive`` becomes the interactive view (one raw HTML block, no blank
line inside) for sites that keep raw HTML and scripts (MkDocs does; GitHub strips them).
A block with ``graph: path/to/file.toml`` (relative to the document) derives a network written as
equations (:mod:`symchain.graphs`) and takes only ``param``, ``label`` and ``view``.
An old spelling (``form: chain``) is rendered and reported through ``warn`` (by default a
:class:`DeprecationWarning`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from .errors import SpecError
from .render.blocks import BlockOptionError, Formula, block_formulas, block_view, parse_block

Warn = Callable[[str], None]

FENCE_INFO = "symchain"
_PREFIX_RE = re.compile(r"^([\s>]*)")


def formula_markdown(formula: Formula) -> list[str]:
    """The Markdown lines of one formula: an optional anchor, then a ``$$`` block."""
    lines = [f'<a id="{formula.label}"></a>', ""] if formula.label else []
    return [*lines, "$$", *formula.aligned().split("\n"), "$$"]


def deprecation_warning(message: str) -> None:
    """The default ``warn``: a :class:`DeprecationWarning` at the caller of the renderer."""
    warnings.warn(message, DeprecationWarning, stacklevel=4)


def render_block(body: str, warn: Warn | None = None, base: Path | None = None) -> list[str]:
    """The Markdown lines replacing one block with body ``body`` (formulas, blank-separated).

    ``base`` is the document's folder, where a relative ``graph:`` path is read from.
    """
    options = parse_block(body, base)
    for message in options.deprecations:
        (warn or deprecation_warning)(message)
    if options.view == "interactive":
        return block_view(options).split("\n")
    lines: list[str] = []
    for formula in block_formulas(options):
        if lines:
            lines.append("")
        lines.extend(formula_markdown(formula))
    return lines


def render_markdown_blocks(
    text: str, source: str = "<markdown>", warn: Warn | None = None, base: Path | None = None
) -> str:
    """``text`` with every ```` ```symchain ```` block replaced by its formulas.

    ``base`` is the document's folder: ``graph: rnn.toml`` is read from there (default: the
    working directory). ``warn`` receives ``source:line: message`` for each deprecated
    spelling (default: a :class:`DeprecationWarning`).

    Raises:
        SpecError: ``source:line: message`` for the first bad block (line of the bad option,
            1-based, or of the fence when the problem is the block as a whole).
    """
    lines = text.split("\n")
    tokens = MarkdownIt("commonmark").parse(text)
    fences = [t for t in tokens if t.type == "fence" and t.info.strip() == FENCE_INFO]
    for token in reversed(fences):
        assert token.map is not None
        start, end = token.map

        def located(message: str, line: int = start + 1) -> None:
            (warn or deprecation_warning)(f"{source}:{line}: {message}")

        try:
            replacement = render_block(token.content, located, base)
        except BlockOptionError as error:
            line = start + 1 if error.offset is None else start + 2 + error.offset
            raise SpecError(f"{source}:{line}: {error.message}") from None
        except SpecError as error:
            raise SpecError(f"{source}:{start + 1}: {error.message}") from None
        prefix_match = _PREFIX_RE.match(lines[start])
        prefix = prefix_match.group(1) if prefix_match else ""
        lines[start:end] = [
            (prefix + line).rstrip() if line else prefix.rstrip() for line in replacement
        ]
    return "\n".join(lines)
