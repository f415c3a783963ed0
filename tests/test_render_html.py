"""The interactive HTML page without a browser: valid, self-contained, complete, deterministic."""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner
from tools import have_dot, require

from symchain import Network, derive
from symchain.cli import cli
from symchain.errors import UnknownNameError
from symchain.render import render_html
from symchain.render.graph import dependency_graph
from symchain.render.latex import latex_printer

NETWORKS = {
    "seed": ((1, 1, 1, 1), ("sigmoid",), "squared_error"),
    "2-3-2": ((2, 3, 2), ("tanh",), "half_squared_error"),
    "softmax": ((2, 3, 3), ("tanh", "softmax"), "cross_entropy"),
}
ROOT = Path(__file__).resolve().parent.parent


def network(name: str) -> Network:
    widths, activations, loss = NETWORKS[name]
    return Network.from_widths(widths, activations, loss)


def parse(text: str) -> object:
    """The document or fragment parsed by html5lib in strict mode (raises on any parse error)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    if text.startswith("<!DOCTYPE html>"):
        return parser.parse(text)
    return parser.parseFragment(text)


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("graph", ["auto", "builtin"])
def test_page_is_valid_html(name: str, graph: str) -> None:
    derivation = derive(network(name))
    page = render_html(derivation, graph=graph)
    assert page.startswith("<!DOCTYPE html>\n")
    parse(page)
    parse(render_html(derivation, standalone=False, graph=graph))


def test_invalid_html_is_caught_by_the_strict_parser() -> None:
    with pytest.raises(html5lib.html5parser.ParseError):
        parse("<!DOCTYPE html><html><body><p><div></span></body></html>")


@pytest.mark.parametrize("name", list(NETWORKS))
def test_page_loads_nothing_from_outside(name: str) -> None:
    page = render_html(derive(network(name)))
    tree = parse(page)
    for element in tree.iter():  # type: ignore[attr-defined]
        for attribute in ("src", "href", "xlink:href", "action", "data"):
            value = element.get(attribute)
            assert value is None or value.startswith(("#", "data:")), (element.tag, value)
    urls = re.findall(r"url\(([^)]*)\)", page)
    assert urls and all(u.startswith(("data:", "#")) for u in urls)
    assert "@import" not in page
    assert len(re.findall(r"url\(data:font/woff2;base64,", page)) == 20  # KaTeX's fonts


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("graph", ["auto", "builtin"])
def test_one_element_per_parameter_node_and_edge(name: str, graph: str) -> None:
    if graph == "auto":
        require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    net = network(name)
    derivation = derive(net)
    tree = parse(render_html(derivation, graph=graph))
    printer = latex_printer(derivation)
    params = [e.get("data-param") for e in tree.iter() if e.get("data-param")]  # type: ignore[attr-defined]
    assert params == [printer.doprint(p) for p in net.parameters]
    errors = [e.get("data-error") for e in tree.iter() if e.get("data-error")]  # type: ignore[attr-defined]
    assert errors == [printer.doprint(t.symbol) for t in derivation.errors]
    full = dependency_graph(net)
    nodes = [e.get("data-node") for e in tree.iter() if e.get("class") == "node"]  # type: ignore[attr-defined]
    assert sorted(nodes) == sorted(n.key for n in full.nodes)
    edges = [
        (e.get("data-source"), e.get("data-target"))
        for e in tree.iter()  # type: ignore[attr-defined]
        if e.get("class") == "edge"
    ]
    assert sorted(edges) == sorted((e.source, e.target) for e in full.edges)


def test_formulas_are_the_latex_outputs_text_in_both_notations() -> None:
    net = network("2-3-2")
    derivation = derive(net)
    page = render_html(derivation)
    for style in ("relative", "absolute"):
        latex = (
            CliRunner()
            .invoke(
                cli,
                [
                    "derive",
                    "--layers",
                    "2,3,2",
                    "--activation",
                    "tanh",
                    "--loss",
                    "half_squared_error",
                    "--notation",
                    style,
                    "--format",
                    "latex",
                ],
            )
            .output
        )
        chains = re.findall(
            rf'<div class="math" data-n="{style}" data-kind="chain"[^>]*>([^<]*)</div>', page
        )
        assert len(chains) == len(net.parameters)
        for chain in chains:
            body = chain.replace("&amp;", "&").removeprefix("\\begin{aligned}\n")
            assert body.removesuffix("\n\\end{aligned}") in latex


def test_cli_writes_the_page_and_rejects_other_forms(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["derive", "--format", "html", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_html(derive(network("seed")))
    result = CliRunner().invoke(cli, ["derive", "--format", "html", "--form", "matrix"])
    assert result.exit_code == 2
    assert "--format html is for the unrolled form" in result.output


def test_fragment_has_no_blank_line_and_no_document_parts() -> None:
    fragment = render_html(derive(network("seed")), standalone=False)
    assert fragment.startswith('<div class="symchain-view"') and fragment.endswith("</div>")
    assert "\n\n" not in fragment and "<!DOCTYPE" not in fragment and ' id="w' not in fragment


def test_bad_arguments_are_refused() -> None:
    derivation = derive(network("seed"))
    with pytest.raises(UnknownNameError, match="notation 'sideways'; known: relative, absolute"):
        render_html(derivation, "sideways")
    with pytest.raises(UnknownNameError, match="layout 'circo'; known: auto, dot, builtin"):
        render_html(derivation, graph="circo")


def test_vendored_katex_is_the_tested_release() -> None:
    assets = ROOT / "symchain" / "render" / "assets" / "katex"
    pinned = json.loads((ROOT / "tests" / "katex" / "package.json").read_text())
    assert (assets / "VERSION").read_text().strip() == pinned["dependencies"]["katex"]
    dist = ROOT / "tests" / "katex" / "node_modules" / "katex" / "dist"
    require(dist.is_dir(), "KaTeX is not installed in tests/katex (npm ci)")
    for name in ("katex.min.js", "katex.min.css"):
        assert (assets / name).read_bytes() == (dist / name).read_bytes(), name
    fonts = sorted(p.name for p in (assets / "fonts").iterdir())
    assert fonts == sorted(p.name for p in (dist / "fonts").glob("*.woff2"))
    for font in fonts:
        assert (assets / "fonts" / font).read_bytes() == (dist / "fonts" / font).read_bytes()
