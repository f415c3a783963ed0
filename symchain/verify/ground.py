"""Ground truth for claims: true partial derivatives in local form, and float64 evaluation points.

"Local form" is an expression in the network's own quantities (x, y, w, b, z, a), with σ and σ'
as functions, exactly as the deriver writes chains. Evaluating it needs a point that holds values
for every quantity, so a point is made by a forward pass from random inputs, parameters and
targets; both sides of a claim are evaluated at the same point.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .. import naming
from ..activations import DisplayFunction, float_function, to_elementary
from ..derivation import Chain, Derivation
from ..deriver import derive, derive_activation
from ..network import Network
from ..nodes import Sampled

# Samples in a batch when a claim speaks of ∂C/∂θ = (1/n) Σ_i ∂C_i/∂θ.
BATCH_SIZE = 3


def _branch_differences(args: tuple[sp.Expr, ...]) -> list[sp.Expr]:
    return [left - right for left, right in itertools.combinations(args, 2)]


def _piecewise_conditions(args: tuple[sp.Expr, ...]) -> list[sp.Expr]:
    found = []
    for _, condition in args:  # type: ignore[misc]
        if isinstance(condition, sp.core.relational.Relational):
            found.append(condition.lhs - condition.rhs)
    return found


# SymPy functions with a kink: for each, the expressions whose sign picks the branch. Display
# functions (ReLU, ReLU', leaky ReLU, ...) are classified through their elementary form, so this
# table names no activation.
_KINKS: dict[type, Callable[[tuple[sp.Expr, ...]], list[sp.Expr]]] = {
    sp.Heaviside: lambda args: [args[0]],
    sp.Abs: lambda args: [args[0]],
    sp.sign: lambda args: [args[0]],
    sp.Max: _branch_differences,
    sp.Min: _branch_differences,
    sp.Piecewise: _piecewise_conditions,
}


def _display_kinks(kind: type) -> bool:
    """Whether a display function (σ, ReLU, ...) has a kink, judged by its elementary form."""
    if not (isinstance(kind, type) and issubclass(kind, DisplayFunction)):
        return False
    probe = sp.Symbol("probe", real=True)
    return bool(to_elementary(kind(probe)).atoms(*_KINKS))


def kink_arguments(expressions: Iterable[sp.Expr]) -> set[sp.Expr]:
    """Every expression whose sign switches a branch (a kink) somewhere in ``expressions``."""
    found: set[sp.Expr] = set()
    for expr in expressions:
        for node in expr.atoms(sp.Function, sp.Max, sp.Min):
            kind = type(node)
            if kind in _KINKS:
                found.update(_KINKS[kind](node.args))
            elif _display_kinks(kind):
                found.update(kink_arguments([to_elementary(node)]))
    return {arg for arg in found if not arg.is_Number}


def has_kink(expr: sp.Expr) -> bool:
    """Whether an expression (an activation applied to a symbol, say) has a kink."""
    return bool(kink_arguments([expr]))


_COMPARISONS: dict[type, Callable[[float, float], bool]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


class NotEvaluable(Exception):
    """An expression has no float value at a point (a log of a negative number, 0/0, ...)."""


def evaluate(expr: sp.Basic, values: dict[sp.Basic, float]) -> float:
    """``expr`` in float64 at ``values``; each shared subexpression is evaluated once."""
    memo: dict[sp.Basic, float] = {}

    def value(node: sp.Basic) -> float:
        known = memo.get(node)
        if known is not None:
            return known
        if node in values:
            result = values[node]
        elif node.is_Number:
            result = float(node)  # type: ignore[arg-type]
        elif isinstance(node, sp.Add):
            result = math.fsum(value(arg) for arg in node.args)
        elif isinstance(node, sp.Mul):
            result = math.prod(value(arg) for arg in node.args)
        elif isinstance(node, sp.Pow):
            result = value(node.base) ** value(node.exp)
            if isinstance(result, complex):
                raise NotEvaluable("complex value")
        elif node is sp.E:
            result = math.e
        elif (function := float_function(type(node))) is not None:
            result = function(value(node.args[0]))
        elif isinstance(node, sp.Heaviside):
            result = 1.0 if value(node.args[0]) > 0 else 0.0
        elif isinstance(node, sp.Max):
            result = max(value(arg) for arg in node.args)
        elif isinstance(node, sp.Min):
            result = min(value(arg) for arg in node.args)
        elif isinstance(node, sp.Piecewise):
            chosen = next((e for e, c in node.args if holds(c)), None)  # type: ignore[misc]
            if chosen is None:
                raise NotEvaluable("no branch of the piecewise expression applies")
            result = value(chosen)
        elif (elementary := to_elementary(node)) != node:
            result = value(elementary)  # a display function of several arguments (softmax)
        else:
            raise NotEvaluable(f"cannot evaluate {type(node).__name__}")
        if not math.isfinite(result):
            raise NotEvaluable("not finite")
        memo[node] = result
        return result

    def holds(condition: sp.Basic) -> bool:
        if condition is sp.true or condition is sp.false:
            return bool(condition)
        if isinstance(condition, sp.And | sp.Or):
            combine = all if isinstance(condition, sp.And) else any
            return combine(holds(c) for c in condition.args)
        if isinstance(condition, sp.Not):
            return not holds(condition.args[0])
        compare = _COMPARISONS.get(type(condition))
        if compare is None:
            raise NotEvaluable(f"cannot decide {type(condition).__name__}")
        return compare(value(condition.lhs), value(condition.rhs))  # type: ignore[attr-defined]

    try:
        return value(expr)
    except (OverflowError, ValueError, ZeroDivisionError, TypeError) as error:
        raise NotEvaluable(str(error)) from None


def _kind_rank(label: naming.Label) -> tuple[int, int]:
    """Position of a quantity in the forward graph: (layer, 0 for w/b, 1 for z, 2 for a)."""
    order = {
        naming.Kind.INPUT: 2,
        naming.Kind.WEIGHT: 0,
        naming.Kind.BIAS: 0,
        naming.Kind.PREACTIVATION: 1,
        naming.Kind.ACTIVATION: 2,
    }
    return (label.layer or 0, order.get(label.kind, 0))


@dataclass
class Ground:
    """The truth for one network: the derivation, local partials, evaluation points."""

    network: Network
    _derivation: Derivation | None = None
    _deltas: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    _activation_chains: dict[tuple[int, int], Chain] = field(default_factory=dict)
    _forward_plan: list[Any] | None = None
    _parameter_set: frozenset[sp.Symbol] | None = None
    _loss: sp.Expr = sp.S.Zero

    @property
    def parameter_set(self) -> frozenset[sp.Symbol]:
        """The network's weights and biases, for fast membership tests."""
        if self._parameter_set is None:
            self._parameter_set = frozenset(self.network.parameters)
        return self._parameter_set

    @property
    def derivation(self) -> Derivation:
        if self._derivation is None:
            self._derivation = derive(self.network)
        return self._derivation

    # Local truths --------------------------------------------------------------------------
    def activation_chain(self, layer: int, k: int) -> Chain:
        """∂C_0/∂a_k^(layer) as the deriver's chain."""
        key = (layer, k)
        if key not in self._activation_chains:
            self._activation_chains[key] = derive_activation(self.network, layer, k)
        return self._activation_chains[key]

    def delta(self, symbol: sp.Symbol) -> sp.Expr:
        """δ_j^(l) = σ'(z_j^(l)) ∂C_0/∂a_j^(l), in local form without δ."""
        if symbol not in self._deltas:
            label = naming.label_of(symbol)
            assert label is not None and label.layer is not None and label.j is not None
            net = self.network
            z = net.z(label.layer, label.j)
            activation = net.activation_of(label.layer)
            if activation.elementwise:
                derivative = activation.derivative(z)
                upstream = self.activation_chain(label.layer, label.j).value
                self._deltas[symbol] = derivative * self.without_errors(upstream)
            else:  # every a_m of the layer depends on z_j
                self._deltas[symbol] = sp.Add(
                    *(
                        sp.diff(net.activation(label.layer, m), z)
                        * self.without_errors(self.activation_chain(label.layer, m).value)
                        for m in range(net.widths[label.layer])
                    )
                )
        return self._deltas[symbol]

    def without_errors(self, expr: sp.Expr) -> sp.Expr:
        """Replace every δ in ``expr`` by its local value."""
        errors = [
            s
            for s in expr.free_symbols
            if (label := naming.label_of(s)) is not None and label.kind is naming.Kind.ERROR
        ]
        if not errors:
            return expr
        return expr.xreplace({s: self.delta(s) for s in errors})  # type: ignore[arg-type]

    def true_chain(self, numerator: sp.Symbol, denominator: sp.Symbol) -> Chain | None:
        """The deriver's chain for ∂C_0/∂(parameter or activation), where it has one."""
        if numerator != naming.SAMPLE_LOSS:
            return None
        if denominator in self.parameter_set:
            return self.derivation[denominator].chain
        label = naming.label_of(denominator)
        if label is not None and label.kind is naming.Kind.ACTIVATION:
            assert label.layer is not None and label.j is not None
            return self.activation_chain(label.layer, label.j)
        if label is not None and label.kind is naming.Kind.INPUT:
            assert label.j is not None
            return self.activation_chain(0, label.j)
        return None

    def partial(self, numerator: sp.Symbol, denominator: sp.Symbol) -> sp.Expr:
        """∂numerator/∂denominator (total derivative through the network), in local form."""
        chain = self.true_chain(numerator, denominator)
        if chain is not None:
            return self.without_errors(chain.value)
        label = naming.label_of(denominator)
        if (
            numerator == naming.SAMPLE_LOSS
            and label is not None
            and label.kind is naming.Kind.PREACTIVATION
        ):
            return self.delta(naming.error(label.layer, label.j))  # type: ignore[arg-type]
        expanded = self._expand(numerator, denominator)
        return sp.diff(expanded, denominator)

    def _expand(self, quantity: sp.Symbol, wrt: sp.Symbol) -> sp.Expr:
        """``quantity`` written through the definitions down to ``wrt`` (others stay symbols)."""
        net = self.network
        wrt_label = naming.label_of(wrt)
        memo: dict[sp.Symbol, sp.Expr] = {}

        def depends(label: naming.Label) -> bool:
            if wrt_label is None or wrt_label.kind is naming.Kind.TARGET:
                return False
            return _kind_rank(label) > _kind_rank(wrt_label)

        def expand(symbol: sp.Symbol) -> sp.Expr:
            if symbol == wrt:
                return symbol
            if symbol in memo:
                return memo[symbol]
            label = naming.label_of(symbol)
            result: sp.Expr = symbol
            if label is not None and label.layer is not None and depends(label):
                if label.kind is naming.Kind.ACTIVATION:
                    layer = label.layer
                    result = net.activation(layer, label.j).xreplace(  # type: ignore[arg-type]
                        {net.z(layer, m): expand(net.z(layer, m)) for m in range(net.widths[layer])}
                    )
                elif label.kind is naming.Kind.PREACTIVATION:
                    layer, j = label.layer, label.j
                    assert j is not None
                    result = sp.Add(
                        *(
                            net.w(layer, j, k) * expand(net.a(layer - 1, k))
                            for k in range(net.widths[layer - 1])
                        ),
                        expand(net.b(layer, j)),
                    )
            memo[symbol] = result
            return result

        if quantity == naming.SAMPLE_LOSS:
            outputs = [expand(net.a(net.depth, j)) for j in range(net.widths[-1])]
            return net.loss.per_sample(outputs, list(net.targets))
        return expand(quantity)

    # Points -----------------------------------------------------------------------------------
    def point(
        self,
        seed: int,
        samples: int = 1,
        signs: dict[tuple[int, int], int] | None = None,
        unit_targets: bool = False,
        wide_targets: bool = False,
    ) -> dict[sp.Basic, float]:
        """Random inputs, parameters and targets (seeded), spread in sign and scale, and every z
        and a per sample. ``signs`` puts sample 0's z of the given neurons (layer, j) on the
        given side of 0 (by choosing their biases); ``unit_targets`` makes each sample's
        targets sum to 1; ``wide_targets`` draws targets from [-2.5, 3.5] instead of
        [0.05, 0.95] (to reach the far branch of a loss's kink, as Huber's |a - y| < 1)."""
        rng = random.Random(seed)
        net = self.network
        base: dict[sp.Basic, float] = {p: _spread(rng) for p in net.parameters}
        for s in range(samples):
            values = {x: _spread(rng) for x in net.inputs}
            low, high = (-2.5, 3.5) if wide_targets else (0.05, 0.95)
            drawn = [round(rng.uniform(low, high), 3) for _ in net.targets]
            if unit_targets:
                total = sum(drawn)
                drawn = [t / total for t in drawn]
            values.update(dict(zip(net.targets, drawn, strict=True)))
            for symbol, value in values.items():
                base[_sampled(symbol, s)] = value
        targets = {
            neuron: sign * round(10 ** rng.uniform(-1.0, 0.2), 3)
            for neuron, sign in sorted((signs or {}).items())
        }
        return self.complete(base, samples, targets)

    def _plan(self) -> list[Any]:
        """The forward pass as plain data, per layer: [(z, a, [(w, a_prev)], b)], the float
        activation (None for a whole-layer one such as softmax) and the a_j expressions."""
        if self._forward_plan is None:
            net = self.network
            plan = []
            for layer in range(1, net.depth + 1):
                activation = net.activation_of(layer)
                function = float_activation(activation.apply) if activation.elementwise else None
                neurons = []
                for j in range(net.widths[layer]):
                    inputs = [
                        (net.w(layer, j, k), net.a(layer - 1, k))
                        for k in range(net.widths[layer - 1])
                    ]
                    neurons.append((net.z(layer, j), net.a(layer, j), inputs, net.b(layer, j)))
                outputs = [net.activation(layer, j) for j in range(net.widths[layer])]
                plan.append((neurons, function, outputs))
            self._forward_plan = plan
            self._loss = net.sample_loss()
        return self._forward_plan

    def complete(
        self,
        base: dict[sp.Basic, float],
        samples: int = 1,
        targets: dict[tuple[int, int], float] | None = None,
    ) -> dict[sp.Basic, float]:
        """``base`` (x, y, w, b per sample) plus z, a and C_0 from a forward pass per sample.

        ``targets`` gives sample 0's z for some neurons (layer, j); their biases are chosen so.
        """
        net = self.network
        plan = self._plan()
        parameters = self.parameter_set
        values = dict(base)
        wanted = {net.z(layer, j): value for (layer, j), value in (targets or {}).items()}
        for s in range(samples):
            local: dict[sp.Basic, float] = {p: values[p] for p in net.parameters}
            for symbol in (*net.inputs, *net.targets):
                local[symbol] = base[_sampled(symbol, s)]
            try:
                for neurons, function, outputs in plan:
                    for z, a, inputs, b in neurons:
                        weighted = math.fsum(local[w] * local[prev] for w, prev in inputs)
                        if s == 0 and z in wanted:
                            local[b] = values[b] = round(wanted[z] - weighted, 12)
                        total = weighted + local[b]
                        local[z] = total
                        if function is not None:
                            local[a] = function(total)
                    if function is None:
                        for (_, a, _, _), output in zip(neurons, outputs, strict=True):
                            local[a] = evaluate(output, local)
            except (OverflowError, ValueError) as error:
                raise NotEvaluable(str(error)) from None
            local[naming.SAMPLE_LOSS] = evaluate(self._loss, local)
            for symbol, value in local.items():
                if symbol not in parameters:
                    values[_sampled(symbol, s)] = value  # type: ignore[arg-type]
        values[naming.BATCH_SIZE] = float(samples)
        return values


