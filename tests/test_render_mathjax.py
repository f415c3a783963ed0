"""Formulas render in MathJax 3 too (the engine of Sphinx, MkDocs Material and GitHub).

MathJax reports TeX errors only through ``formatError`` and, without the ``noundefined`` package,
throws on unknown macros; tests/mathjax/render.js installs a hook that throws. MathJax is ~10x
slower than KaTeX, so this checks a smaller spread than tests/test_render_formulas.py: every
output format for a few networks, and every docs-block form as Sphinx wraps it (``split``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_render_formulas import markdown_math, network_formulas
from tools import NodeRenderer, start_node_renderer

from symchain import ACTIVATIONS, LOSSES, Network
from symchain.errors import SymchainError
from symchain.markdown_blocks import render_markdown_blocks
from symchain.render.blocks import SHOWS, BlockOptions, block_formulas

MATHJAX_DIR = Path(__file__).parent / "mathjax"

NETWORKS = [
    ((1, 1, 1, 1), ("sigmoid",), "squared_error", "relative"),
    ((2, 3, 2), ("tanh", "softmax"), "cross_entropy", "absolute"),
]


@pytest.fixture(scope="module")
def mathjax() -> Iterator[NodeRenderer]:
    """MathJax 3 from the pinned tests/mathjax/package.json (errors thrown from formatError)."""
    renderer = start_node_renderer(MATHJAX_DIR, "mathjax-full")
    yield renderer
    renderer.close()


def sphinx_forms() -> Iterator[tuple[str, bool]]:
    """Every docs-block form as Sphinx's MathJax output wraps it: ``split`` when several rows.

    Each activation (as the output layer's) and each loss appears at least once.
    """
    activations, losses = list(ACTIVATIONS), list(LOSSES)
    for number in range(max(len(activations), len(losses))):
        names = ("tanh", activations[number % len(activations)])
        loss = losses[number % len(losses)]
        try:
            Network.from_widths((1, 2, 2), names, loss)
        except SymchainError:  # e.g. softmax with a loss it does not pair with
            names = ("tanh", "softmax")
            loss = "cross_entropy"
        for show in SHOWS:
            for formula in block_formulas(BlockOptions((1, 2, 2), names, loss, show=show)):
                rows = formula.split_rows()
                yield (f"\\begin{{split}}{rows}\\end{{split}}" if "\\\\" in rows else rows), True


def test_every_format_renders_in_mathjax(mathjax: NodeRenderer) -> None:
    seen: set[tuple[str, bool]] = set()
    failures = []
    sources: list[Iterator[tuple[str, bool]]] = [network_formulas(*case) for case in NETWORKS]
    sources.append(sphinx_forms())
    blocks = "\n".join(
        f"```symchain\nlayers: 2,3,2\n{key}: {value}\n```\n"
        for key, value in [*(("show", s) for s in SHOWS), ("form", "index"), ("form", "matrix")]
    )
    sources.append(markdown_math(render_markdown_blocks(blocks)))
    for source in sources:
        for formula, display in source:
            if (formula, display) in seen:
                continue
            seen.add((formula, display))
            error = mathjax.render(formula, display)
            if error is not None:
                failures.append((formula, error))
    print(f"\nMathJax compiled {len(seen)} distinct formulas")
    assert not failures, failures[:3]
    assert len(seen) > 400


@pytest.mark.parametrize(
    ("latex", "message"),
    [
        ("\\sigmaprime(z)", "Undefined control sequence \\sigmaprime"),
        ("\\frac{a}{b", "Missing close brace"),
        ("a &= b", "Misplaced &"),
    ],
)
def test_mathjax_harness_can_fail(mathjax: NodeRenderer, latex: str, message: str) -> None:
    assert mathjax.render(latex) == message
