"""verify never says "holds" for a false claim: kinks are crossed, mutations always caught."""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from verify_claims import MUTATIONS, mutate, really_differs, true_claim

from symchain.activations import Relu, ReluPrime, Sigmoid
from symchain.cli import cli
from symchain.network import Network
from symchain.verify import Checker, parse_claim
from symchain.verify.coverage import MAX_PATTERNS, sign_patterns
from symchain.verify.ground import Ground, evaluate, float_activation, kink_arguments
from symchain.verify.resolve import Resolver, Scope

ACTIVATIONS = ("relu", "relu", "sigmoid", "tanh", "linear", "softplus")


@st.composite
def networks(draw: st.DrawFn) -> Network:
    depth = draw(st.integers(1, 3))
    widths = tuple(draw(st.integers(1, 2)) for _ in range(depth + 1))
    activations = tuple(draw(st.sampled_from(ACTIVATIONS)) for _ in range(depth))
    loss = draw(st.sampled_from(("squared_error", "half_squared_error")))
    return Network.from_widths(widths, activations, loss)


def run_json(*args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, ["verify", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


NEVER_CROSSED = (
    r"\frac{\partial C_0}{\partial a^{(L)}} = 2(a^{(L)} - y) + \operatorname{ReLU}(a^{(L)} - 2)"
)


# The false "holds" ------------------------------------------------------------------
def test_zero_gradient_on_a_relu_chain_fails_with_a_counterexample() -> None:
    code, [report] = run_json(
        "--layers", "1,1,1,1", "--activation", "relu", r"\frac{\partial C_0}{\partial w^{(L)}} = 0"
    )
    assert code == 1 and report["verdict"] == "fails"
    example = report["counterexample"]
    assert example["left"] != pytest.approx(0.0) and example["right"] == 0.0


def test_missing_relu_prime_on_1_1_fails() -> None:
    claim = r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} 2(a^{(L)} - y)"
    code, [report] = run_json("--layers", "1,1", "--activation", "relu", claim)
    assert code == 1 and report["verdict"] == "fails"


def test_true_relu_claim_holds_numerically_with_every_side_combination() -> None:
    network = Network.from_widths((1, 1, 1, 1), "relu")
    claim = (
        r"\frac{\partial C_0}{\partial w^{(L-1)}} = a^{(L-2)} \operatorname{ReLU}'(z^{(L-1)}) "
        r"w^{(L)} \operatorname{ReLU}'(z^{(L)}) \cdot 2 (a^{(L)} - y)"
    )
    verdict = Checker(network, symbolic=False).check_text(claim)
    assert verdict.verdict == "holds", verdict
    assert verdict.tried is not None
    # z^(L-1), z^(L) and a^(L-2)'s neuron: 3 kinked neurons, all 8 combinations of sides.
    assert verdict.tried["kink_patterns"] == 8 and verdict.tried["every_combination"]
    assert "kinked neurons on both sides" in verdict.method


def test_unproven_when_a_kink_is_never_crossed() -> None:
    # True (sigmoid outputs are below 1), but no point can put a^(L) - 2 above 0.
    claim = NEVER_CROSSED
    verdict = Checker(Network.from_widths(), symbolic=False).check_text(claim)
    assert verdict.verdict == "unproven"
    assert "on both sides" in verdict.diagnosis[0]
    assert verdict.tried is not None and verdict.tried["extra_points"] > 0


def test_unproven_exits_1_and_says_what_was_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Checker, "_proven", lambda self, difference, network, deadline: False)
    claim = NEVER_CROSSED
    code, [report] = run_json(claim)
    assert code == 1 and report["verdict"] == "unproven"
    assert report["tried"]["points"] > 0 and report["tried"]["comparisons"] == 1


def test_sign_patterns_cover_every_combination_up_to_the_cap() -> None:
    neurons = tuple((1, j) for j in range(5))
    patterns, complete = sign_patterns(neurons, seed=3)
    assert complete and len({tuple(p.values()) for p in patterns}) == 32
    many = tuple((1, j) for j in range(9))
    patterns, complete = sign_patterns(many, seed=3)
    assert not complete and len(patterns) == MAX_PATTERNS
    for neuron in many:
        assert {p[neuron] for p in patterns} == {1, -1}


def test_points_are_seeded_per_claim() -> None:
    network = Network.from_widths((1, 1, 1), "relu")
    claim = r"\frac{\partial C_0}{\partial b^{(L)}} = \operatorname{ReLU}'(z^{(L)}) 2(a^{(L)} - y)"
    first = Checker(network, symbolic=False).check_text(claim)
    again = Checker(network, symbolic=False).check_text(claim)
    assert first == again and first.verdict == "holds"


# Properties -----------------------------------------------------------------------------------
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(network=networks(), data=st.data())
def test_true_claims_from_the_derivation_hold(network: Network, data: st.DataObject) -> None:
    parameter = data.draw(st.sampled_from(network.parameters))
    style = data.draw(st.sampled_from(("relative", "absolute")))
    claim = true_claim(network, parameter, style)
    verdict = Checker(network, style).check_text(claim)
    assert verdict.verdict == "holds", (claim, verdict)


