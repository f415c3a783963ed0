"""The interactive HTML page in headless Chromium (Playwright): typeset, paths, chains, hover."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

import pytest
import sympy as sp
from browser import Loaded, between
from tools import have_dot, require

from symchain import Network, derive
from symchain.derivation import Derivation, Factor
from symchain.nodes import Partial
from symchain.render import render_html, render_latex
from symchain.render.graph import Graph, dependency_graph
from symchain.render.latex import latex_printer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

NETWORKS = {
    "seed": ((1, 1, 1, 1), ("sigmoid",), "squared_error"),
    "2-3-2": ((2, 3, 2), ("sigmoid",), "squared_error"),
    "softmax": ((2, 3, 3), ("tanh", "softmax"), "cross_entropy"),
}
CASES = [(name, "auto") for name in NETWORKS] + [("softmax", "builtin")]


def write_page(tmp_path: Path, derivation: Derivation, graph: str = "auto") -> Path:
    path = tmp_path / "page.html"
    path.write_text(render_html(derivation, graph=graph), encoding="utf-8")
    return path


def factor_edges(graph: Graph, factor: Factor) -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for partial in factor.leibniz.atoms(Partial):
        edges |= between(graph, partial.denominator.name, partial.numerator.name)
    return edges


def without_hooks(tex: str) -> str:
    """``tex`` with every ``\\htmlData{...}{X}`` replaced by ``X``."""
    result, index = "", 0
    for match in re.finditer(r"\\htmlData\{factor=\d+\}\{", tex):
        result += tex[index : match.start()]
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(tex[end], 0) if tex[end - 1] != "\\" else 0
            end += 1
        result += tex[match.end() : end - 1]
        index = end
    return result + tex[index:]


def latex_rows(derivation: Derivation, subject: sp.Symbol, style: str) -> list[str]:
    """The rows of ``subject``'s ``align*`` block in the LaTeX output."""
    text = render_latex(derivation, style)
    title = latex_printer(derivation, style).doprint(subject)
    if subject.name.startswith("δ"):
        title = "Error term " + title
    block = text.split(f"% {title}\n\\begin{{align*}}\n", 1)[1].split("\n\\end{align*}", 1)[0]
    return block.split(" \\\\\n")


def assert_chain_matches_latex(chain_tex: str, rows: list[str]) -> None:
    """The page's chain formula is the first equation of the LaTeX output's block, row for row."""
    shown = chain_tex.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}")
    shown_rows = shown.split(" \\\\\n")
    assert shown_rows == rows[: len(shown_rows)]
    assert len(rows) == len(shown_rows) or not rows[len(shown_rows)].startswith("&")


