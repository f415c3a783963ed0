"""The three forms agree: index and matrix forms instantiated for concrete widths equal the
unrolled derivation symbolically, on a grid of networks (depth 1-4, widths 1-4, every activation
and loss, softmax outputs included)."""

from __future__ import annotations

import random

import pytest
import sympy as sp
from conftest import evaluate, random_point

from symchain import Network, derive, naming
from symchain.activations import ACTIVATIONS, to_elementary
from symchain.forms import index as ix
from symchain.forms import matrix as mx
from symchain.losses import LOSSES
from symchain.pairs import fits

ELEMENTWISE = sorted(name for name, act in ACTIVATIONS.items() if act.elementwise)
OUTPUTS = sorted(ACTIVATIONS)


def _grid() -> list[tuple[tuple[int, ...], tuple[str, ...], str]]:
    """Every depth x hidden activation x loss, output activations cycled, widths drawn 1-4."""
    rng = random.Random(4)
    cases = []
    count = 0
    for depth in (1, 2, 3, 4):
        for hidden in ELEMENTWISE:
            for loss in sorted(LOSSES):
                output = OUTPUTS[count % len(OUTPUTS)]
                count += 1
                top = 4 if depth <= 2 else 3
                widths = tuple(rng.randint(1, top) for _ in range(depth + 1))
                if output == "softmax" and widths[-1] == 1:
                    widths = (*widths[:-1], 2)
                cases.append((widths, (hidden,) * (depth - 1) + (output,), loss))
    # every (output activation, loss) pair at least once, at width 4 somewhere
    for output in OUTPUTS:
        for loss in sorted(LOSSES):
            cases.append(((2, 4, 3), ("tanh", output), loss))
    # pairs whose outputs leave the loss's domain are refused (tests/test_rules.py)
    return [case for case in cases if fits(ACTIVATIONS[case[1][-1]], LOSSES[case[2]])]


GRID = _grid()


def _is_zero(expr: sp.Expr) -> bool:
    if sp.expand(expr) == 0:
        return True
    if expr.has(sp.Piecewise):  # a piecewise loss (huber): zero at points on both pieces
        rng = random.Random(7)
        symbols = sorted(expr.free_symbols, key=str)
        for scale in (0.3, 3.0, 0.3, 3.0):
            point = {s: sp.Float(rng.uniform(-scale, scale), 30) for s in symbols}
            if abs(complex(expr.subs(point).evalf(30))) > 1e-20:
                return False
        return True
    return bool(sp.cancel(sp.together(expr)) == 0)


