"""The interactive page of a graph network, without a browser: valid, complete, the LaTeX's rows."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner
from tools import have_dot, require

from symchain.cli import cli
from symchain.errors import UnknownNameError
from symchain.graphs.deriver import GraphDerivation, derive_graph
from symchain.graphs.page import render_graph_html
from symchain.graphs.picture import _paths, layered_graph
from symchain.graphs.render import render_graph_latex
from symchain.graphs.spec import load_graph
from symchain.render.svg import MAX_DOT_NODES, MAX_DOT_SIZE, builtin_svg, dot_size, graph_svg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("rnn", "residual", "autoencoder", "l2_penalty", "batchnorm", "attention")


@cache
def derivation(name: str) -> GraphDerivation:
    return derive_graph(load_graph(ROOT / "examples" / f"{name}.toml"))


@cache
def page(name: str, graph: str = "auto") -> str:
    return render_graph_html(derivation(name), graph=graph)


def parse(text: str) -> object:
    """The document or fragment parsed by html5lib in strict mode (raises on any parse error)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    if text.startswith("<!DOCTYPE html>"):
        return parser.parse(text)
    return parser.parseFragment(text)


def elements(text: str) -> list[object]:
    return list(parse(text).iter())  # type: ignore[attr-defined]


def unescape(tex: str) -> str:
    return tex.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("name", EXAMPLES)
def test_page_is_valid_and_has_one_element_per_parameter_node_and_edge(name: str) -> None:
    require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    found = derivation(name)
    graph = found.graph
    text = page(name)
    assert text.startswith("<!DOCTYPE html>\n")
    tree = elements(text)
    params = [e.get("data-param") for e in tree if e.get("data-param")]  # type: ignore[attr-defined]
    assert params == [graph.names[p].latex for p in graph.parameters]
    adjoints = [e.get("data-adjoint") for e in tree if e.get("data-adjoint")]  # type: ignore[attr-defined]
    assert len(adjoints) == len(found.adjoints)
    layered = layered_graph(graph)
    nodes = [e.get("data-node") for e in tree if e.get("class") == "node"]  # type: ignore[attr-defined]
    assert sorted(nodes) == sorted(n.key for n in layered.nodes)
    assert len(nodes) == len(graph.names)
    edges = [
        (e.get("data-source"), e.get("data-target"))  # type: ignore[attr-defined]
        for e in tree
        if e.get("class") == "edge"  # type: ignore[attr-defined]
    ]
    expected = {
        (graph.names[u].identifier, graph.names[q].identifier)
        for q in graph.quantities
        for u in graph.definitions[q].free_symbols
    }
    assert sorted(edges) == sorted(expected)
    parse(render_graph_html(found, standalone=False))


def test_builtin_layout_has_the_same_nodes_and_edges() -> None:
    tree = elements(page("attention", "builtin"))
    layered = layered_graph(derivation("attention").graph)
    nodes = [e.get("data-node") for e in tree if e.get("class") == "node"]  # type: ignore[attr-defined]
    assert sorted(nodes) == sorted(n.key for n in layered.nodes)
    edges = [
        (e.get("data-source"), e.get("data-target"))  # type: ignore[attr-defined]
        for e in tree
        if e.get("class") == "edge"  # type: ignore[attr-defined]
    ]
    assert sorted(edges) == sorted((e.source, e.target) for e in layered.edges)


@pytest.mark.parametrize("name", ["rnn", "attention", "batchnorm"])
def test_every_formula_is_a_row_of_the_latex_output_with_its_factors_marked(name: str) -> None:
    text = page(name)
    latex = render_graph_latex(derivation(name))
    formulas = re.findall(r'<div class="math" data-n="written" ([^>]*)>([^<]*)</div>', text)
    chains = 0
    for attributes, tex in formulas:
        body = unescape(tex).removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}")
        if 'data-kind="gradient"' in attributes:
            continue
        for line in body.split(" \\\\\n"):
            assert line in latex or line.replace(" = ", " &= ", 1) in latex, line
        if 'data-chain="1"' in attributes:
            chains += 1
            assert "data-marks=" in attributes, body  # every factor was found in the formula
    found = derivation(name)
    uses = sum(len(g.uses) for g in found if len(g.uses) > 1)
    assert chains == len(found.parameters) + uses + len(found.adjoints)


