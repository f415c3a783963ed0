"""``symchain derive --form index|matrix`` in every format: content, KaTeX, errors, determinism."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from tools import KatexRenderer

from symchain import Network
from symchain.cli import cli
from symchain.forms import index_document, matrix_document, render_form

NETWORKS = [
    ["--layers", "2,3,2"],
    ["--layers", "3,4,4,3", "--activation", "relu,tanh,softmax", "--loss", "cross_entropy"],
    ["--layers", "2,2,1", "--activation", "linear,sigmoid", "--loss", "binary_cross_entropy",
     "--notation", "absolute"],
    ["--layers", "2,3,3", "--activation", "softplus,softmax", "--loss", "half_squared_error"],
]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["derive", *args])


def test_matrix_form_shows_bp1_to_bp4() -> None:
    result = run("--form", "matrix", "--layers", "2,3,2")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "δ⁽ᴸ⁾ = 2(a⁽ᴸ⁾ - y) ⊙ σ'(z⁽ᴸ⁾)" in out
    assert "δ⁽ᴸ⁻¹⁾ = ((W⁽ᴸ⁾)ᵀ δ⁽ᴸ⁾) ⊙ σ'(z⁽ᴸ⁻¹⁾)" in out
    assert "∂C₀/∂b⁽ᴸ⁾ = δ⁽ᴸ⁾" in out
    assert "∂C₀/∂W⁽ᴸ⁾ = δ⁽ᴸ⁾ (a⁽ᴸ⁻¹⁾)ᵀ" in out
    assert "∂C/∂W⁽ᴸ⁾ = (1/n) Δ⁽ᴸ⁾ (A⁽ᴸ⁻¹⁾)ᵀ" in out
    assert "W⁽ᴸ⁻¹⁾ ∈ ℝ^(3×2)" in out


def test_softmax_cross_entropy_shows_a_minus_y() -> None:
    result = run("--form", "matrix", "--layers", "2,3", "--activation", "softmax",
                 "--loss", "cross_entropy", "--format", "latex")
    assert result.exit_code == 0, result.output
    assert r"\delta^{(L)} &= a^{(L)} \left(\mathbf{1}^{\top} y\right) - y = a^{(L)} - y" in (
        result.output
    )
    assert "targets sum to 1" in result.output
    result = run("--form", "index", "--layers", "2,3", "--activation", "softmax",
                 "--loss", "cross_entropy")
    assert "= a⁽ᴸ⁾ⱼ - yⱼ" in result.output


def test_index_form_has_the_general_formulas() -> None:
    result = run("--form", "index", "--layers", "2,3,2", "--format", "latex")
    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        r"z_{j}^{(L)} &= \sum_{k=0}^{n_{L-1} - 1} w_{jk}^{(L)} a_{k}^{(L-1)} + b_{j}^{(L)}" in out
    )
    assert r"C_0 &= \sum_{j=0}^{n_{L} - 1} \left(a_{j}^{(L)} - y_{j}\right)^{2}" in out
    assert (
        r"\frac{\partial C_0}{\partial a_{k}^{(L-1)}} &= \sum_{j=0}^{n_{L} - 1} "
        r"\frac{\partial z_{j}^{(L)}}{\partial a_{k}^{(L-1)}}" in out
    )
    assert r"\sum_{j=0}^{n_{L} - 1} w_{jk}^{(L)} \sigma'(z_{j}^{(L)})" in out
    assert r"\frac{1}{n} \sum_{i=0}^{n - 1} a_{k}^{(L-1)[i]} \delta_{j}^{(L)[i]}" in out
    # independent of the widths
    assert run("--form", "index", "--layers", "5,1,7", "--format", "latex").output == out


@pytest.mark.parametrize("output_format", ["text", "latex", "markdown", "json"])
@pytest.mark.parametrize("form", ["index", "matrix"])
def test_every_format(form: str, output_format: str) -> None:
    result = run("--form", form, "--format", output_format, *NETWORKS[1])
    assert result.exit_code == 0, result.output
    if output_format == "json":
        data = json.loads(result.output)
        assert data["form"] == form and data["sections"]
        assert all(e["latex"] and e["unicode"] for s in data["sections"] for e in s["equations"])
    elif output_format == "latex":
        assert result.output.count(r"\begin{align*}") == result.output.count(r"\end{align*}") > 1
    elif output_format == "markdown":
        assert result.output.startswith("# ") and "$$" in result.output


@pytest.mark.parametrize("network", NETWORKS, ids=["2-3-2", "softmax-ce", "bce-abs", "sm-half"])
def test_form_latex_renders_in_katex(katex: KatexRenderer, network: list[str]) -> None:
    failures = []
    for form in ("index", "matrix"):
        result = run("--form", form, "--format", "json", *network)
        assert result.exit_code == 0, result.output
        for section in json.loads(result.output)["sections"]:
            for equation in section["equations"]:
                latex = equation["latex"]
                if equation["note"]:
                    latex += r"\quad \text{(" + equation["note"] + ")}"
                error = katex.render(latex)
                if error is not None:
                    failures.append((latex, error))
    assert not failures, failures[:3]


def test_bad_form_options_give_one_line() -> None:
    for args in (["--form", "tensor"], ["--form", "index", "--param", "w^{(L)}"],
                 ["--form", "matrix", "--format", "latex", "--standalone"]):
        result = run(*args)
        assert result.exit_code == 2, args
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("symchain: error:"), result.output


def test_large_unrolled_output_warns_and_suggests_the_matrix_form() -> None:
    many = run("--layers", "20,20,8", "--format", "markdown")
    assert many.exit_code == 0
    assert "588 parameters" in many.stderr and "--form matrix" in many.stderr
    assert "--form matrix" not in many.stdout


def test_documents_are_python_objects_too() -> None:
    network = Network.from_widths((2, 3, 2), ("tanh", "softmax"), "cross_entropy")
    doc = matrix_document(network, "absolute")
    assert doc.form == "matrix" and doc.network["layers"] == [2, 3, 2]
    assert "δ⁽²⁾" in render_form(doc, "text")
    index = index_document(2, ("tanh", "softmax"), "cross_entropy")
    assert index.network == {"depth": 2, "activations": ["tanh", "softmax"],
                             "loss": "cross_entropy", "notation": "relative"}