@PROPERTY_SETTINGS
@given(network=networks(), data=st.data())
def test_true_claims_hold_on_numbers_alone(network: Network, data: st.DataObject) -> None:
    """Without the symbolic proof, the kink patterns alone must still accept true claims."""
    parameter = data.draw(st.sampled_from(network.parameters))
    verdict = Checker(network, symbolic=False).check_text(true_claim(network, parameter))
    assert verdict.verdict == "holds", verdict


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network=networks(), data=st.data())
def test_single_mutations_never_hold(network: Network, data: st.DataObject) -> None:
    parameter = data.draw(st.sampled_from(network.parameters))
    kind = data.draw(st.sampled_from(MUTATIONS))
    seed = data.draw(st.integers(0, 2**16))
    equation = parse_claim(true_claim(network, parameter))
    mutant = mutate(equation, kind, random.Random(seed))
    assume(mutant is not None)
    assert mutant is not None
    assume(really_differs(network, mutant))
    for symbolic in (True, False):
        verdict = Checker(network, symbolic=symbolic).check(mutant)
        assert verdict.verdict != "holds", (mutant.text, verdict)


def test_kinks_are_found_in_every_piecewise_function() -> None:
    u, v = sp.symbols("u v", real=True)
    found = kink_arguments(
        [
            Relu(u),
            ReluPrime(v),
            sp.Abs(u - 1),
            sp.Heaviside(v + 2),
            sp.Max(u, v),
            sp.Piecewise((u, v > 3), (0, True)),
            sp.tanh(u),
        ]
    )
    differences = {sp.expand(f) for f in found} | {sp.expand(-f) for f in found}
    for expected in (u, v, u - 1, v + 2, u - v, v - 3):
        assert sp.expand(expected) in differences
    assert not kink_arguments([sp.tanh(u) * Sigmoid(v)])


def test_an_activation_outside_the_float_table_is_evaluated_from_its_sympy_form() -> None:
    u = sp.Symbol("u", real=True)
    function = float_activation(lambda z: sp.Max(sp.Rational(1, 10) * z, z))  # leaky ReLU
    assert function(2.0) == pytest.approx(2.0) and function(-2.0) == pytest.approx(-0.2)
    assert kink_arguments([sp.Max(sp.Rational(1, 10) * u, u)])


# Piecewise (SymPy's \begin{cases}, as derive prints Huber's derivative) --------------------------
HUBER_PRIME = (
    r"\frac{\partial C_0}{\partial a^{(L)}} = \begin{cases} a^{(L)} - y & \text{for}\: "
    r"\left|{a^{(L)} - y}\right| < 1 \\\operatorname{sign}{\left(a^{(L)} - y \right)} & "
    r"\text{otherwise} \end{cases}"
)


def test_cases_are_read_as_a_piecewise_built_from_the_tree() -> None:
    network = Network.from_widths((1, 1), "sigmoid", "huber")
    ground = Ground(network)
    right = Resolver(ground).value(parse_claim(HUBER_PRIME).sides[1], Scope())
    a, y = network.a(1, 0), network.y(0)
    expected = sp.Piecewise((a - y, sp.Abs(a - y) < 1), (sp.sign(a - y), True))
    assert isinstance(right, sp.Piecewise) and right == expected
    for values, branch in (({a: 0.2, y: 0.7}, -0.5), ({a: 0.9, y: -2.0}, 1.0)):
        assert evaluate(right, values) == pytest.approx(branch)


@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_a_true_huber_claim_holds_on_numbers_with_both_branches_reached(activation: str) -> None:
    # Without a proof, "holds" needs points on both sides of |a - y| = 1; a sigmoid output
    # reaches the far side only through targets outside [0, 1], which are then drawn.
    network = Network.from_widths((1, 1), activation, "huber")
    verdict = Checker(network, symbolic=False).check_text(HUBER_PRIME)
    assert verdict.verdict == "holds", verdict
    assert Checker(network).check_text(HUBER_PRIME).verdict == "holds"


HUBER_MUTATIONS = [
    # the far branch's sign flipped
    (r"{\left(a^{(L)} - y \right)}", r"{\left(y - a^{(L)} \right)}"),
    # the near branch's sign flipped
    (r"a^{(L)} - y & ", r"y - a^{(L)} & "),
    # the threshold moved
    (r"\right| < 1", r"\right| < 2"),
    (r"\right| < 1", r"\right| < \frac{1}{2}"),
    # the comparison turned round
    (r"\right| < 1", r"\right| > 1"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new"), HUBER_MUTATIONS)
@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_a_mutated_huber_branch_fails(activation: str, old: str, new: str) -> None:
    assert old in HUBER_PRIME
    network = Network.from_widths((1, 1), activation, "huber")
    verdict = Checker(network).check_text(HUBER_PRIME.replace(old, new))
    assert verdict.verdict == "fails", verdict


def test_a_cases_branch_with_a_wrong_word_is_a_syntax_error() -> None:
    network = Network.from_widths((1, 1), "sigmoid", "huber")
    verdict = Checker(network).check_text(HUBER_PRIME.replace("otherwise", "else"))
    assert verdict.verdict == "error" and "\\text{otherwise}" in verdict.diagnosis[0]
