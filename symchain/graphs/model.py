"""A network as equations: named quantities defined from inputs, parameters, targets and earlier
quantities, the last one being the loss (``C_0`` per sample, or ``C`` over a batch)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .names import GraphError, Name, default_name, quoted

# The loss written ``C`` spans a batch already; any other name is a per-sample loss.
BATCH_LOSS_NAMES = ("C",)


@dataclass(frozen=True)
class Equation:
    """``target = expr``; ``text`` and ``columns`` say where it was written (for messages)."""

    target: sp.Symbol
    expr: sp.Expr
    text: str | None = None
    columns: Mapping[sp.Symbol, int] = field(default_factory=dict, compare=False)

    def where(self, number: int) -> str:
        """``equation 2 'h_2 = ...'`` for messages."""
        text = self.text if self.text is not None else f"{self.target} = {self.expr}"
        return f"equation {number} {quoted(text)}"


@dataclass(frozen=True)
class Graph:
    """Named quantities and their definitions, validated; build with :meth:`Graph.build`.

    Attributes:
        parameters, inputs, targets: the leaves, in the order given.
        equations: the definitions in evaluation order; the last defines the loss.
        names: how every symbol is written (LaTeX, Unicode, identifier).
        warnings: one line per parameter or quantity that never reaches the loss.
    """

    parameters: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    equations: tuple[Equation, ...]
    names: Mapping[sp.Symbol, Name]
    warnings: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        parameters: Iterable[sp.Symbol],
        inputs: Iterable[sp.Symbol],
        targets: Iterable[sp.Symbol],
        equations: Sequence[Equation | tuple[sp.Symbol, sp.Expr]],
        names: Mapping[sp.Symbol, Name] | None = None,
    ) -> Graph:
        """Validate and order a graph.

        Raises:
            GraphError: an undefined name, a cycle, a name defined twice, no equations, or a
                loss used by another quantity; one line naming the equation (and column).
        """
        leaves = {"parameter": tuple(parameters), "input": tuple(inputs), "target": tuple(targets)}
        written = tuple(e if isinstance(e, Equation) else Equation(*e) for e in equations)
        if not written:
            raise GraphError("a graph needs at least one equation; the last one defines the loss")
        kinds: dict[sp.Symbol, str] = {}
        for kind, symbols in leaves.items():
            for s in symbols:
                if not isinstance(s, sp.Symbol):
                    raise GraphError(f"{kind} {s} is not a symbol")
                if s in kinds:
                    raise GraphError(f"{s} is declared twice (as {kinds[s]} and as {kind})")
                kinds[s] = kind
        defined: dict[sp.Symbol, int] = {}
        for number, equation in enumerate(written, 1):
            if equation.target in kinds:
                raise GraphError(
                    f"{equation.where(number)}: {equation.target} is defined twice "
                    f"(it is declared as {kinds[equation.target]})"
                )
            if equation.target in defined:
                raise GraphError(
                    f"{equation.where(number)}: {equation.target} is defined twice "
                    f"(first in equation {defined[equation.target]})"
                )
            defined[equation.target] = number
        for number, equation in enumerate(written, 1):
            for s in sorted(equation.expr.free_symbols, key=lambda s: _column(equation, s)):
                if s not in kinds and s not in defined:
                    raise GraphError(
                        f"{equation.where(number)}{_at(equation, s)}: {s} is not defined; "
                        "declare it in parameters, inputs or targets, or define it by an equation"
                    )
        loss = written[-1].target
        for number, equation in enumerate(written, 1):
            if loss in equation.expr.free_symbols:
                raise GraphError(
                    f"{equation.where(number)}{_at(equation, loss)}: the loss {loss} (the last "
                    "equation) is used here; the loss must come last and feed nothing"
                )
        ordered = _order(written, defined)
        all_names = {s: default_name(s) for s in (*kinds, *defined)}
        all_names.update({s: n for s, n in (names or {}).items() if s in all_names})
        _check_identifiers(all_names)
        graph = cls(leaves["parameter"], leaves["input"], leaves["target"], ordered, all_names)
        object.__setattr__(graph, "warnings", graph._unreached())
        return graph

    # Structure -------------------------------------------------------------------------------
    @property
    def loss(self) -> sp.Symbol:
        return self.equations[-1].target

    @property
    def per_sample(self) -> bool:
        """True when the loss is one sample's (C_0): gradients are then averaged over a batch."""
        return self.loss.name not in BATCH_LOSS_NAMES

    @cached_property
    def definitions(self) -> dict[sp.Symbol, sp.Expr]:
        return {e.target: e.expr for e in self.equations}

    @property
    def quantities(self) -> tuple[sp.Symbol, ...]:
        """Defined quantities in evaluation order (the loss last)."""
        return tuple(e.target for e in self.equations)

    @cached_property
    def consumers(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """For every symbol, the quantities whose definitions use it, in evaluation order."""
        result: dict[sp.Symbol, list[sp.Symbol]] = {}
        for equation in self.equations:
            for s in _ordered_symbols(equation.expr):
                result.setdefault(s, []).append(equation.target)
        return {s: tuple(users) for s, users in result.items()}

    @cached_property
    def reaching(self) -> frozenset[sp.Symbol]:
        """Every symbol the loss depends on (the loss included)."""
        reached = {self.loss}
        for equation in reversed(self.equations):
            if equation.target in reached:
                reached.update(equation.expr.free_symbols)
        return frozenset(reached)

    def composed(self) -> dict[sp.Symbol, sp.Expr]:
        """Every quantity written in inputs, parameters and targets (shared subexpressions)."""
        values: dict[sp.Symbol, sp.Expr] = {}
        for equation in self.equations:
            values[equation.target] = equation.expr.xreplace(values)
        return values

    def composed_loss(self) -> sp.Expr:
        """The loss written in inputs, parameters and targets."""
        return self.composed()[self.loss]

    def name(self, symbol: sp.Symbol) -> Name:
        return self.names[symbol]

    def symbol_named(self, key: str) -> sp.Symbol | None:
        """The symbol written ``key`` (LaTeX as written, Unicode or identifier), if any."""
        for s, n in self.names.items():
            if key in (n.latex, n.unicode, n.identifier, s.name):
                return s
        return None

    def _unreached(self) -> tuple[str, ...]:
        lines = []
        for p in self.parameters:
            if p not in self.reaching:
                lines.append(
                    f"parameter {self.names[p].latex} never reaches the loss "
                    f"{self.names[self.loss].latex}; its gradient is 0"
                )
        for q in self.quantities:
            if q not in self.reaching:
                lines.append(
                    f"quantity {self.names[q].latex} never reaches the loss "
                    f"{self.names[self.loss].latex}"
                )
        return tuple(lines)


def _ordered_symbols(expr: sp.Expr) -> list[sp.Symbol]:
    """Free symbols in a deterministic order (by name)."""
    return sorted(expr.free_symbols, key=lambda s: s.name)  # type: ignore[no-any-return]


def _column(equation: Equation, s: sp.Symbol) -> tuple[int, str]:
    return (equation.columns.get(s, 0), s.name)


def _at(equation: Equation, s: sp.Symbol) -> str:
    column = equation.columns.get(s)
    return f", column {column}" if column else ""


def _order(equations: tuple[Equation, ...], defined: dict[sp.Symbol, int]) -> tuple[Equation, ...]:
    """Equations in an evaluation order: as written where possible; a cycle is an error."""
    state: dict[sp.Symbol, int] = {}  # 1 visiting, 2 done
    result: list[Equation] = []
    by_target = {e.target: e for e in equations}

    def visit(target: sp.Symbol, path: list[sp.Symbol]) -> None:
        stack = [(target, iter(_ordered_symbols(by_target[target].expr)))]
        state[target] = 1
        trail = [*path, target]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in by_target:
                    continue
                if state.get(child) == 1:
                    cycle = trail[trail.index(child) :] + [child]
                    equation = by_target[node]
                    raise GraphError(
                        f"{equation.where(defined[node])}{_at(equation, child)}: cycle "
                        + " → ".join(str(s) for s in reversed(cycle))
                        + "; a quantity may use only quantities that do not depend on it"
                    )
                if child not in state:
                    state[child] = 1
                    trail.append(child)
                    stack.append((child, iter(_ordered_symbols(by_target[child].expr))))
                    break
            else:
                stack.pop()
                state[node] = 2
                trail.pop()
                result.append(by_target[node])

    for equation in equations:
        if equation.target not in state:
            visit(equation.target, [])
    # The loss was written last and nothing uses it, so it is visited last.
    return tuple(result)


def _check_identifiers(names: Mapping[sp.Symbol, Name]) -> None:
    seen: dict[str, sp.Symbol] = {}
    for s, n in names.items():
        other = seen.setdefault(n.identifier, s)
        if other != s:
            raise GraphError(
                f"{names[other].latex} and {n.latex} share the key {n.identifier!r}; rename one"
            )
