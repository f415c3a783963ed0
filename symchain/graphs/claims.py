"""Hand derivations on a graph, written in the file's own names, checked against the true values.

A claim is ``A = B (= C ...)`` in the equation grammar plus Leibniz factors
``\\frac{\\partial N}{\\partial D}``, e.g. ``\\frac{\\partial C_0}{\\partial w_h} = h_1 (1 - h_2^2)
\\frac{\\partial C_0}{\\partial h_2} + ...``. As in a derivation, ``∂N/∂D`` for a quantity N
whose equation uses D is the local factor (the derivative of that equation: ``∂h_2/∂w_h``);
otherwise, and always for the loss, it is the derivative of N with D held as an independent
variable (the composition stops at D): an adjoint ``∂C_0/∂h_1`` or a gradient ``∂C_0/∂w``.
Every link of the chain is compared numerically at seeded random points (parameters
uniform(-1, 1), inputs N(0, 1), targets uniform(0.05, 0.95)). Agreement is ``holds`` only where
it proves something: links whose sides are smooth (no Max, Heaviside, |x|, sign or Piecewise)
agree as analytic functions at random points, or their difference expands to 0; a link through a
kink that random points may all leave on one side is ``unproven`` unless it expands to 0.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..activations import to_elementary
from ..nodes import Partial
from .model import Graph
from .names import GraphError, quoted
from .parser import parse_claim
from .printing import printers

POINTS = 4
RELATIVE_TOLERANCE = 1e-9
# Functions with a kink: random points may all fall on one side of it, so agreement there
# proves nothing about the other side.
VERDICTS = ("holds", "fails", "unproven")
KINKS = (sp.Max, sp.Min, sp.Heaviside, sp.Abs, sp.sign, sp.Piecewise)


@dataclass(frozen=True)
class GraphVerdict:
    """``holds``, ``fails`` or ``unproven`` for one claim, with the method that decided it; a
    failing one carries its counterexample."""

    claim: str
    verdict: str
    counterexample: dict[str, Any] | None = None
    method: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "method": self.method,
            "counterexample": self.counterexample,
        }


class ClaimChecker:
    """Checks claims against one graph (its compositions are computed once)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.known = set(graph.names)
        self.points = [self._point(seed) for seed in range(POINTS)]
        self.composed = {q: to_elementary(v) for q, v in graph.composed().items()}

    def _point(self, seed: int) -> dict[sp.Symbol, float]:
        rng = random.Random(seed)
        point = {p: rng.uniform(-1, 1) for p in self.graph.parameters}
        point |= {x: rng.gauss(0, 1) for x in self.graph.inputs}
        point |= {y: rng.uniform(0.05, 0.95) for y in self.graph.targets}
        return point

    def check(self, text: str, where: str = "claim") -> GraphVerdict:
        """The verdict on one claim.

        Raises:
            GraphError: the claim is unreadable or names something the graph does not have.
        """
        parsed = parse_claim(text, f"{where} {quoted(text)}")
        for symbol, column in parsed.columns.items():
            if symbol not in self.known:
                raise GraphError(
                    f"{where} {quoted(text)}, column {column}: {symbol} is not a name of this "
                    f"graph; names: {', '.join(n.latex for n in self.graph.names.values())}"
                )
        sides = [self._resolve(side) for side in parsed.value]
        latex = printers(self.graph.names)[0]
        for point in self.points:
            values = [_value(side, point) for side in sides]
            for left, right in zip(values, values[1:], strict=False):
                if abs(left - right) > RELATIVE_TOLERANCE * max(1.0, abs(left), abs(right)):
                    return GraphVerdict(
                        text,
                        "fails",
                        {
                            "values": {latex.doprint(s): v for s, v in point.items()},
                            "left": left,
                            "right": right,
                        },
                    )
        return _proven(text, sides)

    def _resolve(self, side: sp.Expr) -> sp.Expr:
        """A side in leaves only: Leibniz factors by their true value, quantities composed."""
        partials = {p: self._partial(p) for p in side.atoms(Partial)}
        return to_elementary(side.xreplace(partials)).xreplace(self.composed)

    def _partial(self, partial: Partial) -> sp.Expr:
        numerator, denominator = partial.numerator, partial.denominator
        definitions = self.graph.definitions
        if numerator not in definitions:
            return sp.S.One if numerator == denominator else sp.S.Zero
        equation = definitions[numerator]
        if numerator != self.graph.loss and denominator in equation.free_symbols:
            return sp.diff(to_elementary(equation), denominator)  # a local factor of a chain
        cut: dict[sp.Basic, sp.Expr] = {}
        for equation in self.graph.equations:
            if equation.target == denominator:
                continue
            cut[equation.target] = to_elementary(equation.expr).xreplace(cut)
        return sp.diff(cut[numerator], denominator)


def _proven(text: str, sides: list[sp.Expr]) -> GraphVerdict:
    """The verdict on sides that agreed at every point: ``holds`` where that proves it."""
    smooth = True
    for left, right in zip(sides, sides[1:], strict=False):
        if left == right:
            continue
        if left.has(*KINKS) or right.has(*KINKS):
            if sp.expand(left - right) == 0:
                continue
            return GraphVerdict(
                text,
                "unproven",
                method=f"agreed at {POINTS} seeded points, but a side has a kink (max, step, "
                "|x|) those points may not cross, and the difference did not expand to 0",
            )
        smooth = False
    if smooth:
        # every link is identical or its difference expands to 0
        return GraphVerdict(text, "holds", method="symbolic")
    return GraphVerdict(
        text,
        "holds",
        method=f"numeric ({POINTS} seeded points of analytic sides, float64, relative "
        f"tolerance {RELATIVE_TOLERANCE:g})",
    )


def _value(expr: sp.Expr, point: dict[sp.Symbol, float]) -> float:
    value = expr.xreplace({s: sp.Float(v) for s, v in point.items()}).evalf()
    if not value.is_number or value.free_symbols:
        raise GraphError(f"cannot evaluate {expr}")  # every name was checked: a bug otherwise
    return float(sp.re(value)) if value.is_real is not False else float("nan")
