"""Ground truth for claims: true partial derivatives in local form, and float64 evaluation points.

"Local form" is an expression in the network's own quantities (x, y, w, b, z, a), with σ and σ'
as functions, exactly as the deriver writes chains. Evaluating it needs a point that holds values
for every quantity, so a point is made by a forward pass from random inputs, parameters and
targets; both sides of a claim are evaluated at the same point.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .. import naming
from ..activations import float_function
from ..derivation import Chain, Derivation
from ..deriver import derive, derive_activation
from ..network import Network
from ..nodes import Sampled

# Samples in a batch when a claim speaks of ∂C/∂θ = (1/n) Σ_i ∂C_i/∂θ.
BATCH_SIZE = 3


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
        else:
            raise NotEvaluable(f"cannot evaluate {type(node).__name__}")
        if not math.isfinite(result):
            raise NotEvaluable("not finite")
        memo[node] = result
        return result

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
            derivative = net.activation_of(label.layer).derivative(z)
            upstream = self.activation_chain(label.layer, label.j).value
            self._deltas[symbol] = derivative * self.without_errors(upstream)
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
                    act = net.activation_of(label.layer)
                    result = act.apply(expand(net.z(label.layer, label.j)))  # type: ignore[arg-type]
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
    def point(self, seed: int, samples: int = 1) -> dict[sp.Basic, float]:
        """Random inputs, parameters and targets (seeded) and every z and a, per sample."""
        rng = random.Random(seed)
        net = self.network
        base: dict[sp.Basic, float] = {p: round(rng.uniform(-1.5, 1.5), 3) for p in net.parameters}
        for s in range(samples):
            values = {x: round(rng.uniform(-1.0, 1.0), 3) for x in net.inputs}
            values.update({y: round(rng.uniform(0.05, 0.95), 3) for y in net.targets})
            for symbol, value in values.items():
                base[_sampled(symbol, s)] = value
        return self.complete(base, samples)

    def _plan(self) -> list[Any]:
        """The forward pass as plain data: (z, a, [(w, a_prev)], b, activation) per neuron."""
        if self._forward_plan is None:
            net = self.network
            plan = []
            for layer in range(1, net.depth + 1):
                function = _float_activation(net.activation_of(layer).apply)
                for j in range(net.widths[layer]):
                    inputs = [
                        (net.w(layer, j, k), net.a(layer - 1, k))
                        for k in range(net.widths[layer - 1])
                    ]
                    plan.append(
                        (net.z(layer, j), net.a(layer, j), inputs, net.b(layer, j), function)
                    )
            self._forward_plan = plan
            self._loss = net.sample_loss()
        return self._forward_plan

    def complete(self, base: dict[sp.Basic, float], samples: int = 1) -> dict[sp.Basic, float]:
        """``base`` (x, y, w, b per sample) plus z, a and C_0 from a forward pass per sample."""
        net = self.network
        plan = self._plan()
        parameters = self.parameter_set
        values = dict(base)
        for s in range(samples):
            local: dict[sp.Basic, float] = {p: base[p] for p in net.parameters}
            for symbol in (*net.inputs, *net.targets):
                local[symbol] = base[_sampled(symbol, s)]
            try:
                for z, a, inputs, b, function in plan:
                    total = math.fsum(local[w] * local[prev] for w, prev in inputs) + local[b]
                    local[z] = total
                    local[a] = function(total)
            except (OverflowError, ValueError) as error:
                raise NotEvaluable(str(error)) from None
            local[naming.SAMPLE_LOSS] = evaluate(self._loss, local)
            for symbol, value in local.items():
                if symbol not in parameters:
                    values[_sampled(symbol, s)] = value  # type: ignore[arg-type]
        values[naming.BATCH_SIZE] = float(samples)
        return values


def _float_activation(apply: Callable[[sp.Expr], sp.Expr]) -> Callable[[float], float]:
    """The float function behind an activation's SymPy builder."""
    probe = sp.Symbol("probe", real=True)
    built = apply(probe)
    if built == probe:
        return lambda v: v
    function = float_function(type(built))
    if function is None:
        raise NotEvaluable(f"no float value for {type(built).__name__}")
    return function


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
