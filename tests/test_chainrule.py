"""The chain-rule engine: the dense network is one kind of graph, and both derivers agree."""

from __future__ import annotations

import pytest
import sympy as sp

from symchain import Network, derive, naming
from symchain.activations import to_elementary
from symchain.chainrule import ChainRule
from symchain.derivation import Factor
from symchain.deriver import DenseEquations
from symchain.graphs import Graph, dense_graph, derive_graph
from symchain.graphs.deriver import GraphEquations
from symchain.nodes import Partial

NETWORKS = [
    ((1, 1, 1, 1), ("sigmoid",), "squared_error"),
    ((1, 2, 2), ("tanh", "sigmoid"), "binary_cross_entropy"),
    ((2, 2, 3), ("relu", "softmax"), "cross_entropy"),
    ((2, 1, 2), ("softplus", "linear"), "half_squared_error"),
    ((2, 1, 1, 2), ("tanh", "sigmoid", "softmax"), "cross_entropy"),
]
IDS = ["-".join(map(str, widths)) for widths, _, _ in NETWORKS]


def in_z(network: Network, expr: sp.Expr) -> sp.Expr:
    """``expr`` with every activation a_j^(l) (l ≥ 1) written σ(z_j^(l)), in elementary form."""
    outputs = {
        network.a(layer, j): network.activation(layer, j)
        for layer in range(1, network.depth + 1)
        for j in range(network.widths[layer])
    }
    return to_elementary(expr.xreplace(outputs))


def assert_same_maths(network: Network, left: sp.Expr, right: sp.Expr) -> None:
    """``left`` and ``right`` are the same function of the network's w, b, z, x and y (exact: the
    difference expands, or cancels as a rational function, to 0)."""
    difference = in_z(network, left) - in_z(network, right)
    assert sp.expand(difference) == 0 or sp.cancel(difference) == 0, (left, right)


def resolved(expr: sp.Expr, definitions: list[tuple[sp.Basic, sp.Expr]]) -> sp.Expr:
    """``expr`` with each defined symbol (δ, or a graph's adjoint) replaced by its value; the
    definitions come from the loss backwards, so each value uses only those before it."""
    values: dict[sp.Basic, sp.Expr] = {}
    for symbol, value in definitions:
        values[symbol] = value.xreplace(values)
    return expr.xreplace(values)


@pytest.mark.parametrize(("widths", "activations", "loss"), NETWORKS, ids=IDS)
def test_dense_equations_are_the_equations_of_the_dense_graph(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    """Same consumers, and every local factor (by the layer's rule) equals the derivative of the
    dense graph's equation (by sympy.diff)."""
    network = Network.from_widths(widths, activations, loss)
    graph = dense_graph(network)
    dense, generic = DenseEquations(network), GraphEquations(graph)
    assert dense.loss == generic.loss == naming.SAMPLE_LOSS
    for symbol in (*network.inputs, *network.parameters, *graph.quantities[:-1]):
        consumers = dense.consumers(symbol)
        assert consumers == generic.consumers(symbol)
        for consumer in consumers:
            assert_same_maths(
                network, dense.local(consumer, symbol), generic.local(consumer, symbol)
            )


@pytest.mark.parametrize(("widths", "activations", "loss"), NETWORKS, ids=IDS)
def test_dense_deriver_gradients_equal_the_graph_derivers_as_sympy_maths(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    """With δ and the graph's adjoints written out, each gradient is the same expression in the
    network's w, b, z, x and y."""
    network = Network.from_widths(widths, activations, loss)
    by_dense = derive(network)
    by_graph = derive_graph(dense_graph(network))
    deltas = [(e.symbol, e.value) for e in by_dense.errors]
    adjoints = [(a.leibniz, a.value) for a in by_graph.adjoints]
    assert [g.parameter for g in by_graph] == list(network.parameters)
    for dense, generic in zip(by_dense.parameters, by_graph, strict=True):
        assert dense.parameter == generic.parameter
        assert_same_maths(
            network, resolved(dense.gradient, deltas), resolved(generic.gradient, adjoints)
        )


def test_engine_writes_each_tail_once_and_stops_at_the_closing_adjoint() -> None:
    w, x, y = sp.symbols("w x y", real=True)
    h, u, loss = sp.symbols("h u C_0", real=True)
    graph = Graph.build([w], [x], [y], [(h, w * x), (u, sp.tanh(h)), (loss, (u - y) ** 2 + h)])
    equations = GraphEquations(graph)
    stops = {h}

    def closing(q: sp.Symbol) -> Factor | None:
        return Factor(Partial(loss, q), Partial(loss, q)) if q in stops else None

    engine = ChainRule(equations, closing)
    (factor,) = engine.tail(u)
    assert factor.leibniz == Partial(loss, u) and sp.expand(factor.value - 2 * (u - y)) == 0
    assert engine.tail(u) is engine.tail(u)
    ((consumer, factors),) = engine.uses(w)
    assert consumer == h
    assert factors == (Factor(Partial(h, w), x), Factor(Partial(loss, h), Partial(loss, h)))
    # h's adjoint: one product per consumer, through u to the loss and straight to the loss
    assert [c for c, _ in engine.uses(h)] == [u, loss]
    assert sp.simplify(
        sum(sp.Mul(*(f.value for f in fs)) for _, fs in engine.uses(h))
        - (2 * (u - y) * (1 - u**2) + 1)
    ) == 0
