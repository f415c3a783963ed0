"""Sphinx extension: ``.. symchain-derive::`` writes a network's derivation as math blocks.

Add ``"symchain.sphinx"`` to ``extensions`` in ``conf.py``, then::

    .. symchain-derive::
       :layers: 1,1,1,1
       :param: w^{(L)}
       :show: chain
       :label: seed-chain

    The chain :eq:`seed-chain` ...

Options: ``:layers:``, ``:activation:``, ``:loss:``, ``:param:`` (names as ``--param`` takes
them, separated by spaces or commas, shown in that order), ``:form:`` (``unrolled``, ``index`` or
``matrix``, as ``--form``), ``:show:`` (``all``, ``forward``, ``errors``, ``chain``,
``gradient``, ``batch`` or ``vector``), ``:label:`` (numbered and referenceable with ``:eq:``;
several blocks get ``label-1``, ``label-2``, ...), ``:notation:``, ``:view:`` (``formulas``, or
``interactive``: the clickable page of :func:`symchain.render.html.render_html`, in HTML builds).
A bad option is a Sphinx error naming the file and line; an old spelling (``:form: chain``) is a
warning.

``.. symchain-graph:: ../examples/rnn.toml`` (a path relative to the document) derives a network
written as equations (:mod:`symchain.graphs`) and shows every section, or with ``:param: w_x b``
only those parameters' sections; ``:view: interactive`` shows the clickable page of
:func:`symchain.graphs.page.render_graph_html` instead (in HTML builds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import __version__
from .errors import SymchainError
from .graphs.page import render_graph_html
from .graphs.spec import load_graph
from .render.blocks import (
    BLOCK_KEYS,
    VIEWS,
    block_formulas,
    block_view,
    graph_derivation,
    graph_formulas,
    options_from_mapping,
    split_parameters,
)

logger = logging.getLogger(__name__)


class SymchainDeriveDirective(SphinxDirective):
    """Derive a network and show the chosen form of its gradients as (numbered) math blocks."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0
    option_spec: ClassVar[dict[str, Any]] = dict.fromkeys(BLOCK_KEYS, directives.unchanged)

    def run(self) -> list[nodes.Node]:
        try:
            options = options_from_mapping({k: v or "" for k, v in self.options.items()})
            if options.view == "interactive":
                view = block_view(options)
                return [nodes.raw("", view, format="html")]
            formulas = block_formulas(options)
        except SymchainError as error:
            raise self.error(f"symchain-derive: {error.message}") from None
        for message in options.deprecations:
            logger.warning(f"symchain-derive: {message}", location=self.get_location())
        docname = self.env.docname
        domain = self.env.get_domain("math")
        result: list[nodes.Node] = []
        for formula in formulas:
            latex = formula.split_rows()
            node = nodes.math_block(
                latex, latex, docname=docname, number=None, label=formula.label, nowrap=False
            )
            node["no-wrap"] = False
            self.set_source_info(node)
            if formula.label is not None:
                domain.note_equation(docname, formula.label, location=node)  # type: ignore[attr-defined]
                node["number"] = domain.get_equation_number_for(formula.label)  # type: ignore[attr-defined]
                target = nodes.target("", "", ids=[nodes.make_id(f"equation-{formula.label}")])
                self.state.document.note_explicit_target(target)
                result.append(target)
            result.append(node)
        return result


class SymchainGraphDirective(SphinxDirective):
    """Derive a graph file and show its sections (or the chosen parameters') as math blocks."""

    has_content = False
    required_arguments = 1
    optional_arguments = 0
    option_spec: ClassVar[dict[str, Any]] = {
        "param": directives.unchanged,
        "view": lambda value: directives.choice(value, VIEWS),
    }

    def run(self) -> list[nodes.Node]:
        relative, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(relative)
        try:
            graph = load_graph(Path(path))
            params = split_parameters(self.options.get("param") or "")
            if self.options.get("view") == "interactive":
                view = render_graph_html(graph_derivation(graph, params), standalone=False)
                return [nodes.raw("", view, format="html")]
            formulas = graph_formulas(graph, params)
        except SymchainError as error:
            raise self.error(f"symchain-graph: {error.message}") from None
        result: list[nodes.Node] = []
        for formula in formulas:
            latex = formula.split_rows()
            node = nodes.math_block(
                latex, latex, docname=self.env.docname, number=None, label=None, nowrap=False
            )
            node["no-wrap"] = False
            self.set_source_info(node)
            result.append(node)
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``symchain-derive`` and ``symchain-graph`` directives."""
    app.add_directive("symchain-derive", SymchainDeriveDirective)
    app.add_directive("symchain-graph", SymchainGraphDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