def test_shared_weight_has_one_product_per_use_and_a_batch_average() -> None:
    text = page("rnn")
    article = re.search(r'<article class="entry" data-entry="w_h".*?</article>', text, re.S)
    assert article is not None
    kinds = re.findall(r'data-kind="([a-z]+)"', article.group(0))
    assert kinds == ["parameter", "chain", "use", "use", "batch"]
    assert r"\text{use in }h_2" in article.group(0) and r"\text{use in }h_3" in article.group(0)
    # Each factor spans the edges of its own use: ∂h_2/∂w_h is w_h → h_2.
    spans = re.search(r'data-factors="([^"]*)"', article.group(0))
    assert spans is not None and spans.group(1).startswith("[[[&quot;w_h&quot;,&quot;h_2&quot;]]")


def test_path_set_of_a_shared_weight_is_every_use() -> None:
    graph = derivation("rnn").graph
    w_h = graph.symbol_named("w_h")
    assert w_h is not None
    names = {(graph.names[u].identifier, graph.names[q].identifier) for u, q in _paths(graph, w_h)}
    assert names == {("w_h", "h_2"), ("w_h", "h_3"), ("h_2", "h_3"), ("h_3", "C_0")}


def test_page_loads_nothing_from_outside_and_reads_without_javascript() -> None:
    text = page("rnn")
    for element in elements(text):
        for attribute in ("src", "href", "xlink:href", "action", "data"):
            value = element.get(attribute)  # type: ignore[attr-defined]
            assert value is None or value.startswith(("#", "data:")), value
    assert all(u.startswith(("data:", "#")) for u in re.findall(r"url\(([^)]*)\)", text))
    # Without JavaScript the formulas are their LaTeX source and every entry links to its section.
    assert '<a class="pick" href="#w_h" data-param="w_h"' in text
    assert '<article class="entry" data-entry="w_h"' in text and 'id="w_h"' in text
    assert r"\frac{\partial C_0}{\partial w_h} &amp;= \frac{\partial h_2}{\partial w_h}" in text


def test_cli_writes_the_page(tmp_path: Path) -> None:
    target = tmp_path / "rnn.html"
    example = str(ROOT / "examples" / "rnn.toml")
    result = CliRunner().invoke(
        cli, ["derive", "--graph", example, "--format", "html", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == page("rnn")
    result = CliRunner().invoke(
        cli, ["derive", "--graph", example, "--format", "html", "--param", "v"]
    )
    assert result.exit_code == 0
    assert 'data-param="v"' in result.output and 'data-param="w_h"' not in result.output
    result = CliRunner().invoke(cli, ["derive", "--graph", example, "--form", "matrix"])
    assert result.exit_code == 2
    assert "no --form or --standalone" in result.output


def test_bad_layout_is_refused() -> None:
    with pytest.raises(UnknownNameError, match="layout 'circo'; known: auto, dot, builtin"):
        render_graph_html(derivation("rnn"), graph="circo")


def test_long_recurrent_nets_are_laid_out_without_dot(tmp_path: Path) -> None:
    """A weight shared by 60 steps crosses every column: auto uses the built-in layout."""
    steps = 60
    equations = [r"'h_{1} = \tanh(w x_{1})'"] + [
        rf"'h_{{{t}}} = \tanh(w x_{{{t}}} + u h_{{{t - 1}}})'" for t in range(2, steps + 1)
    ]
    equations.append(f"'C_0 = (h_{{{steps}}} - y)^2'")
    inputs = ", ".join(f'"x_{{{t}}}"' for t in range(1, steps + 1))
    path = tmp_path / "long.toml"
    path.write_text(
        f'parameters = ["w", "u"]\ninputs = [{inputs}]\ntargets = ["y"]\n'
        f"equations = [{', '.join(equations)}]\n",
        encoding="utf-8",
    )
    graph = load_graph(path)
    layered = layered_graph(graph)
    assert len(layered.nodes) <= MAX_DOT_NODES < MAX_DOT_SIZE < dot_size(layered)
    labels = {node.key: {"written": node.key} for node in layered.nodes}
    svg = graph_svg(layered, labels, "auto")
    assert svg.replace('class="graph-svg fit"', 'class="graph-svg"') == builtin_svg(layered, labels)
    assert svg.count('class="node"') == len(graph.names)
