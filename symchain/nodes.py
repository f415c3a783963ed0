"""Inert SymPy nodes for what a derivation writes but never evaluates: Leibniz factors, samples."""

from __future__ import annotations

import sympy as sp


class Partial(sp.Expr):
    """The Leibniz factor ∂f/∂x as a symbol-like, unevaluated node (``Partial(C_0, w)``).

    Unlike :class:`sympy.Derivative` it never evaluates, so a chain of such factors keeps the
    shape a person writes on paper; its value lives beside it in a :class:`~symchain.Factor`.
    """

    is_commutative = True

    def __new__(cls, numerator: sp.Expr, denominator: sp.Expr) -> Partial:
        return sp.Expr.__new__(cls, numerator, denominator)

    @property
    def numerator(self) -> sp.Expr:
        return self.args[0]  # type: ignore[return-value]

    @property
    def denominator(self) -> sp.Expr:
        return self.args[1]  # type: ignore[return-value]

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        return sp.S.Zero


class Sampled(sp.Expr):
    """A per-sample quantity: ``Sampled(a, i)`` is ``a`` evaluated on sample ``i`` of a batch."""

    is_commutative = True
    is_real = True

    def __new__(cls, quantity: sp.Expr, sample: sp.Expr) -> Sampled:
        return sp.Expr.__new__(cls, quantity, sample)

    @property
    def quantity(self) -> sp.Expr:
        return self.args[0]  # type: ignore[return-value]

    @property
    def sample(self) -> sp.Expr:
        return self.args[1]  # type: ignore[return-value]
