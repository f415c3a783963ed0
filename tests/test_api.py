"""The Python API as the README shows it, and Jupyter's rich display."""

from __future__ import annotations

import pytest
import sympy as sp
from conftest import assert_same_value

from symchain import Network, derive
from symchain.activations import ACTIVATIONS, Sigmoid, SigmoidPrime
from symchain.printing import to_latex
from symchain.render import render_latex


def test_readme_example() -> None:
    net = Network.from_widths((1, 1, 1, 1), activation="sigmoid", loss="squared_error")
    derivation = derive(net)
    g = derivation["w^{(L)}"]
    assert g is derivation[net.w(3, 0, 0)] or g == derivation[net.w(3, 0, 0)]
    values = [f.value for f in g.chain.factors]
    assert values[:2] == [net.a(2, 0), SigmoidPrime(net.z(3, 0))]
    assert_same_value(derivation.expanded("w^{(L)}"), sp.diff(net.composed_loss(), net.w(3, 0, 0)))
    assert derivation.gradient_vector.shape == (6, 1)
    assert r"\begin{align*}" in render_latex(derivation)


def test_repr_latex_for_jupyter() -> None:
    net = Network.from_widths((1, 1))
    derivation = derive(net)
    g = derivation["w^{(L)}"]
    text = g._repr_latex_()
    assert text.startswith("$$") and text.endswith("$$")
    assert r"\frac{\partial C_0}{\partial w^{(L)}}" in text
    assert r"x \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)" in text
    assert derivation._repr_latex_().startswith("$$\\begin{aligned}")
    two = derive(Network.from_widths((2, 2, 2)))
    assert two.errors[0]._repr_latex_().startswith(r"$$\delta_{0}^{(L)} = ")


def test_evaluated_derivative_closed_forms() -> None:
    z = sp.Symbol("z", real=True)
    for name in ("sigmoid", "tanh", "linear", "softplus"):  # relu, a step: tested below
        activation = ACTIVATIONS[name]
        closed = activation.elementary_derivative(z)
        assert_same_value(closed, sp.diff(activation.elementary(z), z))
        assert_same_value(activation.evaluated_derivative(z), closed)
    assert to_latex(SigmoidPrime(z), (1, 1)) == r"\sigma'(z)"
    closed_latex = to_latex(Sigmoid(z) * (1 - Sigmoid(z)), (1, 1))
    assert closed_latex == r"\left(1 - \sigma(z)\right) \sigma(z)"


def test_relu_derivative_follows_pytorch_at_zero() -> None:
    relu = ACTIVATIONS["relu"]
    assert relu.elementary_derivative(sp.Integer(0)) == 0
    assert relu.elementary_derivative(sp.Rational(1, 2)) == 1
    assert relu.elementary_derivative(sp.Rational(-1, 2)) == 0


def test_display_functions_evaluate_numerically() -> None:
    assert float(SigmoidPrime(sp.Float(0.0)).evalf()) == 0.25
    assert abs(float(Sigmoid(sp.Float(2.0)).evalf()) - 1 / (1 + 2.718281828459045**-2)) < 1e-12


def test_derivation_lambdify_both_forms_agree_with_finite_differences() -> None:
    import numpy as np

    from symchain.errors import UnknownNameError
    from symchain.numeric import init_parameters

    net = Network.from_widths((2, 3, 2), "tanh", "half_squared_error")
    derivation = derive(net)
    params = init_parameters(net, seed=3)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 2)), rng.uniform(size=(7, 2))
    loss_u, grads_u = derivation.lambdify()(params, X, Y)
    loss_m, grads_m = derivation.lambdify(form="matrix")(params, X, Y)
    assert loss_u == pytest.approx(loss_m, rel=1e-12)
    step = 1e-6
    for key, value in params.items():
        assert grads_u[key] == pytest.approx(grads_m[key], rel=1e-10, abs=1e-14)
        shifted = {k: v.copy() for k, v in params.items()}
        shifted[key].flat[0] = value.flat[0] + step
        up, _ = derivation.lambdify()(shifted, X, Y)
        shifted[key].flat[0] = value.flat[0] - step
        down, _ = derivation.lambdify()(shifted, X, Y)
        assert grads_u[key].flat[0] == pytest.approx((up - down) / (2 * step), rel=1e-6)
    with pytest.raises(UnknownNameError, match="unknown form 'sparse'"):
        derivation.lambdify(form="sparse")


def test_latex_defaults_its_printer_and_forms_have_a_public_latex() -> None:
    from click.testing import CliRunner

    from symchain.cli import cli
    from symchain.forms import index_form, matrix_form

    network = Network.from_widths((2, 3, 2), "tanh", "half_squared_error")
    derivation = derive(network)
    gradient = derivation["w^{(L)}_{10}"]
    text = gradient.latex()
    assert text.startswith(r"\frac{\partial C_0}{\partial w_{10}^{(L)}} = ")
    derived = CliRunner().invoke(
        cli, ["derive", "--layers", "2,3,2", "--activation", "tanh", "--loss",
              "half_squared_error", "--form", "matrix", "--format", "latex"],
    )  # fmt: skip
    assert derived.exit_code == 0
    assert matrix_form(network).latex() == derived.stdout
    index = index_form(network.depth, network.spec.activations, network.spec.loss).latex()
    assert r"\delta_{j}^{(L)}" in index and index.startswith("% derived by symchain")
