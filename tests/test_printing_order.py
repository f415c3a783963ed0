"""The printers' own ordering of a sum's terms is SymPy's ``as_ordered_terms()``, term for term."""

from __future__ import annotations

from typing import Any

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symchain import Network, derive
from symchain.nodes import Sampled
from symchain.printing import NotationLatexPrinter, NotationUnicodePrinter, ordered_terms
from symchain.render import render_json, render_latex, render_markdown
from symchain.render.text import render_plain_text

NETWORKS: list[tuple[tuple[int, ...], str | tuple[str, ...], str]] = [
    ((2, 3, 2), "sigmoid", "squared_error"),
    ((3, 4, 4, 2), ("relu", "gelu", "softmax"), "cross_entropy"),
    ((2, 5, 3), ("tanh", "linear"), "huber"),
    ((2, 3, 3, 1), ("elu", "leaky_relu", "sigmoid"), "binary_cross_entropy"),
    ((3, 3, 2), ("softplus", "linear"), "half_squared_error"),
]


def _sums(expr: sp.Basic) -> list[sp.Add]:
    return [node for node in sp.preorder_traversal(expr) if isinstance(node, sp.Add)]


def _network_sums(
    widths: tuple[int, ...], activation: str | tuple[str, ...], loss: str
) -> list[sp.Add]:
    net = Network.from_widths(widths, activation, loss)
    derivation = derive(net)
    sums = _sums(net.sample_loss())
    for layer in range(1, net.depth + 1):
        for j in range(widths[layer]):
            sums += _sums(net.activation(layer, j))
    for gradient in derivation:
        for value in (*(f.value for f in gradient.chain.factors), *gradient.sampled_factors()):
            sums += _sums(value)
    for term in derivation.errors:
        for factor in term.chain.factors:
            sums += _sums(factor.value)
    return sums


@pytest.mark.parametrize(
    ("widths", "activation", "loss"),
    # wide layers: sums of a dozen terms, indices past 9 (w₁₀ sorts before w₂ by name)
    [*NETWORKS, ((2, 12, 11, 2), "sigmoid", "squared_error")],
)
def test_sums_of_derivations_are_ordered_as_sympy_orders_them(
    widths: tuple[int, ...], activation: str | tuple[str, ...], loss: str
) -> None:
    sums = _network_sums(widths, activation, loss)
    fast = [(add, ordered_terms(add)) for add in sums]
    taken = [(add, terms) for add, terms in fast if terms is not None]
    assert len(taken) >= len(sums) // 2  # the fast path is the one taken
    for add, terms in taken:
        assert terms == add.as_ordered_terms(), add


x, y, z = sp.symbols("x y z")
u = sp.Symbol("u", positive=True)
f = sp.Function("f")
delta = sp.Symbol("δ_1")
_ATOMS = [
    x,
    y,
    z,
    u,
    f(x),
    sp.exp(x),
    sp.exp(-y),
    sp.sin(z),
    Sampled(delta, sp.Symbol("i")),
    sp.sqrt(x),
    sp.pi,
    sp.E,
]
_COEFFICIENTS = [
    1,
    -1,
    2,
    -3,
    sp.Rational(1, 2),
    sp.Rational(-2, 3),
    sp.Float(0.5),
    sp.I,
    2 + 3 * sp.I,
    sp.sqrt(2),
]


@st.composite
def _sum(draw: Any) -> sp.Expr:
    terms = []
    for _ in range(draw(st.integers(1, 6))):
        factors = [draw(st.sampled_from(_COEFFICIENTS))]
        for _ in range(draw(st.integers(0, 3))):
            atom = draw(st.sampled_from(_ATOMS))
            power = draw(st.sampled_from([1, 1, 2, -1, sp.Rational(1, 2), x]))
            factors.append(atom**power)
        terms.append(sp.Mul(*factors, evaluate=draw(st.booleans())))
    return sp.Add(*terms, evaluate=draw(st.booleans()))


@settings(max_examples=500, deadline=None)
@given(_sum())
def test_any_sum_is_ordered_as_sympy_orders_it_or_left_to_sympy(expr: sp.Expr) -> None:
    if not isinstance(expr, sp.Add):
        return
    terms = ordered_terms(expr)
    if terms is not None:
        assert terms == expr.as_ordered_terms()


class _SympyOrderLatex(NotationLatexPrinter):
    def _as_ordered_terms(self, expr: sp.Expr, order: Any = None) -> list[sp.Expr]:
        return sp.Expr.as_ordered_terms(expr, order=order or self.order)  # type: ignore[no-any-return]


class _SympyOrderUnicode(NotationUnicodePrinter):
    def _as_ordered_terms(self, expr: sp.Expr, order: Any = None) -> list[sp.Expr]:
        return sp.Expr.as_ordered_terms(expr, order=order or self.order)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("widths", "activation", "loss"), NETWORKS)
@pytest.mark.parametrize("style", ["relative", "absolute"])
def test_documents_print_as_with_sympys_own_ordering(
    widths: tuple[int, ...],
    activation: str | tuple[str, ...],
    loss: str,
    style: str,
    monkeypatch: Any,
) -> None:
    derivation = derive(Network.from_widths(widths, activation, loss))
    renders = [
        lambda: render_latex(derivation, style=style),
        lambda: render_markdown(derivation, style=style),
        lambda: render_json(derivation, style=style),
        lambda: render_plain_text(derivation, style=style, width=100),
    ]
    fast = [render() for render in renders]
    import symchain.printing as printing

    monkeypatch.setattr(printing, "ordered_terms", lambda expr: None)
    slow = [render() for render in renders]
    assert fast == slow
    monkeypatch.undo()
    for add in _network_sums(widths, activation, loss)[:200]:
        notation = {"notation": None}
        assert NotationLatexPrinter(notation).doprint(add) == _SympyOrderLatex(notation).doprint(
            add
        )
        assert NotationUnicodePrinter(notation).doprint(add) == _SympyOrderUnicode(
            notation
        ).doprint(add)
