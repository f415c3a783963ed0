"""The deriver: the seed's formulas, chain factors, error terms, batch forms, and ground truth.

Every gradient symchain emits is compared with ``sympy.diff`` of the fully composed loss.
"""

from __future__ import annotations

import gc
import random

import pytest
import sympy as sp
from conftest import assert_same_value, evaluate, random_point
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symchain import Network, Partial, derive, derive_activation, naming
from symchain.activations import ACTIVATIONS, Sigmoid, SigmoidPrime
from symchain.budget import Budget
from symchain.derivation import tree_size
from symchain.errors import BudgetError, TooLargeError, UnknownNameError
from symchain.losses import LOSSES
from symchain.nodes import Sampled
from symchain.pairs import fits

SEED = Network.from_widths((1, 1, 1, 1))
L = 3


def _seed_symbols() -> dict[str, sp.Symbol]:
    return {
        "x": SEED.x(0),
        "y": SEED.y(0),
        "wL": SEED.w(L, 0, 0),
        "bL": SEED.b(L, 0),
        "zL": SEED.z(L, 0),
        "aL": SEED.a(L, 0),
        "aL1": SEED.a(L - 1, 0),
        "zL1": SEED.z(L - 1, 0),
        "wL1": SEED.w(L - 1, 0, 0),
        "aL2": SEED.a(L - 2, 0),
    }


def test_seed_dC0_dwL() -> None:
    s = _seed_symbols()
    g = derive(SEED)[s["wL"]]
    expected = s["aL1"] * SigmoidPrime(s["zL"]) * 2 * (s["aL"] - s["y"])
    assert sp.expand(g.gradient - expected) == 0
    assert [f.leibniz for f in g.chain.factors] == [
        Partial(s["zL"], s["wL"]),
        Partial(s["aL"], s["zL"]),
        Partial(naming.SAMPLE_LOSS, s["aL"]),
    ]
    values = [f.value for f in g.chain.factors]
    assert values[0] == s["aL1"]
    assert values[1] == SigmoidPrime(s["zL"])
    assert sp.expand(values[2] - 2 * (s["aL"] - s["y"])) == 0


def test_seed_dC0_dbL() -> None:
    s = _seed_symbols()
    g = derive(SEED)[s["bL"]]
    assert g.chain.factors[0].value == 1
    expected = 1 * SigmoidPrime(s["zL"]) * 2 * (s["aL"] - s["y"])
    assert sp.expand(g.gradient - expected) == 0


def test_seed_dC0_daL1() -> None:
    s = _seed_symbols()
    chain = derive_activation(SEED, L - 1, 0)
    expected = s["wL"] * SigmoidPrime(s["zL"]) * 2 * (s["aL"] - s["y"])
    assert sp.expand(chain.value - expected) == 0
    assert [f.leibniz for f in chain.factors] == [
        Partial(s["zL"], s["aL1"]),
        Partial(s["aL"], s["zL"]),
        Partial(naming.SAMPLE_LOSS, s["aL"]),
    ]


def test_seed_earlier_layer_continues_the_chain() -> None:
    s = _seed_symbols()
    g = derive(SEED)[s["wL1"]]
    assert len(g.chain.factors) == 5
    expected = (
        s["aL2"] * SigmoidPrime(s["zL1"]) * s["wL"] * SigmoidPrime(s["zL"]) * 2 * (s["aL"] - s["y"])
    )
    assert sp.expand(g.gradient - expected) == 0
    assert derive(SEED).errors == ()


def test_seed_sigmoid_prime_evaluates() -> None:
    z = sp.Symbol("z", real=True)
    closed = ACTIVATIONS["sigmoid"].evaluated_derivative(z)
    assert sp.simplify(closed - Sigmoid(z) * (1 - Sigmoid(z))) == 0
    assert sp.simplify(sp.diff(Sigmoid(z), z).rewrite(sp.exp) - closed.rewrite(sp.exp)) == 0


