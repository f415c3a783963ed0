"""The deriver on graphs: for each parameter, the chain-rule products along every use, summed.

A parameter used in several equations (a shared weight) gets one product per use, labelled by the
quantity that uses it. Each product runs from the use towards the loss through quantities with one
consumer, and closes with the adjoint ∂C_0/∂q of the first quantity q that is *defined once and
reused*: one with several consumers, or one that several chains pass through (so a long recurrent
chain is written as its recursion, as in backpropagation through time). Every local factor
∂q/∂u is the derivative of one equation, computed once, so the work is linear in the graph's size.
The products come from the chain-rule engine (:mod:`symchain.chainrule`) the dense deriver uses too;
this module adds the graph's view: which quantities get an adjoint, and how it is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sympy as sp

from ..activations import to_elementary
from ..chainrule import ChainRule
from ..derivation import Factor, check_size
from ..errors import UnknownNameError
from ..nodes import Partial, Sampled
from .model import Graph
from .printing import printers

# Called as progress(done, total) while parameters are derived.
Progress = Callable[[int, int], None]

SAMPLE_INDEX = sp.Symbol("i", integer=True, nonnegative=True)
BATCH_SIZE = sp.Symbol("n", integer=True, positive=True)


@dataclass(frozen=True)
class Use:
    """One product of a chain: the factors from a use of a symbol (in ``where``) to the loss."""

    where: sp.Symbol
    factors: tuple[Factor, ...]

    @property
    def value(self) -> sp.Expr:
        return sp.Mul(*(f.value for f in self.factors))


@dataclass(frozen=True)
class Adjoint:
    """∂C_0/∂q for a quantity reused by several chains: one product per consumer of q."""

    quantity: sp.Symbol
    leibniz: Partial
    uses: tuple[Use, ...]

    @property
    def value(self) -> sp.Expr:
        return sp.Add(*(u.value for u in self.uses))


@dataclass(frozen=True)
class GraphGradient:
    """∂C_0/∂θ for one parameter: one product per use (none when θ never reaches the loss)."""

    parameter: sp.Symbol
    leibniz: Partial
    uses: tuple[Use, ...]

    @property
    def gradient(self) -> sp.Expr:
        """The sum of the products of the evaluated factors, in the graph's quantities."""
        return sp.Add(*(u.value for u in self.uses))


