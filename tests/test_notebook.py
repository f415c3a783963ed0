"""Notebook display: one-line reprs, LaTeX/Markdown/HTML reprs (capped), the %%symchain magic."""

from __future__ import annotations

import html
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import Markdown
from tools import KatexRenderer

from symchain import Derivation, Network, derive
from symchain.display import MAX_DISPLAY_CHARS, MAX_REPR_CHARS
from symchain.render import render_latex

WIDE = Network.from_widths((2, 3, 2))


@pytest.fixture(scope="module")
def wide() -> Derivation:
    return derive(WIDE)


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "symchain")
    return ip


def test_one_line_reprs(wide: Derivation) -> None:
    assert repr(wide) == "<Derivation 2-3-2 sigmoid/squared_error: 17 parameters>"
    network = Network.from_widths((4, 3, 2), ("tanh", "softmax"), "cross_entropy")
    assert repr(derive(network)) == "<Derivation 4-3-2 tanh,softmax/cross_entropy: 23 parameters>"
    gradient = wide["w^{(L)}_{10}"]
    assert repr(gradient).startswith("<ParameterGradient ∂C₀/∂w⁽ᴸ⁾₁₀ = ")
    assert "σ'(z⁽ᴸ⁾₁)" in repr(gradient) and "0x" not in repr(gradient)
    assert repr(wide.errors[0]).startswith("<ErrorTerm δ⁽ᴸ⁾₀ = ")
    for value in (wide, gradient, wide.errors[0]):
        assert "\n" not in repr(value) and len(repr(value)) <= MAX_REPR_CHARS


def math_of(output: str) -> list[str]:
    """The ``$$…$$`` formulas of a Markdown or (unescaped) HTML display."""
    return re.findall(r"\$\$(.+?)\$\$", html.unescape(output), re.S)


def test_reprs_render_in_katex(wide: Derivation, katex: KatexRenderer) -> None:
    for value in (wide, wide["b^{(L-1)}_{2}"], *wide.errors):
        latex, markdown, page = value._repr_latex_(), value._repr_markdown_(), value._repr_html_()
        (formula,) = math_of(latex)
        assert math_of(markdown) == [formula] and math_of(page) == [formula]
        assert katex.render(formula) is None, formula
        assert page.startswith('<div class="symchain">') and "$$" in page
    assert "&amp;=" in wide._repr_html_()  # the LaTeX is escaped inside the HTML
    # every parameter's chain appears, in ∇C order
    rows = math_of(wide._repr_latex_())[0].split(r" \\ ")
    assert len(rows) == len(wide)
    assert rows[0].startswith(r"\begin{aligned}\frac{\partial C_0}{\partial w_{00}^{(L-1)}} &= ")


def test_large_derivations_are_capped_with_a_summary(katex: KatexRenderer) -> None:
    big = derive(Network.from_widths((6, 12, 12, 4)))  # 292 parameters, ~100 kB of LaTeX
    assert len(render_latex(big)) > 2 * MAX_DISPLAY_CHARS
    latex, markdown, page = big._repr_latex_(), big._repr_markdown_(), big._repr_html_()
    assert len(latex) < MAX_DISPLAY_CHARS + 5_000
    shown = len(math_of(markdown)[0].split(r" \\ "))
    assert 0 < shown < len(big)
    summary = f"… {len(big) - shown} more parameters not shown ({len(big)} in all"
    assert summary in markdown and summary in html.unescape(page)
    assert katex.render(math_of(latex)[0]) is None
    assert r"\text{... " in latex


def test_cell_magic_derives_with_the_cli_options(shell: InteractiveShell) -> None:
    result = shell.run_cell_magic(
        "symchain", "--layers 2,3,2 --activation tanh", "--param 'w^{(L)}_{10}'\n--param b1\n"
    )
    assert isinstance(result, Derivation)
    names = [str(g.parameter) for g in result]
    assert names == ["w_2_1_0", "b_1_0", "b_1_1", "b_1_2"]
    assert result.network.spec.activations == ("tanh", "tanh")
    expected = derive(Network.from_widths((2, 3, 2), "tanh"))
    assert result["w^{(L)}_{10}"].gradient == expected["w^{(L)}_{10}"].gradient


def test_line_magic_shows_the_matrix_form(shell: InteractiveShell) -> None:
    result = shell.run_line_magic("symchain", "--layers 2,3,2 --form matrix")
    assert isinstance(result, Markdown)
    assert result.data.startswith("# matrix form, network 2-3-2")
    assert r"\delta^{(L)}" in result.data


def test_magic_errors_are_one_line(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    for line in ("--layers 2,x", "--param 'w^{(L+1)}'", "--param \"w^(L", "--bogus"):
        assert shell.run_line_magic("symchain", line) is None
        err = capsys.readouterr().err
        assert err.startswith("symchain: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_magic_result_displays_through_ipython(shell: InteractiveShell) -> None:
    formatter = shell.display_formatter
    result = shell.run_line_magic("symchain", "--param 'w^{(L)}'")
    data, _ = formatter.format(result)
    assert data["text/plain"] == "<Derivation 1-1-1-1 sigmoid/squared_error: 1 parameter>"
    assert {"text/latex", "text/markdown", "text/html"} <= set(data)