@pytest.mark.parametrize(("name", "graph"), CASES)
def test_page_in_chromium(browser: Browser, tmp_path: Path, name: str, graph: str) -> None:
    if graph == "auto":
        require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    widths, activations, loss = NETWORKS[name]
    net = Network.from_widths(widths, activations, loss)
    derivation = derive(net)
    loaded = Loaded(browser, write_page(tmp_path, derivation, graph))
    page = loaded.page

    # Every formula is typeset by KaTeX, none failed, nothing was logged.
    formulas = page.locator(".symchain-view .math").count()
    assert formulas > 2 * len(net.parameters)
    assert page.locator(".math[data-typeset] .katex").count() == formulas
    assert page.locator(".katex-error").count() == 0
    assert loaded.messages == []

    # Clicking w^{(L)} (its first weight) highlights exactly its path to C_0.
    parameter = net.w(net.depth, 0, 0)
    printer = latex_printer(derivation)
    page.locator(f'[data-param="{printer.doprint(parameter)}"]').click()
    full = dependency_graph(net, parameter)
    assert loaded.highlighted("g.edge.on-path") == {(e.source, e.target) for e in full.path_edges}
    on_path = {e.get_attribute("data-node") for e in page.locator("g.node.on-path").all()}
    assert on_path == set(full.path_nodes)

    # The chain shown is the LaTeX output's, and KaTeX typeset exactly that (plus factor marks).
    chain = page.locator('.entry.selected .math[data-n="relative"][data-kind="chain"]')
    assert chain.is_visible()
    tex = chain.get_attribute("data-tex") or ""
    assert_chain_matches_latex(tex, latex_rows(derivation, parameter, "relative"))
    typeset = chain.locator('annotation[encoding="application/x-tex"]').text_content() or ""
    assert without_hooks(typeset) == tex

    # Hovering a factor highlights its edges; hovering an edge highlights its factors.
    gradient = next(g for g in derivation if g.parameter == parameter)
    expected = [factor_edges(full, f) for f in gradient.chain.factors]
    for index, edges in enumerate(expected):
        assert edges
        chain.locator(f'[data-factor="{index}"]').first.hover()
        assert loaded.highlighted("g.edge.hovered") == edges
        marked = chain.locator(".hovered[data-factor]").all()
        assert {m.get_attribute("data-factor") for m in marked} == {str(index)}
        assert len(marked) >= 2  # the Leibniz factor and its value
    for source, target in sorted(set().union(*expected)):
        edge = page.locator(f'g.edge[data-source="{source}"][data-target="{target}"] path')
        edge.first.dispatch_event("mouseover")
        shown = {m.get_attribute("data-factor") for m in chain.locator(".hovered").all()}
        assert shown == {str(i) for i, edges in enumerate(expected) if (source, target) in edges}

    # An error term (wide layers) is its own entry, with its own path from z.
    for term in derivation.errors[:1]:
        name = printer.doprint(term.symbol).replace("\\", "\\\\")  # a CSS string
        page.locator(f'[data-error="{name}"]').click()
        label_z = "z" + term.symbol.name.removeprefix("δ")
        path = dependency_graph(net, sp.Symbol(label_z, real=True)).path_edges
        assert loaded.highlighted("g.edge.on-path") == {(e.source, e.target) for e in path}
        page.locator(f'g.node[data-node="{label_z}"]').click()  # its z node selects it too
        assert page.locator(".entry.selected").get_attribute("data-entry") == term.symbol.name
        error_chain = page.locator('.entry.selected .math[data-n="relative"][data-kind="error"]')
        rows = latex_rows(derivation, term.symbol, "relative")
        assert_chain_matches_latex(error_chain.get_attribute("data-tex") or "", rows)

    shot = tmp_path / f"{name}-{graph}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert loaded.outside_requests() == []
    assert loaded.messages == []
    page.close()


def test_notation_switch_and_permalinks(browser: Browser, tmp_path: Path) -> None:
    net = Network.from_widths((2, 3, 2), ("sigmoid",), "squared_error")
    derivation = derive(net)
    path = write_page(tmp_path, derivation)
    relative, absolute = latex_printer(derivation), latex_printer(derivation, "absolute")
    parameter = net.b(1, 2)

    # A permalink opens the page on that parameter.
    loaded = Loaded(browser, path, "#" + quote(relative.doprint(parameter), safe=""))
    page = loaded.page
    selected = page.locator(".entry.selected")
    assert selected.get_attribute("data-entry") == parameter.name
    assert dependency_graph(net, parameter).path_edges
    assert loaded.highlighted("g.edge.on-path") == {
        (e.source, e.target) for e in dependency_graph(net, parameter).path_edges
    }

    # The absolute notation shows the other rendering and rewrites the permalink.
    page.locator('[data-choose="absolute"]').click()
    chain = selected.locator('.math[data-n="absolute"][data-kind="chain"]')
    assert chain.is_visible()
    assert not selected.locator('.math[data-n="relative"][data-kind="chain"]').is_visible()
    assert_chain_matches_latex(
        chain.get_attribute("data-tex") or "", latex_rows(derivation, parameter, "absolute")
    )
    hash_name = unquote(page.evaluate("window.location.hash")[1:])
    assert hash_name == absolute.doprint(parameter)

    # Clicking a parameter's node in the graph selects it too; its label is in absolute notation.
    weight = net.w(2, 1, 2)
    node = page.locator(f'g.node[data-node="{weight.name}"]')
    assert node.locator('text[data-n="absolute"]').text_content() == "w⁽²⁾₁₂"
    assert node.locator('text[data-n="absolute"]').is_visible()
    assert not node.locator('text[data-n="relative"]').is_visible()
    page.locator(f'g.node[data-node="{weight.name}"]').click()
    assert selected.get_attribute("data-entry") == weight.name
    assert unquote(page.evaluate("window.location.hash")[1:]) == absolute.doprint(weight)
    assert loaded.outside_requests() == []
    assert loaded.messages == []
    page.close()


