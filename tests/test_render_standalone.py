"""Standalone LaTeX compiles with pdflatex; long chains break; outputs are deterministic."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from tools import have_pdflatex, require

from symchain import Network, derive
from symchain.cli import cli
from symchain.render import latex_printer, render_latex, render_markdown
from symchain.render.document import build_document
from symchain.render.layout import ROW_WIDTH, Pieces, break_side, display_width
from symchain.render.standalone import escape_text, render_standalone

DOCUMENTS = [
    ((1, 1, 1, 1), ("sigmoid",), "squared_error", "relative"),
    ((1, 1, 1, 1, 1, 1, 1), ("softplus",), "half_squared_error", "absolute"),
    ((3, 4, 4, 2), ("relu", "relu", "sigmoid"), "binary_cross_entropy", "relative"),
    ((2, 3, 2), ("tanh", "softmax"), "cross_entropy", "absolute"),
]


def _pdflatex(tex: str, directory: Path) -> str:
    """Compile ``tex`` twice-safe (one run is enough: no references); returns the log."""
    require(have_pdflatex(), "pdflatex is not installed (Debian texlive-latex-base)")
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (directory / "doc.log").read_text(encoding="latin-1")
    assert result.returncode == 0, log[-3000:]
    assert (directory / "doc.pdf").stat().st_size > 1000
    return log


@pytest.mark.parametrize(
    ("widths", "activations", "loss", "style"),
    DOCUMENTS,
    ids=["seed", "deep-chain", "3-4-4-2", "softmax"],
)
def test_standalone_document_compiles_without_overfull_lines(
    tmp_path: Path, widths: tuple[int, ...], activations: tuple[str, ...], loss: str, style: str
) -> None:
    network = Network.from_widths(widths, activations, loss)
    tex = render_standalone(derive(network), style)
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "\\begin{tikzpicture}" in tex
    log = _pdflatex(tex, tmp_path)
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)[:3]
    assert "Output written on doc.pdf" in log


def test_cli_standalone_writes_a_compilable_document(tmp_path: Path) -> None:
    out = tmp_path / "seed.tex"
    result = CliRunner().invoke(
        cli, ["derive", "--format", "latex", "--standalone", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    tex = out.read_text(encoding="utf-8")
    for needed in ("\\maketitle", "\\section*{The network}", "\\nabla C", "squared\\_error"):
        assert needed in tex
    # the seed's chain and its result, as in the seed
    assert "a^{(L-1)} \\sigma'(z^{(L)}) \\cdot 2 \\left(a^{(L)} - y\\right)" in tex
    _pdflatex(tex, tmp_path)


def test_standalone_needs_latex_format() -> None:
    result = CliRunner().invoke(cli, ["derive", "--standalone"])
    assert result.exit_code == 2
    assert "--standalone needs --format latex" in result.output


def test_long_chains_break_across_lines() -> None:
    network = Network.from_widths((1,) * 8, "sigmoid", "squared_error")
    latex = render_latex(derive(network))
    continuation = [line for line in latex.splitlines() if line.startswith("&\\quad ")]
    assert continuation, "a 7-layer chain should continue on further rows"
    for block in re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", latex, re.S):
        for row in block.split(" \\\\\n"):
            rhs = row.split("&", 1)[-1]
            if "bmatrix" in rhs:  # a column: tall, not wide
                continue
            assert display_width(rhs) <= ROW_WIDTH + 12, row
    markdown = render_markdown(derive(network))
    assert "&\\quad " in markdown


def test_break_side_keeps_every_piece_in_order() -> None:
    items = tuple(f"\\frac{{\\partial z_{{{i}}}}}{{\\partial a_{{{i}}}}}" for i in range(30))
    text = " ".join(items)
    rows = break_side(text, Pieces(items, opening="\\biggl[", closing="\\biggr]"), limit=40)
    assert len(rows) > 2
    joined = " ".join(rows)
    assert joined.startswith("\\biggl[") and joined.endswith("\\biggr]")
    assert [m for m in re.findall(r"z_\{(\d+)\}", joined)] == [str(i) for i in range(30)]
    # a product continued before a number keeps its \cdot
    rows = break_side("x" * 50 + " \\cdot 2 y", Pieces(("x" * 50, "2 y")), limit=10)
    assert rows[1].startswith("\\cdot 2")


def test_display_width_estimates() -> None:
    assert display_width("x") == 1
    assert display_width("\\frac{a}{bcd}") == pytest.approx(3.5)
    assert display_width("a^{(L-1)}") < display_width("a(L-1)")
    assert display_width("\\left(a\\right)") == 3


def test_escape_text() -> None:
    assert escape_text("squared_error 100% & {x}") == r"squared\_error 100\% \& \{x\}"


@pytest.mark.parametrize(
    ("latex", "width"),
    [
        ("abc", 3.0),
        ("a + b", 4.0),
        (r"\frac{ab}{c}", 2.5),
        (r"w^{(L)}_{10}", 1.0 + 0.7 * 3 + 0.7 * 2),
        (r"\sigma'\left(z\right)", 5.0),
        (r"\operatorname{ReLU}(z)", 7.0),
        (r"x \cdot 2", 3.5),
        (r"\{a\}", 3.0),
        (r"\sum_{i=0}^{n-1} a", 2.0 + 0.7 * 4 + 0.7 * 4 + 1.0),
    ],
)
def test_display_width_of_each_construct(latex: str, width: float) -> None:
    assert display_width(latex) == pytest.approx(width)


@pytest.mark.parametrize(
    ("widths", "activations", "loss"),
    [((2, 3, 2), ("relu", "tanh"), "squared_error"), ((4, 8, 8, 2), ("sigmoid",) * 3, "huber")],
)
def test_widths_summed_from_pieces_are_the_measured_ones(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    """A side's width carried by its pieces (summed from the factors) is its measured width,
    and breaking with it gives the rows measuring gives."""
    derivation = derive(Network.from_widths(widths, activations, loss))
    carried = 0
    for section in build_document(derivation, latex_printer(derivation)):
        for equation in section.equations:
            for index, side in enumerate(equation.sides):
                pieces = equation.layout(index)
                if pieces is None or pieces.width is None:
                    continue
                carried += 1
                assert pieces.width == pytest.approx(display_width(side), abs=1e-9)
                for limit in (20.0, 40.0, ROW_WIDTH):
                    measured = break_side(side, replace(pieces, width=None), limit)
                    assert break_side(side, pieces, limit) == measured
    assert carried > 0
