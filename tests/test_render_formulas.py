"""Every formula any output format emits renders in KaTeX 0.16 (throwOnError, strict 'error').

Formulas come from the LaTeX output (align* blocks), the standalone document (align* blocks,
inline math in titles, text and the TikZ graph), Markdown ($$ blocks and inline $…$, found with
markdown-it-py and the dollarmath/amsmath plugins), JSON strings, docs blocks (every form) and
graph labels, for a spread of networks: every activation and loss, 1-1-1-1 to 3-4-4-2, both
notations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from tools import KatexRenderer

from symchain import ACTIVATIONS, LOSSES, Network, derive
from symchain.errors import SymchainError
from symchain.markdown_blocks import render_markdown_blocks
from symchain.pairs import fits
from symchain.render import render_json, render_latex, render_markdown
from symchain.render.blocks import SHOWS, BlockOptions, derivation_formulas
from symchain.render.graph import dependency_graph, to_mermaid, to_tikz
from symchain.render.standalone import render_standalone

WIDTHS = [(1, 1, 1, 1), (2, 3, 2), (1, 3, 1), (2, 1, 2), (3, 4, 4, 2)]
NOTATIONS = ("relative", "absolute")
# JSON holds the fully expanded gradients (srepr), slow to build for wide networks: check it on
# the smaller ones (its LaTeX strings come from the same printer as the other formats).
JSON_MAX_PARAMETERS = 12

_MARKDOWN = (
    MarkdownIt("commonmark")
    .use(dollarmath_plugin, allow_space=True, double_inline=True)
    .use(amsmath_plugin)
)


def _valid_networks() -> list[tuple[tuple[int, ...], tuple[str, ...], str]]:
    """Every activation with every loss on a 1-2-2 network, and a rotation over the widths.

    The rotation uses each activation in hidden layers too, so every activation appears as a
    hidden and as an output activation.
    """
    cases: list[tuple[tuple[int, ...], tuple[str, ...], str]] = []
    activations, losses = list(ACTIVATIONS), list(LOSSES)
    for activation in activations:
        for loss in losses:
            cases.append(((1, 2, 2), ("tanh", activation), loss))
    for number, widths in enumerate(WIDTHS):
        depth = len(widths) - 1
        hidden = activations[number % len(activations)]
        output = activations[(number + 2) % len(activations)]
        names = (hidden,) * (depth - 1) + (output,)
        # the next loss in the rotation whose domain takes the output activation's range
        rotation = [losses[(number + i) % len(losses)] for i in range(len(losses))]
        loss = next(name for name in rotation if fits(ACTIVATIONS[output], LOSSES[name]))
        cases.append((widths, names, loss))
    valid = []
    for widths, names, loss in cases:
        try:
            Network.from_widths(widths, names, loss)
        except SymchainError:  # e.g. softmax only as the output activation, on a wide layer
            continue
        valid.append((widths, names, loss))
    return list(dict.fromkeys(valid))


NETWORKS = _valid_networks()


def markdown_math(text: str) -> Iterator[tuple[str, bool]]:
    """(formula, display) for every $$ block, amsmath environment and inline $…$ in Markdown."""
    for token in _MARKDOWN.parse(text):
        if token.type in ("math_block", "math_block_label", "amsmath"):
            yield token.content.strip(), True
        for child in token.children or []:
            if child.type in ("math_inline", "math_inline_double"):
                yield child.content, child.type == "math_inline_double"


def latex_math(text: str) -> Iterator[tuple[str, bool]]:
    """(formula, display) for every align* block and every inline $…$ in a LaTeX document."""
    for block in re.findall(r"\\begin\{align\*\}.*?\\end\{align\*\}", text, flags=re.S):
        yield block, True
    outside = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}", "", text, flags=re.S)
    for inline in re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", outside):
        yield inline, False


def json_math(data: object, key: str = "") -> Iterator[tuple[str, bool]]:
    """Every LaTeX string of the JSON document (srepr strings and names of things excluded)."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name not in ("loss", "expression", "symbol", "network"):
                yield from json_math(value, name)
    elif isinstance(data, list):
        for item in data:
            yield from json_math(item, key)
    elif isinstance(data, str):
        yield data, True


