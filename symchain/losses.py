"""Per-sample losses as data: C_0 as a sum over the outputs, its derivative and its notation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .errors import UnknownNameError


@dataclass(frozen=True)
class Loss:
    """A per-sample loss C_0 = Σ_j term(a_j^(L), y_j).

    Attributes:
        name: the name users type (``squared_error``).
        term: one output's contribution, from (a_j^(L), y_j).
        derivative: ∂C_0/∂a_j^(L) in closed form, written as on paper (``2(a - y)``).
        description: one line for help texts.
    """

    name: str
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]
    description: str

    def per_sample(self, outputs: list[sp.Expr], targets: list[sp.Expr]) -> sp.Expr:
        """C_0 for the given outputs a_j^(L) and targets y_j."""
        return sp.Add(*(self.term(a, y) for a, y in zip(outputs, targets, strict=True)))


def _keep(coefficient: sp.Expr, expr: sp.Expr) -> sp.Expr:
    """``coefficient·expr`` kept as written: SymPy would distribute 2(a - y) into 2a - 2y."""
    return sp.Mul(coefficient, expr, evaluate=False)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            name="squared_error",
            term=lambda a, y: (a - y) ** 2,
            derivative=lambda a, y: _keep(sp.Integer(2), a - y),
            description="C_0 = Σ_j (a_j - y_j)^2 (the seed's, the default)",
        ),
        Loss(
            name="half_squared_error",
            term=lambda a, y: sp.Rational(1, 2) * (a - y) ** 2,
            derivative=lambda a, y: a - y,
            description="C_0 = ½ Σ_j (a_j - y_j)^2",
        ),
        Loss(
            name="binary_cross_entropy",
            term=lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
            derivative=lambda a, y: (a - y) / (a * (1 - a)),
            description="C_0 = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], outputs in (0, 1)",
        ),
        Loss(
            name="cross_entropy",
            term=lambda a, y: -(y * sp.log(a)),
            derivative=lambda a, y: -y / a,
            description="C_0 = -Σ_j y_j ln a_j (with softmax outputs; targets summing to 1)",
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an :class:`UnknownNameError` lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise UnknownNameError(f"unknown loss {name!r}; known: {known}") from None