def test_multi_neuron_chain_uses_error_terms() -> None:
    net = Network.from_widths((2, 3, 2))
    derivation = derive(net)
    g = derivation[net.w(1, 1, 0)]
    closing = g.chain.factors[-1]
    assert closing.leibniz == Partial(naming.SAMPLE_LOSS, net.a(1, 1))
    expected = net.w(2, 0, 1) * naming.error(2, 0) + net.w(2, 1, 1) * naming.error(2, 1)
    assert sp.expand(closing.value - expected) == 0
    errors = derivation.error_map
    assert set(errors) == {naming.error(2, 0), naming.error(2, 1)}
    delta = errors[naming.error(2, 1)]
    truth = SigmoidPrime(net.z(2, 1)) * 2 * (net.a(2, 1) - net.y(1))
    assert sp.expand(delta.value - truth) == 0


def test_dC0_da_sums_over_the_neurons_it_feeds() -> None:
    net = Network.from_widths((2, 3, 2))
    chain = derive_activation(net, 1, 2)
    assert len(chain.terms) == 2
    expected = sum(
        net.w(2, j, 2) * SigmoidPrime(net.z(2, j)) * 2 * (net.a(2, j) - net.y(j)) for j in range(2)
    )
    assert sp.expand(chain.value - expected) == 0


def test_parameters_in_gradient_order() -> None:
    net = Network.from_widths((2, 2, 1))
    names = [p.name for p in derive(net).network.parameters]
    assert names == [
        "w_1_0_0", "w_1_0_1", "w_1_1_0", "w_1_1_1", "b_1_0", "b_1_1",
        "w_2_0_0", "w_2_0_1", "b_2_0",
    ]  # fmt: skip
    vector = derive(net).gradient_vector
    assert vector.shape == (9, 1)
    assert vector[0] == Partial(naming.BATCH_LOSS, net.w(1, 0, 0))


def test_lookup_by_printed_name() -> None:
    net = Network.from_widths((2, 3, 2))
    derivation = derive(net)
    assert derivation["w^{(L)}_{10}"].parameter == net.w(2, 1, 0)
    assert derivation["w_{10}^{(2)}"].parameter == net.w(2, 1, 0)
    assert derivation["b^{(L-1)}_2"].parameter == net.b(1, 2)
    with pytest.raises(UnknownNameError, match="no parameter"):
        derivation["w^{(L-5)}"]


def test_selected_parameters_only() -> None:
    net = Network.from_widths((2, 3, 2))
    derivation = derive(net, (net.b(2, 0),))
    assert [g.parameter for g in derivation] == [net.b(2, 0)]


def test_batch_average_is_the_mean_of_sample_gradients() -> None:
    g = derive(SEED)[SEED.w(L, 0, 0)]
    n = 3
    batch = g.batch.subs(naming.BATCH_SIZE, n).doit()
    rng = random.Random(1)
    weight = {SEED.w(L, 0, 0): 0.3}
    per_sample = (SEED.a(L - 1, 0), SEED.z(L, 0), SEED.a(L, 0), SEED.y(0))
    sampled: dict[sp.Basic, sp.Basic] = {}
    gradients = []
    for i in range(n):
        point = {s: rng.uniform(0.1, 0.9) for s in per_sample}
        gradients.append(evaluate(g.gradient, {**point, **weight}))
        sampled.update({Sampled(s, i): sp.Float(v) for s, v in point.items()})
    value = batch.xreplace({**sampled, **{k: sp.Float(v) for k, v in weight.items()}})
    assert float(value.evalf()) == pytest.approx(sum(gradients) / n, rel=1e-12)


def test_expanded_matches_diff_seed() -> None:
    derivation = derive(SEED)
    loss = SEED.composed_loss()
    for g in derivation:
        assert_same_value(sp.diff(loss, g.parameter), derivation.expanded(g.parameter))


