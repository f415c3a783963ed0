"""Softmax outputs and cross-entropy in the unrolled deriver: ground truth, errors, rendering."""

from __future__ import annotations

import pytest
import sympy as sp
from click.testing import CliRunner
from conftest import assert_same_value

from symchain import Network, derive, naming
from symchain.activations import Softmax
from symchain.cli import cli
from symchain.errors import SpecError
from symchain.render import render_json, render_latex, render_markdown, render_text

# (Softmax before binary cross-entropy is refused: a softmax of one output is 1, where
# ln(1 - a) is undefined; tests/test_rules.py checks the refusal.)
SOFTMAX_CASES = [
    (widths, loss)
    for widths in [(2, 3), (2, 2, 3), (3, 1, 2), (2, 1, 1), (1, 2, 2, 2)]
    for loss in ["cross_entropy", "squared_error", "half_squared_error"]
]


@pytest.mark.parametrize("widths,loss", SOFTMAX_CASES)
def test_softmax_gradients_equal_diff_of_composed_loss(widths: tuple[int, ...], loss: str) -> None:
    activations = ("tanh",) * (len(widths) - 2) + ("softmax",)
    network = Network.from_widths(widths, activations, loss)
    derivation = derive(network)
    composed = network.composed_loss()
    for gradient in derivation:
        assert_same_value(sp.diff(composed, gradient.parameter),
                          derivation.expanded(gradient.parameter))


@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "linear", "softplus"])
def test_cross_entropy_with_elementwise_outputs(hidden: str) -> None:
    network = Network.from_widths((2, 2, 2), (hidden, "sigmoid"), "cross_entropy")
    derivation = derive(network)
    composed = network.composed_loss()
    for gradient in derivation:
        assert_same_value(sp.diff(composed, gradient.parameter),
                          derivation.expanded(gradient.parameter))


def test_softmax_cross_entropy_error_term_is_a_minus_y_for_normalized_targets() -> None:
    network = Network.from_widths((2, 3), ("softmax",), "cross_entropy")
    derivation = derive(network)
    y = list(network.targets)
    for j in range(3):
        term = derivation.error_map[naming.error(1, j)]
        a = network.a(1, j)
        assert sp.expand(term.value - (a * sp.Add(*y) - y[j])) == 0
        last = {y[-1]: 1 - y[0] - y[1]}
        assert sp.expand((term.value - (a - y[j])).xreplace(last)) == 0
        # its Leibniz side is the sum over the outputs: Σ_i ∂a_i/∂z_j ∂C_0/∂a_i
        (factor,) = term.chain.factors
        assert isinstance(factor.leibniz, sp.Add) and len(factor.leibniz.args) == 3


def test_softmax_is_a_display_function_with_a_derivative() -> None:
    zs = sp.symbols("z0:3", real=True)
    s = [Softmax(sp.Integer(j), *zs) for j in range(3)]
    elementary = [sp.exp(zs[j]) / sum(sp.exp(z) for z in zs) for j in range(3)]
    for j in range(3):
        for i in range(3):
            ours = sp.diff(s[j], zs[i]).subs(dict(zip(s, elementary, strict=True)))
            truth = sp.diff(elementary[j], zs[i])
            assert sp.simplify(ours - truth) == 0


def test_softmax_only_as_the_output_activation() -> None:
    with pytest.raises(SpecError, match="only be the output activation"):
        Network.from_widths((2, 3, 2), ("softmax", "sigmoid"))
    result = CliRunner().invoke(cli, ["derive", "--layers", "2,3,2", "--activation", "softmax"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "output activation" in lines[0]
    assert "Traceback" not in result.output


def test_softmax_derivation_renders_in_every_format() -> None:
    network = Network.from_widths((2, 2, 3), ("sigmoid", "softmax"), "cross_entropy")
    derivation = derive(network)
    latex = render_latex(derivation)
    assert r"\operatorname{softmax}_{0}" in latex
    assert "softmax₀(" in CliRunner().invoke(
        cli, ["derive", "--layers", "2,2,3", "--activation", "sigmoid,softmax",
              "--loss", "cross_entropy"]).output
    assert "δ" in render_markdown(derivation) or r"\delta" in render_markdown(derivation)
    assert render_json(derivation).startswith("{")
    assert render_text(derivation) is not None
