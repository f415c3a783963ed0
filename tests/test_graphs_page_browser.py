"""The interactive page of graph networks in headless Chromium: paths of shared weights, chains."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sympy as sp
from browser import Loaded, between
from tools import have_dot, require

from symchain.graphs.deriver import GraphDerivation, derive_graph
from symchain.graphs.page import render_graph_html
from symchain.graphs.picture import _paths, layered_graph
from symchain.graphs.render import render_graph_latex
from symchain.graphs.spec import load_graph

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parent.parent


def write_page(tmp_path: Path, name: str, graph: str = "auto") -> tuple[GraphDerivation, Path]:
    found = derive_graph(load_graph(ROOT / "examples" / f"{name}.toml"))
    path = tmp_path / f"{name}.html"
    path.write_text(render_graph_html(found, graph=graph), encoding="utf-8")
    return found, path


def path_edges(found: GraphDerivation, symbol: sp.Symbol) -> set[tuple[str, str]]:
    """The graph's own set of edges on a path from ``symbol`` to the loss, by node key."""
    names = found.graph.names
    return {(names[u].identifier, names[q].identifier) for u, q in _paths(found.graph, symbol)}


def latex_lines(found: GraphDerivation, title: str) -> list[str]:
    """The lines of the LaTeX output's ``align*`` block titled ``title``."""
    text = render_graph_latex(found)
    block = text.split(f"% {title}\n\\begin{{align*}}\n", 1)[1].split("\n\\end{align*}", 1)[0]
    return block.split(" \\\\\n")


def shown_lines(tex: str) -> list[str]:
    return tex.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}").split(" \\\\\n")


@pytest.mark.parametrize(("name", "parameter"), [("rnn", "w_h"), ("attention", "w_k")])
def test_shared_weight_page(browser: Browser, tmp_path: Path, name: str, parameter: str) -> None:
    require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    found, path = write_page(tmp_path, name)
    graph = found.graph
    symbol = graph.symbol_named(parameter)
    assert symbol is not None
    loaded = Loaded(browser, path)
    page = loaded.page

    # Every formula typeset by KaTeX, none failed, nothing logged.
    formulas = page.locator(".symchain-view .math").count()
    assert formulas > len(graph.parameters) + len(graph.equations)
    assert page.locator(".math[data-typeset] .katex").count() == formulas
    assert page.locator(".katex-error").count() == 0

    # Clicking the shared weight highlights every one of its uses' paths to the loss.
    page.locator(f'[data-param="{graph.names[symbol].latex}"]').click()
    expected = path_edges(found, symbol)
    uses = {q for u, q in expected if u == parameter}
    assert len(uses) == len(found[symbol].uses) > 1
    assert loaded.highlighted("g.edge.on-path") == expected
    on_path = {e.get_attribute("data-node") for e in page.locator("g.node.on-path").all()}
    assert on_path == {node for edge in expected for node in edge}

    # The chain shown is the LaTeX output's rows; one row per use follows it.
    article = page.locator(".entry.selected")
    chain = article.locator('.math[data-kind="chain"]')
    assert chain.is_visible()
    rows = latex_lines(
        found, graph.names[symbol].latex.join(["\\frac{\\partial C_0}{\\partial ", "}"])
    )
    tex = chain.get_attribute("data-tex") or ""
    assert shown_lines(tex) == rows[: len(shown_lines(tex))]
    assert article.locator('.math[data-kind="use"]').count() == len(uses)
    assert article.locator('.math[data-kind="batch"]').count() == 1

    # Hovering a factor highlights its edges; hovering an edge, the factors it belongs to.
    layered = layered_graph(graph)
    names = graph.names
    factors = [f for use in found[symbol].uses for f in use.factors]
    spans = []
    for factor in factors:
        edges: set[tuple[str, str]] = set()
        partial = factor.leibniz
        edges |= between(
            layered, names[partial.denominator].identifier, names[partial.numerator].identifier
        )
        spans.append(edges)
    for index, edges in enumerate(spans[:4]):  # the first use's factors (and more)
        chain.locator(f'[data-factor="{index}"]').first.hover()
        assert loaded.highlighted("g.edge.hovered") == edges
        marked = chain.locator(".hovered[data-factor]").all()
        assert {m.get_attribute("data-factor") for m in marked} == {str(index)}
    for source, target in sorted(set().union(*spans))[:3]:
        edge = page.locator(f'g.edge[data-source="{source}"][data-target="{target}"] path')
        edge.first.dispatch_event("mouseover")
        shown = {m.get_attribute("data-factor") for m in chain.locator(".hovered").all()}
        assert shown == {str(i) for i, edges in enumerate(spans) if (source, target) in edges}

    # An adjoint is its own entry: its node selects it, its path runs from there to the loss.
    adjoint = found.adjoints[-1]
    key = names[adjoint.quantity].identifier
    page.locator(f'g.node[data-node="{key}"]').click()
    assert article.get_attribute("data-kind") == "adjoint"
    assert loaded.highlighted("g.edge.on-path") == path_edges(found, adjoint.quantity)

    page.screenshot(path=str(tmp_path / f"{name}.png"))
    assert loaded.outside_requests() == []
    assert loaded.messages == []
    page.close()


def test_permalink_and_reading_without_javascript(browser: Browser, tmp_path: Path) -> None:
    found, path = write_page(tmp_path, "rnn", "builtin")
    loaded = Loaded(browser, path, "#w_x")
    page = loaded.page
    assert page.locator(".entry.selected").get_attribute("data-entry") == "w_x"
    assert loaded.highlighted("g.edge.on-path") == path_edges(found, found.graph.parameters[0])
    page.locator('[data-param="b"]').click()
    assert page.evaluate("window.location.hash") == "#b"
    assert loaded.messages == []
    page.close()

    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(path.as_uri())
    assert plain.locator(".katex").count() == 0
    text = plain.locator("body").inner_text()
    first = latex_lines(found, "\\frac{\\partial C_0}{\\partial w_h}")[0]
    assert first.replace("&", "") in text.replace("&", "")
    plain.locator('[data-param="w_h"]').click()
    assert plain.locator(":target").get_attribute("data-entry") == "w_h"
    context.close()