def test_expanded_forms_are_capped() -> None:
    net = Network.from_widths((12, 12, 12, 12, 12))
    derivation = derive(net, (net.w(1, 0, 0),))
    with pytest.raises(TooLargeError, match="too large for the expanded form"):
        derivation.expanded(net.w(1, 0, 0))


def test_work_is_linear_in_parameters() -> None:
    # the sizes of all chains together grow with the parameter count, not faster
    def total_nodes(widths: tuple[int, ...]) -> tuple[int, int]:
        derivation = derive(Network.from_widths(widths))
        nodes = sum(tree_size(g.gradient) for g in derivation)
        nodes += sum(tree_size(t.value) for t in derivation.errors)
        return nodes, len(derivation)

    small_nodes, small_params = total_nodes((4, 4, 4, 4))
    large_nodes, large_params = total_nodes((8, 8, 8, 8))
    assert large_nodes / small_nodes <= 1.5 * large_params / small_params


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    widths=st.lists(st.integers(1, 3), min_size=2, max_size=5).map(tuple),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear", "softplus"]),
    loss=st.sampled_from(["squared_error", "half_squared_error", "binary_cross_entropy"]),
    seed=st.integers(0, 10_000),
)
def test_every_gradient_equals_diff_of_composed_loss(
    widths: tuple[int, ...], activation: str, loss: str, seed: int
) -> None:
    assume(fits(ACTIVATIONS[activation], LOSSES[loss]))  # the others are refused (test_rules)
    net = Network.from_widths(widths, activation, loss)
    derivation = derive(net)
    composed = net.composed_loss()
    point = random_point(composed.free_symbols, seed)
    for g in derivation:
        truth = evaluate(sp.diff(composed, g.parameter), point)
        ours = evaluate(derivation.expanded(g.parameter), point)
        assert ours == pytest.approx(truth, rel=1e-9, abs=1e-12), (g.parameter, truth, ours)


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) & {"sigmoid", "tanh", "relu",
                                                                  "linear", "softplus"}))
@pytest.mark.parametrize("loss", sorted(set(LOSSES) & {"squared_error", "half_squared_error",
                                                       "binary_cross_entropy"}))
def test_every_activation_and_loss_on_2_3_2(activation: str, loss: str) -> None:
    # an output activation whose range leaves the loss's domain is refused: sigmoid outputs then
    fitting = fits(ACTIVATIONS[activation], LOSSES[loss])
    net = Network.from_widths((2, 3, 2), activation if fitting else (activation, "sigmoid"), loss)
    derivation = derive(net)
    composed = net.composed_loss()
    for g in derivation:
        assert_same_value(sp.diff(composed, g.parameter), derivation.expanded(g.parameter))


def test_mixed_activations_per_layer() -> None:
    net = Network.from_widths((2, 2, 2, 1), ("relu", "tanh", "sigmoid"), "binary_cross_entropy")
    derivation = derive(net)
    composed = net.composed_loss()
    for g in derivation:
        assert_same_value(sp.diff(composed, g.parameter), derivation.expanded(g.parameter))


@pytest.mark.parametrize("enabled", [True, False])
def test_derive_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    # the deriver pauses the cyclic collector while it allocates; the state is restored, also
    # when the budget runs out mid-way, and a collector the caller disabled stays disabled
    net = Network.from_widths((4, 8, 8, 2))
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        derivation = derive(net)
        assert gc.isenabled() is enabled
        with pytest.raises(BudgetError):
            derive(net, budget=Budget(10.0, clock=iter([0.0, 11.0, 12.0, 13.0]).__next__))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    composed = net.composed_loss()
    point = random_point(composed.free_symbols, 4)
    for g in derivation.parameters[::16]:
        truth = evaluate(sp.diff(composed, g.parameter), point)
        assert evaluate(derivation.expanded(g.parameter), point) == pytest.approx(truth, rel=1e-9)
