"""Printers of graph formulas: :mod:`symchain.printing`'s printers taught the graph's own names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from .. import naming
from ..nodes import Partial, Sampled
from ..printing import NotationLatexPrinter, NotationUnicodePrinter
from .names import Name


class GraphLatexPrinter(NotationLatexPrinter):
    """LaTeX with every graph symbol written as in the graph (``w_x``, ``\\hat{y}_1``)."""

    _default_settings: dict[str, Any] = {**NotationLatexPrinter._default_settings, "names": {}}

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        name: Name | None = self._settings["names"].get(expr)
        if name is not None:
            return name.latex
        return super()._print_Symbol(expr, style)

    def _print_Sampled(self, expr: Sampled) -> str:  # noqa: N802
        sample = self._print(expr.sample)
        quantity = expr.quantity
        if isinstance(quantity, Partial):
            numerator = _sampled(self._print(quantity.numerator), sample)
            denominator = _sampled(self._print(quantity.denominator), sample)
            return rf"\frac{{\partial {numerator}}}{{\partial {denominator}}}"
        return _sampled(self._print(quantity), sample)

    def _print_tanh(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call(r"\tanh", expr, exp)

    def _print_log(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call(r"\ln", expr, exp)

    def _print_exp(self, expr: sp.Expr, exp: str | None = None) -> str:
        text = f"e^{{{self._print(expr.args[0])}}}"
        return f"\\left({text}\\right)^{{{exp}}}" if exp else text

    def _call(self, name: str, expr: sp.Expr, exp: str | None) -> str:
        power = f"^{{{exp}}}" if exp else ""
        return rf"{name}{power}\left({self._print(expr.args[0])}\right)"

    def words(self, text: str) -> str:
        """Words inside a formula."""
        return rf"\text{{{text}}}"


class GraphUnicodePrinter(NotationUnicodePrinter):
    """Unicode with every graph symbol written as in the graph (``w_x``, ``ŷ₁``)."""

    _default_settings: dict[str, Any] = {**NotationUnicodePrinter._default_settings, "names": {}}

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802
        name: Name | None = self._settings["names"].get(expr)
        if name is not None:
            return name.unicode
        return super()._print_Symbol(expr)

    def _print_Sampled(self, expr: Sampled) -> str:  # noqa: N802
        sample = self._print(expr.sample)
        quantity = expr.quantity
        if isinstance(quantity, Partial):
            numerator = self._sampled(quantity.numerator, sample)
            return f"∂{numerator}/∂{self._sampled(quantity.denominator, sample)}"
        return self._sampled(quantity, sample)

    def _sampled(self, quantity: sp.Expr, sample: str) -> str:
        text = self._print(quantity)
        if text == "C₀":
            return "C" + naming.unicode_subscript(sample)
        return f"{text}[{sample}]"

    def words(self, text: str) -> str:
        """Words inside a formula."""
        return text


def _sampled(text: str, sample: str) -> str:
    """A quantity on sample i: ``C_0`` becomes ``C_{i}``, ``h_1`` becomes ``{h_1^{[i]}}``."""
    if text == "C_0":
        return f"C_{{{sample}}}"
    return f"{{{{{text}}}^{{[{sample}]}}}}" if "^" in text else f"{{{text}^{{[{sample}]}}}}"


Printer = GraphLatexPrinter | GraphUnicodePrinter


def printers(names: Mapping[sp.Symbol, Name]) -> tuple[GraphLatexPrinter, GraphUnicodePrinter]:
    """The LaTeX and Unicode printers of a graph's names."""
    return GraphLatexPrinter({"names": names}), GraphUnicodePrinter({"names": names})