def network_formulas(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str, style: str
) -> Iterator[tuple[str, bool]]:
    """Every formula symchain emits for one network in one notation."""
    network = Network.from_widths(widths, activations, loss)
    derivation = derive(network)
    yield from latex_math(render_latex(derivation, style))
    yield from latex_math(render_standalone(derivation, style))
    yield from markdown_math(render_markdown(derivation, style))
    if len(network.parameters) <= JSON_MAX_PARAMETERS:
        yield from json_math(json.loads(render_json(derivation, style)))
    base = BlockOptions(widths, activations, loss, notation=style)
    # forward, errors, vector, chain and batch rows are rows of "all"; gradient's are new
    for form in ("all", "chain", "gradient"):
        options = BlockOptions(**{**base.__dict__, "show": form})
        for formula in derivation_formulas(derivation, options):
            yield formula.aligned(), True
    last = network.parameters[-1]
    graph = dependency_graph(network, last, focus=False)
    for label in re.findall(r'\["\$\$(.*?)\$\$"\]', to_mermaid(graph, network, "latex", style)):
        yield label, False
    yield from latex_math(to_tikz(graph, network, style))


def _render_all(
    katex: KatexRenderer, formulas: Iterator[tuple[str, bool]], seen: set[tuple[str, bool]]
) -> list[tuple[str, str]]:
    failures = []
    for formula, display in formulas:
        if (formula, display) in seen:
            continue
        seen.add((formula, display))
        error = katex.render(formula, display=display)
        if error is not None:
            failures.append((formula, error))
    return failures


@pytest.fixture(scope="module")
def rendered() -> Iterator[set[tuple[str, bool]]]:
    seen: set[tuple[str, bool]] = set()
    yield seen
    print(f"\nKaTeX rendered {len(seen)} distinct formulas from {len(NETWORKS)} networks")


@pytest.mark.parametrize("style", NOTATIONS)
@pytest.mark.parametrize(
    ("widths", "activations", "loss"),
    NETWORKS,
    ids=["-".join(map(str, w)) + f"-{'.'.join(a)}-{lo}" for w, a, lo in NETWORKS],
)
def test_every_formula_renders_in_katex(
    katex: KatexRenderer,
    rendered: set[tuple[str, bool]],
    widths: tuple[int, ...],
    activations: tuple[str, ...],
    loss: str,
    style: str,
) -> None:
    before = len(rendered)
    failures = _render_all(katex, network_formulas(widths, activations, loss, style), rendered)
    assert not failures, failures[:3]
    assert len(rendered) > before


def test_spread_covers_every_activation_and_loss() -> None:
    used_activations = {name for _, names, _ in NETWORKS for name in names}
    used_losses = {loss for _, _, loss in NETWORKS}
    assert used_activations == set(ACTIVATIONS)
    assert used_losses == set(LOSSES)
    assert {w for w, _, _ in NETWORKS} >= set(WIDTHS)


def test_markdown_blocks_render_in_katex(katex: KatexRenderer) -> None:
    source = "\n".join(
        f"```symchain\nlayers: 2,3,2\nactivation: softplus\nshow: {show}\nlabel: f{show}\n```\n"
        for show in SHOWS
    ) + "".join(
        f"```symchain\nlayers: 2,3,2\nform: {form}\nlabel: {form}\n```\n"
        for form in ("index", "matrix")
    )
    formulas = list(markdown_math(render_markdown_blocks(source)))
    assert len(formulas) > 10
    failures = _render_all(katex, iter(formulas), set())
    assert not failures, failures[:3]


def test_extraction_finds_broken_formulas(katex: KatexRenderer) -> None:
    """The extractors and KaTeX together catch a broken formula in each format."""
    broken_markdown = "# t\n\n$$\na &= b\n$$\n\nand $\\frac{a}{b$ inline\n"
    formulas = list(markdown_math(broken_markdown))
    assert formulas == [("a &= b", True), ("\\frac{a}{b", False)]
    assert all(katex.render(f, display=d) is not None for f, d in formulas)
    broken_latex = "\\begin{align*}\nx &= \\sigmaprime(z)\n\\end{align*}\n"
    assert [katex.render(f, display=d) is not None for f, d in latex_math(broken_latex)] == [True]
