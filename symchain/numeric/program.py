"""The straight-line program of a derivation: one assignment per z, a, C_0, δ and chain product.

Nothing is expanded: the forward definitions come from the network (z = Σ w a + b, a = σ(z)), the
backward ones from the derivation's chains. Every suffix of a chain (∂C_0/∂z_j^(l) and the
products behind it) becomes one variable shared by all chains that end the same way, so the work
stays linear in the number of parameters. Per layer, the program names the rows ∂C_0/∂z_j^(l) and
the inputs a_k^(l-1) whose products (∂z/∂w = a_k, ∂z/∂b = 1) give every parameter's gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import naming
from ..activations import DisplayFunction
from ..derivation import Chain, Derivation, Factor
from ..kernels import call
from ..network import Network
from ..pairs import get_pair
from .backends import NumericError
from .rules import LayerDelta, LayerLoss, Row, VectorActivation

LOSS_SYMBOL = sp.Symbol("C_0", real=True)


@dataclass(frozen=True)
class LayerSignals:
    """What one layer's gradients are made of.

    Attributes:
        layer: the absolute layer l.
        rows: ∂C_0/∂z_j^(l) for j = 0..n_l-1 (program symbols).
        inputs: a_k^(l-1) for k = 0..n_{l-1}-1 (x_k for the first layer).
    """

    layer: int
    rows: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]


@dataclass(frozen=True)
class Program:
    """Assignments in execution order, then the loss and each layer's gradient signals."""

    network: Network
    assignments: tuple[tuple[sp.Symbol, sp.Expr], ...]
    loss: sp.Symbol
    layers: tuple[LayerSignals, ...]