def _spread(rng: random.Random) -> float:
    """A value of either sign whose size spans 0.1 .. 2 (three significant digits)."""
    return rng.choice((-1.0, 1.0)) * float(f"{10 ** rng.uniform(-1.0, 0.3):.3g}")


def float_activation(apply: Callable[[sp.Expr], sp.Expr]) -> Callable[[float], float]:
    """The float function behind an activation's SymPy builder."""
    probe = sp.Symbol("probe", real=True)
    built = apply(probe)
    if built == probe:
        return lambda v: v
    function = float_function(type(built))
    if function is not None:
        return function
    # An activation with no float value of its own: its SymPy form, evaluated per value.
    return lambda v: evaluate(built, {probe: v})


def _sampled(symbol: sp.Symbol, sample: int) -> sp.Basic:
    """Sample 0 is written without a sample index: C_0, a^(L) and x are the first sample's."""
    return symbol if sample == 0 else Sampled(symbol, sp.Integer(sample))


def sampled(expr: sp.Expr, sample: int) -> sp.Expr:
    """``expr`` with every per-sample quantity (x, y, z, a) taken on ``sample``."""
    if sample == 0:
        return expr
    per_sample = {
        naming.Kind.INPUT,
        naming.Kind.TARGET,
        naming.Kind.PREACTIVATION,
        naming.Kind.ACTIVATION,
    }
    mapping = {
        s: Sampled(s, sp.Integer(sample))
        for s in expr.free_symbols
        if (label := naming.label_of(s)) is not None and label.kind in per_sample
    }
    return expr.xreplace(mapping)  # type: ignore[arg-type]
