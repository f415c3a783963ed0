"""The graph deriver: every gradient equals sympy.diff of the composed loss; the dense bridge."""

from __future__ import annotations

import sympy as sp
from conftest import assert_same_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symchain import Network, derive
from symchain.activations import ACTIVATIONS, to_elementary
from symchain.graphs import Graph, dense_graph, derive_graph
from symchain.nodes import Partial

P = sp.symbols("p0:3", real=True)
X = sp.symbols("x0:2", real=True)
Y = sp.Symbol("y", real=True)
LOSS = sp.Symbol("C_0", real=True)
ACTS = [ACTIVATIONS[name].apply for name in ("sigmoid", "tanh", "softplus", "linear")]


@st.composite
def random_graphs(draw: st.DrawFn) -> Graph:
    """DAGs of sums, products and activations in which parameters are shared between equations."""
    available: list[sp.Expr] = [*P, *X]
    equations = []
    for number in range(draw(st.integers(1, 6))):
        a, b, c = (draw(st.sampled_from(available)) for _ in range(3))
        kind = draw(st.sampled_from(["sum", "product", "activation", "affine"]))
        if kind == "sum":
            value = a + b
        elif kind == "product":
            value = a * b
        elif kind == "activation":
            value = draw(st.sampled_from(ACTS))(a + b)
        else:
            value = draw(st.sampled_from(ACTS))(a * b + c)
        q = sp.Symbol(f"q_{number}", real=True)
        equations.append((q, value))
        available.append(q)
    last = [q for q, _ in equations[-2:]]
    equations.append((LOSS, (sp.Add(*last) - Y) ** 2))
    return Graph.build(P, X, [Y], equations)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graph_gradients_equal_sympy_diff(graph: Graph) -> None:
    derivation = derive_graph(graph)
    loss = to_elementary(graph.composed_loss())
    for gradient in derivation:
        expected = sp.diff(loss, gradient.parameter)
        assert_same_value(derivation.expanded(gradient.parameter), expected)


def test_shared_weight_has_one_term_per_use_labelled_by_where_it_is_used() -> None:
    w, x, v = sp.symbols("w x v", real=True)
    h1, h2 = sp.symbols("h_1 h_2", real=True)
    graph = Graph.build(
        [w, v], [x], [], [(h1, sp.tanh(w * x)), (h2, sp.tanh(w * h1)), (LOSS, (v * h2) ** 2)]
    )
    gradient = derive_graph(graph)[w]
    assert [use.where for use in gradient.uses] == [h1, h2]
    assert gradient.uses[0].factors[0].leibniz == Partial(h1, w)
    assert_same_value(derive_graph(graph).expanded(w), sp.diff(graph.composed_loss(), w))


def test_adjoints_of_reused_quantities_are_defined_once_and_reused() -> None:
    w, x = sp.symbols("w x", real=True)
    h, a, b = sp.symbols("h a b", real=True)
    graph = Graph.build([w], [x], [], [(h, w * x), (a, sp.tanh(h)), (b, h**2), (LOSS, a + b)])
    derivation = derive_graph(graph)
    assert [adjoint.quantity for adjoint in derivation.adjoints] == [h]
    (use,) = derivation[w].uses
    assert use.factors[-1].value == Partial(LOSS, h)
    assert len(derivation.adjoints[0].uses) == 2


def test_recurrent_chain_is_written_as_its_recursion() -> None:
    """Backpropagation through time: ∂C_0/∂h_t = ∂h_{t+1}/∂h_t · ∂C_0/∂h_{t+1}."""
    w, b = sp.symbols("w b", real=True)
    xs = sp.symbols("x1:5", real=True)
    hs = sp.symbols("h1:5", real=True)
    equations = [(hs[0], sp.tanh(w * xs[0] + b))]
    equations += [(hs[t], sp.tanh(w * hs[t - 1] + xs[t] + b)) for t in range(1, 4)]
    equations.append((LOSS, hs[-1] ** 2))
    derivation = derive_graph(Graph.build([w, b], xs, [], equations))
    assert [a.quantity for a in derivation.adjoints] == list(reversed(hs))
    for adjoint in derivation.adjoints:
        assert all(len(use.factors) <= 2 for use in adjoint.uses)
    assert all(len(use.factors) == 2 for g in derivation for use in g.uses)


def test_parameter_that_never_reaches_the_loss_warns_and_has_zero_gradient() -> None:
    w, u, x = sp.symbols("w u x", real=True)
    h, dead = sp.symbols("h dead", real=True)
    graph = Graph.build([w, u], [x], [], [(h, w * x), (dead, u * x), (LOSS, h**2)])
    assert any("u never reaches the loss" in line for line in graph.warnings)
    assert any("quantity dead never reaches" in line for line in graph.warnings)
    derivation = derive_graph(graph)
    assert derivation[u].gradient == 0 and derivation[u].uses == ()
    assert derivation.expanded(u) == 0


def test_dense_network_as_a_graph_has_the_dense_deriver_gradients() -> None:
    for widths, activations, loss in [
        ((1, 1, 1, 1), ("sigmoid",), "squared_error"),
        ((2, 3, 2), ("tanh", "sigmoid"), "binary_cross_entropy"),
        ((2, 2, 3), ("relu", "softmax"), "cross_entropy"),
    ]:
        network = Network.from_widths(widths, activations, loss)
        graph_derivation = derive_graph(dense_graph(network))
        dense = derive(network)
        assert [g.parameter for g in graph_derivation] == list(network.parameters)
        for parameter in network.parameters:
            assert_same_value(graph_derivation.expanded(parameter), dense.expanded(parameter))


def test_graph_deriver_work_is_linear_in_chain_length() -> None:
    """Factors written grow linearly with the length of a chain that reuses one weight."""

    def factors(length: int) -> int:
        w = sp.Symbol("w", real=True)
        hs = sp.symbols(f"h1:{length + 1}", real=True)
        equations = [(hs[0], sp.tanh(w))]
        equations += [(hs[t], sp.tanh(w * hs[t - 1])) for t in range(1, length)]
        equations.append((LOSS, hs[-1] ** 2))
        derivation = derive_graph(Graph.build([w], [], [], equations))
        uses = [u for g in derivation for u in g.uses] + [
            u for a in derivation.adjoints for u in a.uses
        ]
        return sum(len(u.factors) for u in uses)

    small, medium, large = factors(20), factors(40), factors(60)
    assert medium - small == large - medium > 0


def test_chosen_parameters_keep_only_the_adjoints_they_need() -> None:
    w, u, v, x = sp.symbols("w u v x", real=True)
    h1, h2 = sp.symbols("h_1 h_2", real=True)
    graph = Graph.build(
        [w, u, v], [x], [], [(h1, sp.tanh(w * x + u)), (h2, sp.tanh(w * h1 + v)), (LOSS, h2**2)]
    )
    assert [a.quantity for a in derive_graph(graph).adjoints] == [h2, h1]
    only_v = derive_graph(graph, (v,))
    assert [g.parameter for g in only_v] == [v]
    assert [a.quantity for a in only_v.adjoints] == [h2]
    assert_same_value(only_v.expanded(v), sp.diff(graph.composed_loss(), v))
    assert [a.quantity for a in derive_graph(graph, (u,)).adjoints] == [h2, h1]