class _Builder:
    """Collects assignments; chain suffixes are memoized by their factor values."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.assignments: list[tuple[sp.Symbol, sp.Expr]] = []
        self.suffixes: dict[tuple[sp.Expr, ...], sp.Expr] = {}
        self.count = 0
        depth = network.depth
        loss = network.loss
        self.pair = get_pair(network.activation_of(depth), loss)
        # σ'(z) by its record's kernel (from a = σ(z) where that is cheaper, as PyTorch's
        # backward), ∂C_0/∂a by the loss's kernel, δ^(L) of a fused pair by the pair's kernel.
        self.replacements: dict[sp.Expr, sp.Expr] = {}
        for layer in range(1, depth + 1):
            activation = network.activation_of(layer)
            if not activation.elementwise or not activation.derivative_kernel:
                continue
            for j in range(network.widths[layer]):
                z = network.z(layer, j)
                prime = activation.derivative(z)
                if not isinstance(prime, DisplayFunction):
                    continue  # compiled as the derivation writes it
                arg = network.a(layer, j) if activation.derivative_from == "a" else z
                self.replacements[prime] = call(activation.derivative_kernel, arg)
        self.fused: dict[tuple[sp.Expr, sp.Expr], sp.Expr] = {}
        for j in range(network.widths[-1]):
            z, a, y = network.z(depth, j), network.a(depth, j), network.y(j)
            derivative = network.loss_derivative(j)
            self.replacements[derivative] = call(loss.derivative_kernel, a, y)
            if self.pair is not None and network.activation_of(depth).elementwise:
                prime = network.activation_of(depth).derivative(z)
                self.fused[(prime, derivative)] = call(self.pair.delta_kernel, z, a, y)
        # a layer pair (softmax): every δ_j^(L) is a row of the pair's kernel
        self.layer_delta: sp.Expr | None = None
        if self.pair is not None and not network.activation_of(depth).elementwise:
            width = range(network.widths[-1])
            self.layer_delta = LayerDelta(
                sp.Symbol(self.pair.delta_kernel),
                sp.Tuple(*(network.z(depth, j) for j in width)),
                sp.Tuple(*(network.a(depth, j) for j in width)),
                sp.Tuple(*(network.y(j) for j in width)),
            )
        self.layer_delta_symbol: sp.Symbol | None = None

    def vector_delta(self, j: int) -> sp.Expr:
        """δ_j^(L) of a layer pair: row j of its kernel's array (computed once)."""
        assert self.layer_delta is not None
        if self.layer_delta_symbol is None:
            self.layer_delta_symbol = self.assign(sp.Symbol("D_out", real=True), self.layer_delta)
        return Row(self.layer_delta_symbol, sp.Integer(j))

    def assign(self, symbol: sp.Symbol, expr: sp.Expr) -> sp.Symbol:
        self.assignments.append((symbol, expr))
        return symbol

    def fresh(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` itself when it is a symbol or number, else a new variable holding it."""
        if expr.is_Atom:
            return expr
        self.count += 1
        return self.assign(sp.Symbol(f"g_{self.count}", real=True), expr)

    def numeric(self, value: sp.Expr) -> sp.Expr:
        """A factor value with σ'(z) written in a = σ(z), and ∂C_0/∂a in its stable form."""
        return value.xreplace(self.replacements)

    def product(self, factors: tuple[Factor, ...]) -> sp.Expr:
        """The product of the factors' values, sharing every suffix with other chains."""
        values = tuple(f.value for f in factors)
        return self._suffix(values)

    def _suffix(self, values: tuple[sp.Expr, ...]) -> sp.Expr:
        known = self.suffixes.get(values)
        if known is not None:
            return known
        fused = self.fused.get(values) if len(values) == 2 else None
        if fused is not None:
            result = self.fresh(fused)
        elif len(values) == 1:
            result = self.fresh(self.numeric(values[0]))
        else:
            head = self.numeric(values[0])
            result = self.fresh(head * self._suffix(values[1:]))
        self.suffixes[values] = result
        return result

    def chain(self, chain: Chain) -> sp.Expr:
        """A chain's value: one shared product per term, summed."""
        terms = [self.product(term) for term in chain.terms]
        return terms[0] if len(terms) == 1 else self.fresh(sp.Add(*terms))


def build_program(derivation: Derivation) -> Program:
    """The straight-line program computing C_0 and each layer's gradient signals.

    Raises:
        NumericError: when the derivation covers only some parameters, or a chain does not
            start with ∂z/∂θ (a_k for a weight, 1 for a bias).
    """
    network = derivation.network
    if {g.parameter for g in derivation.parameters} != set(network.parameters):
        raise NumericError(
            "compiling needs the gradient of every parameter; derive the network without "
            "selecting parameters"
        )
    builder = _Builder(network)
    # Forward pass: the network's own definitions.
    for layer in range(1, network.depth + 1):
        width = network.widths[layer]
        for j in range(width):
            builder.assign(network.z(layer, j), network.preactivation(layer, j))
        activation = network.activation_of(layer)
        if activation.elementwise:
            for j in range(width):
                builder.assign(network.a(layer, j), network.activation(layer, j))
            continue
        if not activation.kernel:
            raise NumericError(
                f"no numeric kernel for the activation {activation.name!r}; give its record one"
            )
        zs = [network.z(layer, j) for j in range(width)]
        stacked = builder.assign(
            sp.Symbol(f"S_{layer}", real=True), VectorActivation(sp.Symbol(activation.kernel), *zs)
        )
        for j in range(width):
            builder.assign(network.a(layer, j), Row(stacked, sp.Integer(j)))
    builder.assign(LOSS_SYMBOL, _sample_loss(network, builder))
    # Backward pass: error terms (highest layer first), then each neuron's ∂C_0/∂z.
    depth = network.depth
    for term in derivation.errors:
        label = naming.label_of(term.symbol)
        if builder.layer_delta is not None and label is not None and label.layer == depth:
            assert label.j is not None
            builder.assign(term.symbol, builder.vector_delta(label.j))
            continue
        value = builder.chain(term.chain)
        builder.assign(term.symbol, value)
    rows: dict[tuple[int, int], sp.Expr] = {}
    for gradient in derivation.parameters:
        label = gradient.label
        assert label.layer is not None and label.j is not None
        local = _local_factor(network, label)
        if any(term[0].value != local for term in gradient.chain.terms):
            raise NumericError(
                f"the chain of {gradient.parameter} does not start with ∂z/∂θ = {local}; "
                "only chains from symchain's deriver can be compiled"
            )
        rest = Chain(
            gradient.chain.numerator,
            gradient.chain.target,
            tuple(term[1:] for term in gradient.chain.terms),
        )
        row = builder.chain(rest)
        key = (label.layer, label.j)
        if rows.setdefault(key, row) != row:
            raise NumericError(f"the chains of neuron {key} disagree on ∂C_0/∂z")
    layers = []
    for layer in range(1, network.depth + 1):
        named = []
        for j in range(network.widths[layer]):
            row = rows[(layer, j)]
            if not isinstance(row, sp.Symbol):
                row = builder.assign(sp.Symbol(f"r_{layer}_{j}", real=True), row)
            named.append(row)
        inputs = tuple(network.a(layer - 1, k) for k in range(network.widths[layer - 1]))
        layers.append(LayerSignals(layer, tuple(named), inputs))
    return Program(network, tuple(builder.assignments), LOSS_SYMBOL, tuple(layers))


def _local_factor(network: Network, label: naming.Label) -> sp.Expr:
    if label.kind is naming.Kind.WEIGHT:
        assert label.layer is not None and label.k is not None
        return network.a(label.layer - 1, label.k)
    return sp.S.One


def _sample_loss(network: Network, builder: _Builder) -> sp.Expr:
    """C_0 in its stable numeric form: the fused pair's kernel, else the loss's kernel."""
    depth = network.depth
    outputs = range(network.widths[-1])
    zs = [network.z(depth, j) for j in outputs]
    ys = list(network.targets)
    pair = builder.pair
    if pair is not None and not network.activation_of(depth).elementwise:
        return LayerLoss(sp.Symbol(pair.loss_kernel), sp.Tuple(*zs), sp.Tuple(*ys))
    if pair is not None:
        return sp.Add(*(call(pair.loss_kernel, z, y) for z, y in zip(zs, ys, strict=True)))
    kernel = network.loss.kernel
    return sp.Add(*(call(kernel, network.a(depth, j), network.y(j)) for j in outputs))