def test_page_without_javascript_shows_the_latex(browser: Browser, tmp_path: Path) -> None:
    net = Network.from_widths((1, 1, 1, 1), ("sigmoid",), "squared_error")
    derivation = derive(net)
    path = write_page(tmp_path, derivation)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    assert page.locator(".katex").count() == 0
    text = page.locator("body").inner_text()
    chain = latex_rows(derivation, net.w(3, 0, 0), "relative")[0]
    assert chain.replace("&", "") in text.replace("&", "")
    assert page.locator('[data-choose="relative"]').is_visible() is False
    # Each entry links to its section: the permalinks work without JavaScript too.
    page.locator('[data-param="b^{(L-1)}"]').click()
    assert page.locator(":target").get_attribute("data-entry") == net.b(2, 0).name
    context.close()


def test_view_embedded_by_sphinx_works(browser: Browser, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('project = "t"\nextensions = ["symchain.sphinx"]\n')
    (source / "index.rst").write_text(
        "Notes\n=====\n\n.. symchain-derive::\n   :layers: 2,3,2\n   :view: interactive\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(source), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = Loaded(browser, tmp_path / "index.html")
    page = loaded.page
    assert page.locator(".symchain-view .math[data-typeset] .katex").count() > 17
    assert page.locator(".katex-error").count() == 0
    net = Network.from_widths((2, 3, 2), ("sigmoid",), "squared_error")
    parameter = net.w(1, 2, 1)
    page.locator(f'[data-param="{latex_printer(derive(net)).doprint(parameter)}"]').click()
    assert loaded.highlighted("g.edge.on-path") == {
        (e.source, e.target) for e in dependency_graph(net, parameter).path_edges
    }
    assert page.evaluate("window.location.hash") == ""  # no permalinks inside a docs page
    assert [u for u in loaded.requests if not u.startswith(("file:", "data:"))] == []
    assert loaded.messages == []
    page.close()


def test_large_page_typesets_on_demand(browser: Browser, tmp_path: Path) -> None:
    net = Network.from_widths((4, 8, 8, 2), ("relu", "tanh", "sigmoid"), "binary_cross_entropy")
    derivation = derive(net)
    loaded = Loaded(browser, write_page(tmp_path, derivation, "builtin"))
    page = loaded.page
    total = page.locator(".math").count()
    assert total > 400  # above the page's eager limit
    assert page.locator(".math[data-typeset]").count() < total
    # A weight in a closed group (72 in layer 2): its chain is typeset when it is picked.
    parameter = net.w(2, 7, 7)
    button = page.locator(f'[data-param="{latex_printer(derivation).doprint(parameter)}"]')
    assert not button.is_visible()
    page.locator("details.group:not([open]) summary").first.click()
    button.click()
    chain = page.locator('.entry.selected .math[data-n="relative"][data-kind="chain"]')
    assert chain.get_attribute("data-typeset") == "1"
    assert loaded.highlighted("g.edge.on-path") == {
        (e.source, e.target) for e in dependency_graph(net, parameter).path_edges
    }
    # The ∇C section is typeset when it scrolls into view.
    gradient = page.locator('.gradient .math[data-n="relative"]')
    gradient.scroll_into_view_if_needed()
    page.wait_for_selector('.gradient .math[data-n="relative"][data-typeset]')
    assert page.locator(".katex-error").count() == 0
    assert loaded.outside_requests() == []
    assert loaded.messages == []
    page.close()


def test_theme_follows_the_browsers_preference(browser: Browser, tmp_path: Path) -> None:
    net = Network.from_widths((1, 1, 1, 1), ("sigmoid",), "squared_error")
    path = write_page(tmp_path, derive(net))
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme)
        page.goto(path.as_uri())
        page.wait_for_selector(".symchain-view[data-ready]")
        colours[scheme] = page.evaluate(
            "() => { const s = getComputedStyle(document.querySelector('.symchain-view'));"
            " return [s.color, s.backgroundColor]; }"
        )
        page.screenshot(path=str(tmp_path / f"seed-{scheme}.png"))
        page.close()
    (light_text, light_back), (dark_text, dark_back) = colours["light"], colours["dark"]
    assert light_back == "rgb(255, 255, 255)" and dark_back != light_back
    assert light_text != dark_text

    def lightness(colour: str) -> float:
        return sum(int(v) for v in re.findall(r"\d+", colour)[:3]) / 3

    assert lightness(dark_back) < 64 < 192 < lightness(dark_text)