def _unrolled(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """Every gradient of the unrolled derivation with the error terms composed in."""
    derivation = derive(network)
    deltas: dict[sp.Symbol, sp.Expr] = {}
    for term in derivation.errors:  # later layers first
        deltas[term.symbol] = term.value.xreplace(deltas)
    return {g.parameter: g.gradient.xreplace(deltas) for g in derivation}


def _matrix(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """Every gradient of the matrix form (BP1-BP4), instantiated for the network's widths."""
    form = mx.matrix_form(network)
    env = mx.sample_environment(network)
    by_name = {}
    for eq in form.backward:
        by_name[(eq.name, eq.lhs.layer if isinstance(eq.lhs, mx.Var) else None)] = eq
    L = network.depth
    env[mx.Var("delta", L)] = mx.instantiate(by_name[("BP1", L)], env)
    for layer in range(L - 1, 0, -1):
        env[mx.Var("delta", layer)] = mx.instantiate(by_name[("BP2", layer)], env)
    result = {}
    for layer in range(1, L + 1):
        dW = mx.instantiate(by_name[("BP4", layer)], env)
        db = mx.instantiate(by_name[("BP3", layer)], env)
        for j in range(network.widths[layer]):
            for k in range(network.widths[layer - 1]):
                result[network.w(layer, j, k)] = dW[j, k]
            result[network.b(layer, j)] = db[j, 0]
    return result


def _index(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """Every gradient of the index form, instantiated for the network's widths."""
    form = ix.index_form(network.depth, network.spec.activations, network.spec.loss)
    L = network.depth
    deltas: dict[sp.Symbol, sp.Expr] = {}
    for j in range(network.widths[L]):
        value = ix.instantiate(form.find("delta", L).exact, network, {ix.J: j})
        deltas[naming.error(L, j)] = value
    for layer in range(L - 1, 0, -1):
        for k in range(network.widths[layer]):
            value = ix.instantiate(form.find("delta", layer).exact, network, {ix.K: k})
            deltas[naming.error(layer, k)] = value.xreplace(deltas)
    result = {}
    for layer in range(1, L + 1):
        for j in range(network.widths[layer]):
            for k in range(network.widths[layer - 1]):
                value = ix.instantiate(form.find("dC0/dw", layer).exact, network,
                                       {ix.J: j, ix.K: k})
                result[network.w(layer, j, k)] = value.xreplace(deltas)
            value = ix.instantiate(form.find("dC0/db", layer).exact, network, {ix.J: j})
            result[network.b(layer, j)] = value.xreplace(deltas)
    return result


@pytest.mark.parametrize(
    "widths,activations,loss",
    GRID,
    ids=[f"{'-'.join(map(str, w))}-{'.'.join(a)}-{name}" for w, a, name in GRID],
)
def test_three_forms_agree(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    network = Network.from_widths(widths, activations, loss)
    unrolled = _unrolled(network)
    matrix = _matrix(network)
    index = _index(network)
    assert set(unrolled) == set(matrix) == set(index) == set(network.parameters)
    for parameter in network.parameters:
        assert _is_zero(matrix[parameter] - unrolled[parameter]), (parameter, "matrix")
        assert _is_zero(index[parameter] - unrolled[parameter]), (parameter, "index")
    # both notations print every layer of both forms
    depth = network.depth
    for style, first, last in (("relative", f"(L-{depth - 1})" if depth > 1 else "(L)", "(L)"),
                               ("absolute", "(1)", f"({depth})")):
        for document in (mx.matrix_document(network, style),
                         ix.network_index_document(network, style)):
            latex = "\n".join(e.latex for e in document.equations)
            assert "^{" + first + "}" in latex and "^{" + last + "}" in latex, (style, latex)
            if style == "absolute":
                assert "(L" not in latex


def _forward_outputs(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """a^(L) as the activation of z^(L) (display functions), for checking simplified sides."""
    L = network.depth
    act = network.activation_of(L)
    zs = [network.z(L, j) for j in range(network.widths[L])]
    return {
        network.a(L, j): act.vector(zs, j) if act.vector is not None else act.apply(zs[j])
        for j in range(network.widths[L])
    }


@pytest.mark.parametrize(
    "activation,loss",
    [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")],
)
def test_simplified_output_error_holds(activation: str, loss: str) -> None:
    """Every side of BP1 (matrix) and of δ^(L) (index) equals the exact one; a - y needs Σy = 1
    for softmax with cross-entropy, which the equation's note says."""
    network = Network.from_widths((2, 3), (activation,), loss)
    env = mx.sample_environment(network)
    bp1 = mx.matrix_form(network).backward[0]
    assert bp1.name == "BP1"
    outputs = _forward_outputs(network)
    y = list(network.targets)
    normalized = {y[-1]: 1 - sp.Add(*y[:-1])} if bp1.note else {}
    exact = mx.explicit(bp1.value, env)
    for side in bp1.sides:
        value = mx.explicit(side, env)
        for j in range(network.widths[-1]):
            difference = to_elementary((value[j] - exact[j]).xreplace(outputs)).xreplace(normalized)
            point = random_point(difference.free_symbols, seed=j)
            assert abs(evaluate(difference, point)) < 1e-12
    if activation == "softmax":
        assert "sum to 1" in bp1.note
        form = ix.index_form(1, (activation,), loss)
        delta = form.find("delta", 1)
        assert delta.note
        for j in range(3):
            simplified = ix.instantiate(delta.sides[-1], network, {ix.J: j})
            exact_j = ix.instantiate(delta.exact, network, {ix.J: j})
            assert sp.expand((exact_j - simplified).xreplace(normalized)) == 0


def test_index_form_is_independent_of_widths() -> None:
    small = ix.index_document(3, ("sigmoid", "tanh", "relu"), "squared_error")
    text = "\n".join(e.latex for e in small.equations)
    assert r"n_{L-1}" in text and r"\sum_{k=0}" in text and r"\sum_{j=0}" in text
    absolute = ix.index_document(3, ("sigmoid", "tanh", "relu"), "squared_error", "absolute")
    text_abs = "\n".join(e.latex for e in absolute.equations)
    assert r"n_{2}" in text_abs and "^{(3)}" in text_abs and "(L" not in text_abs
    # the same document for any widths: it is built from depth, activations and loss alone
    one = ix.network_index_document(Network.from_widths((1, 1, 1, 1), ("sigmoid", "tanh", "relu")))
    two = ix.network_index_document(Network.from_widths((4, 3, 2, 4), ("sigmoid", "tanh", "relu")))
    assert one == two == small
