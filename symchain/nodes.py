"""Inert SymPy nodes for what a derivation writes but never evaluates: Leibniz factors, samples."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.pretty.stringpict import prettyForm

from . import naming


class Partial(sp.Expr):
    """The Leibniz factor ∂f/∂x as a symbol-like, unevaluated node (``Partial(C_0, w)``).

    Unlike :class:`sympy.Derivative` it never evaluates, so a chain of such factors keeps the
    shape a person writes on paper; its value lives beside it in a :class:`~symchain.Factor`.
    ``sympy.latex`` prints it as ``\\frac{\\partial z_{0}^{(3)}}{\\partial w_{00}^{(3)}}``,
    ``sympy.pretty`` as a stacked fraction; ``str()`` keeps ``Partial(z_3_0, w_3_0_0)``.
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

    def _latex(self, printer: Any, **_: Any) -> str:
        """``\\frac{\\partial f}{\\partial x}``, the parts through any LaTeX ``printer``."""
        return (
            rf"\frac{{\partial {printer._print(self.numerator)}}}"
            rf"{{\partial {printer._print(self.denominator)}}}"
        )

    def _pretty(self, printer: Any, **_: Any) -> prettyForm:
        """∂f over ∂x, stacked."""
        d = "∂" if printer._use_unicode else "d"
        numerator = prettyForm(*printer._print(self.numerator).left(d))
        denominator = prettyForm(*printer._print(self.denominator).left(d))
        return numerator / denominator


class Sampled(sp.Expr):
    """A per-sample quantity: ``Sampled(a, i)`` is ``a`` evaluated on sample ``i`` of a batch.

    ``sympy.latex`` prints the sample as a bracketed superscript (``a_{0}^{(3)[i]}``, ``C_{i}``),
    ``sympy.pretty`` as ``a⁽³⁾₀[i]``.
    """

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

    def _latex(self, printer: Any, notation: naming.Notation | None = None, **_: Any) -> str:
        """The quantity with the sample as a superscript, in ``notation`` (default: absolute)."""
        sample = printer._print(self.sample)
        if self.quantity == naming.SAMPLE_LOSS:
            return f"C_{{{sample}}}"
        label = naming.label_of(self.quantity)
        if label is None:  # a graph's quantity or Leibniz factor
            text = printer._print(self.quantity)
            text = f"{{{text}}}" if self.quantity.is_Atom else rf"\left({text}\right)"
            return f"{text}^{{[{sample}]}}"
        return (notation or naming.SYMBOL_NOTATION).latex(label, sample=sample)

    def unicode(self, quantity: str, sample: str) -> str:
        """The Unicode form from the quantity's and the sample's text: ``a⁽ᴸ⁾₀[i]``, ``Cᵢ``."""
        if self.quantity == naming.SAMPLE_LOSS:
            return "C" + naming.unicode_subscript(sample)
        return f"{quantity}[{sample}]"

    def _pretty(self, printer: Any, **_: Any) -> prettyForm:
        quantity = printer._print(self.quantity)
        sample = printer.doprint(self.sample)
        if quantity.height() > 1 or not printer._use_unicode:
            return prettyForm(*quantity.right(f"[{sample}]"))
        return prettyForm(self.unicode(str(quantity), sample))