@dataclass(frozen=True)
class GraphDerivation:
    """A graph's derivation: adjoints (from the loss backwards), one gradient per parameter."""

    graph: Graph
    adjoints: tuple[Adjoint, ...]
    parameters: tuple[GraphGradient, ...]
    _expanded: dict[sp.Symbol, sp.Expr] = field(default_factory=dict, repr=False, compare=False)
    _composition: dict[sp.Basic, sp.Expr] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[GraphGradient]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def __getitem__(self, key: str | sp.Symbol) -> GraphGradient:
        """A parameter's gradient by symbol or by name (as written, Unicode or identifier)."""
        symbol = key if isinstance(key, sp.Symbol) else self.graph.symbol_named(key)
        for gradient in self.parameters:
            if gradient.parameter == symbol:
                return gradient
        known = ", ".join(self.graph.names[g.parameter].latex for g in self.parameters)
        raise UnknownNameError(f"no parameter {key!r} in this graph; parameters: {known}")

    @property
    def loss(self) -> sp.Symbol:
        return self.graph.loss

    def _repr_latex_(self) -> str:
        printer = printers(self.graph.names)[0]
        rows = []
        for gradient in self.parameters:
            value = " + ".join(printer.product([f.value for f in u.factors]) for u in gradient.uses)
            rows.append(f"{printer.doprint(gradient.leibniz)} &= {value or '0'}")
        return "$$\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}$$"

    def sampled(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with per-sample symbols (inputs, targets, quantities, adjoints) at sample i."""
        per_sample = set(self.graph.inputs) | set(self.graph.targets) | set(self.graph.quantities)
        mapping: dict[sp.Basic, sp.Basic] = {}
        for atom in expr.atoms(sp.Symbol, Partial):
            if atom in per_sample or isinstance(atom, Partial):
                mapping[atom] = Sampled(atom, SAMPLE_INDEX)
        return expr.xreplace(mapping)

    def batch(self, gradient: GraphGradient) -> sp.Expr:
        """∂C/∂θ = (1/n) Σ_i ∂C_i/∂θ with the per-sample gradient written out."""
        return (
            sp.Sum(self.sampled(gradient.gradient), (SAMPLE_INDEX, 0, BATCH_SIZE - 1)) / BATCH_SIZE
        )

    def composition(self) -> dict[sp.Basic, sp.Expr]:
        """Every quantity and adjoint written in inputs, parameters and targets (elementary)."""
        values = self._composition
        if not values:
            for equation in self.graph.equations:
                values[equation.target] = to_elementary(equation.expr).xreplace(values)
            for adjoint in self.adjoints:  # from the loss backwards: later adjoints come first
                values[adjoint.leibniz] = to_elementary(adjoint.value).xreplace(values)
        return values

    def expanded(self, parameter: str | sp.Symbol) -> sp.Expr:
        """∂C_0/∂θ in inputs, parameters and targets (elementary functions).

        Raises:
            TooLargeError: when the expanded form is larger than the printable limit.
        """
        gradient = self[parameter]
        if gradient.parameter not in self._expanded:
            expr = to_elementary(gradient.gradient).xreplace(self.composition())
            self._expanded[gradient.parameter] = check_size(expr, str(gradient.parameter))
        return self._expanded[gradient.parameter]

    def expanded_loss(self) -> sp.Expr:
        """The loss in inputs, parameters and targets (elementary functions)."""
        return check_size(to_elementary(self.graph.composed_loss()), str(self.loss))


class GraphEquations:
    """A graph as the chain-rule engine reads it: consumers that reach the loss, and each local
    factor ∂q/∂u differentiated from q's equation once, written back in q's name."""

    def __init__(self, graph: Graph) -> None:
        self.loss = graph.loss
        self._consumers = {
            s: tuple(c for c in users if c in graph.reaching)
            for s, users in graph.consumers.items()
        }
        self._definitions = graph.definitions
        self._local: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}

    def consumers(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        return self._consumers.get(symbol, ())

    def local(self, consumer: sp.Symbol, used: sp.Symbol) -> sp.Expr:
        """∂consumer/∂used from the consumer's equation, written back in the consumer's name."""
        key = (consumer, used)
        if key not in self._local:
            definition = self._definitions[consumer]
            value = sp.diff(definition, used)
            if not isinstance(definition, sp.Symbol) and not definition.is_number:
                value = value.xreplace({definition: consumer, 1 / definition: 1 / consumer})
            self._local[key] = value
        return self._local[key]


def derive_graph(
    graph: Graph,
    parameters: tuple[sp.Symbol, ...] | None = None,
    progress: Progress | None = None,
) -> GraphDerivation:
    """Chain-rule products for every parameter of ``graph`` (or the chosen ones)."""
    loss = graph.loss
    chosen = parameters if parameters is not None else graph.parameters
    equations = GraphEquations(graph)
    reused = _reused(graph, equations)
    # Every local derivative an equation contributes, taken equation by equation: SymPy's cache
    # then serves the assumptions each equation's derivatives share, and each diff stays cheap.
    wanted = set(chosen) | {q for q in graph.quantities if q in graph.reaching}
    for equation in graph.equations:
        if equation.target in graph.reaching:
            for used in sorted(equation.expr.free_symbols & wanted, key=lambda s: s.name):
                equations.local(equation.target, used)

    def closing(quantity: sp.Symbol) -> Factor | None:
        """A reused quantity's path ends at its adjoint ∂C_0/∂q, defined once."""
        if quantity in reused:
            adjoint = Partial(loss, quantity)
            return Factor(adjoint, adjoint)
        return None

    engine = ChainRule(equations, closing)

    def uses(symbol: sp.Symbol) -> tuple[Use, ...]:
        return tuple(Use(c, factors) for c, factors in engine.uses(symbol))

    adjoints = tuple(
        Adjoint(q, Partial(loss, q), uses(q)) for q in reversed(graph.quantities) if q in reused
    )
    gradients = []
    for done, parameter in enumerate(chosen):
        gradients.append(GraphGradient(parameter, Partial(loss, parameter), uses(parameter)))
        if progress is not None:
            progress(done + 1, len(chosen))
    if parameters is not None:
        adjoints = _needed(adjoints, [u for g in gradients for u in g.uses])
    return GraphDerivation(graph, adjoints, tuple(gradients))


def _needed(adjoints: tuple[Adjoint, ...], uses: list[Use]) -> tuple[Adjoint, ...]:
    """The adjoints the given uses refer to, directly or through other adjoints."""
    by_leibniz = {a.leibniz: a for a in adjoints}
    needed: set[Partial] = set()
    stack = [f.value for u in uses for f in u.factors if f.value in by_leibniz]
    while stack:
        leibniz = stack.pop()
        if leibniz not in needed:
            needed.add(leibniz)
            adjoint = by_leibniz[leibniz]
            stack.extend(f.value for u in adjoint.uses for f in u.factors if f.value in by_leibniz)
    return tuple(a for a in adjoints if a.leibniz in needed)


def _reused(graph: Graph, equations: GraphEquations) -> frozenset[sp.Symbol]:
    """Quantities whose adjoint is defined once: several consumers, or several chains through.

    ``entries[q]`` counts the chains that would pass through q: one per parameter in q's
    equation, one per reused quantity q consumes, and the chains of each other quantity it
    consumes. Computed in one pass in evaluation order.
    """
    parameters = set(graph.parameters)
    entries: dict[sp.Symbol, int] = {}
    reused: set[sp.Symbol] = set()
    for equation in graph.equations:
        q = equation.target
        if q == graph.loss or q not in graph.reaching:
            continue
        count = 0
        for s in equation.expr.free_symbols:
            if s in parameters:
                count += 1
            elif s in reused:
                count += 1
            else:
                count += entries.get(s, 0)
        entries[q] = count
        if count and (len(equations.consumers(q)) > 1 or count > 1):
            reused.add(q)
    return frozenset(reused)
