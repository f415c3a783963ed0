"""SymPy printers that write network symbols in the seed's notation, in LaTeX and in Unicode.

They sit beside :mod:`symchain.naming` (below the derivation) so that every object holding a
formula can show itself as math in Jupyter; the document renderers in :mod:`symchain.render`
build on them.

Both override only ``_print_<Class>`` methods and recurse through ``self._print``; the notation
(relative or absolute layers, which subscripts to drop) comes from
:class:`symchain.naming.Notation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.core.exprtools import decompose_power
from sympy.core.sorting import default_sort_key
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from . import naming
from .activations import display_names
from .nodes import Partial, Sampled

_SPECIAL_LATEX = {naming.SAMPLE_LOSS: "C_0", naming.BATCH_LOSS: "C", naming.BATCH_SIZE: "n"}
_SPECIAL_UNICODE = {naming.SAMPLE_LOSS: "C₀", naming.BATCH_LOSS: "C", naming.BATCH_SIZE: "n"}


# Symbols equal exactly when their type, name and assumptions are (``Symbol._hashable_content``;
# a Dummy's index or a Wild's exclusions also count, so those are looked up as any expression).
_SYMBOL_TYPES = (sp.Symbol, naming.NetworkSymbol)


class _Memo:
    """Prints each distinct subexpression (and product factor) once: derivations repeat the
    same factors many times."""

    def _factor(self, value: sp.Expr) -> str:
        if type(value) in _SYMBOL_TYPES:
            return self._print(value)  # a symbol needs no parentheses
        cache: dict[Any, str] = self.__dict__.setdefault("_factor_memo", {})
        try:
            return cache[value]
        except KeyError:
            text = cache[value] = self._bracketed(value)
            return text

    def _bracketed(self, value: sp.Expr) -> str:
        """A factor of a product, in parentheses where it needs them (each printer's own)."""
        raise NotImplementedError

    def _as_ordered_terms(self, expr: sp.Expr, order: Any = None) -> list[sp.Expr]:
        if (order or self.order) is None and expr.is_Add:  # type: ignore[attr-defined]
            terms = ordered_terms(expr)
            if terms is not None:
                return terms
        return super()._as_ordered_terms(expr, order=order)  # type: ignore[misc,no-any-return]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if kwargs:
            return str(super()._print(expr, **kwargs))  # type: ignore[misc]
        if type(expr) in _SYMBOL_TYPES:
            # Found by what makes two symbols equal: a network repeats its symbols as separate
            # (equal) objects once SymPy's cache has let them go, and comparing them is slow.
            symbols: dict[Any, str] = self.__dict__.setdefault("_symbol_memo", {})
            key = (type(expr), expr.name, expr._assumptions0)
            try:
                return symbols[key]
            except KeyError:
                text = symbols[key] = str(super()._print(expr))  # type: ignore[misc]
                return text
        cache: dict[Any, str] = self.__dict__.setdefault("_memo", {})
        try:
            return cache[expr]
        except KeyError:
            text = cache[expr] = str(super()._print(expr))  # type: ignore[misc]
            return text
        except TypeError:  # unhashable (lists, dicts)
            return str(super()._print(expr))  # type: ignore[misc]


class NotationLatexPrinter(_Memo, LatexPrinter):
    """LaTeX in the seed's notation: ``w_{10}^{(L)}``, ``\\sigma'(z^{(L)})``, Leibniz fractions."""

    printmethod = "_symchain_latex"
    _default_settings: dict[str, Any] = {
        **LatexPrinter._default_settings,
        "notation": None,
        "long_frac_ratio": 0,
    }

    @property
    def notation(self) -> naming.Notation:
        return self._settings["notation"]  # type: ignore[no-any-return]

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        if expr in _SPECIAL_LATEX:
            return _SPECIAL_LATEX[expr]
        label = naming.label_of(expr)
        if label is not None and self.notation is not None:
            return self.notation.latex(label)
        if isinstance(expr, naming.NetworkSymbol):  # no widths: as sympy.latex prints it
            return expr._latex(self)
        return str(super()._print_Symbol(expr, style=style))

    def _print_Partial(self, expr: Partial) -> str:  # noqa: N802
        return expr._latex(self)

    def _print_Sampled(self, expr: Sampled) -> str:  # noqa: N802
        return expr._latex(self, self.notation)

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:  # noqa: N802
        names = display_names(expr)
        if names is None:
            return str(super()._print_Function(expr, exp))
        text = f"{names[0]}({self._print(expr.args[0])})"
        return f"{text}^{{{exp}}}" if exp else text

    nabla = r"\nabla C"

    def product(self, values: Sequence[sp.Expr]) -> str:
        """Factors in the given order, juxtaposed as on paper (``\\cdot`` before a number)."""
        return _join_product([self._factor(v) for v in values], r" \cdot ")

    def batch_mean(self, body: str, bracketed: bool = False) -> str:
        """(1/n) Σ_i over the batch of ``body`` (in brackets when it is a product)."""
        if bracketed:
            body = rf"\left[{body}\right]"
        return rf"\frac{{1}}{{n}} \sum_{{i=0}}^{{n-1}} {body}"

    def column(self, entries: list[str]) -> str:
        return r"\begin{bmatrix} " + r" \\ ".join(entries) + r" \end{bmatrix}"

    def _bracketed(self, value: sp.Expr) -> str:
        text = self._print(value)
        if _needs_parentheses(value):
            return rf"\left({text}\right)"
        return text


class NotationUnicodePrinter(_Memo, StrPrinter):
    """Readable Unicode math in the seed's notation: ``w⁽ᴸ⁾₁₀``, ``σ'(z⁽ᴸ⁾)``, ``∂C₀/∂a⁽ᴸ⁾``."""

    # Its own print method, so that the ``_sympystr`` that display functions give ``str()``
    # never overrides this printer's notation.
    printmethod = "_symchain_str"

    _default_settings: dict[str, Any] = {**StrPrinter._default_settings, "notation": None}

    @property
    def notation(self) -> naming.Notation:
        return self._settings["notation"]  # type: ignore[no-any-return]

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802
        if expr in _SPECIAL_UNICODE:
            return _SPECIAL_UNICODE[expr]
        label = naming.label_of(expr)
        if label is not None and self.notation is not None:
            return self.notation.unicode(label)
        if label is not None and isinstance(expr, naming.NetworkSymbol):
            return naming.SYMBOL_NOTATION.unicode(label)  # no widths: as sympy.pretty prints it
        return str(super()._print_Symbol(expr))

    def _print_Partial(self, expr: Partial) -> str:  # noqa: N802
        return f"∂{self._print(expr.numerator)}/∂{self._print(expr.denominator)}"

    def _print_Sampled(self, expr: Sampled) -> str:  # noqa: N802
        return expr.unicode(self._print(expr.quantity), self._print(expr.sample))

    def _print_Function(self, expr: sp.Function) -> str:  # noqa: N802
        names = display_names(expr)
        if names is None:
            return str(super()._print_Function(expr))
        return f"{names[1]}({self._print(expr.args[0])})"

    def _print_Mul(self, expr: sp.Mul) -> str:  # noqa: N802
        return str(super()._print_Mul(expr)).replace("*", "·")

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:  # noqa: N802
        base, exponent = expr.args
        if exponent.is_Integer and int(exponent) > 1:
            return self.parenthesize(base, PRECEDENCE["Pow"]) + naming.unicode_superscript(
                str(exponent)
            )
        if exponent == sp.S.Half:
            return f"√({self._print(base)})"
        text = str(super()._print_Pow(expr, rational))
        return text.replace("**", "^")

    def _print_Sum(self, expr: sp.Sum) -> str:  # noqa: N802
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"])
        limits = []
        for index, low, high in expr.limits:
            limits.append(
                f"Σ_{{{self._print(index)}={self._print(low)}}}^{{{self._print(high)}}}"
            )
        return " ".join(limits) + " " + body

    def _print_exp(self, expr: sp.Expr) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_log(self, expr: sp.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    nabla = "∇C"

    def product(self, values: Sequence[sp.Expr]) -> str:
        """Factors in the given order, joined with ``·``."""
        return _join_product([self._factor(v) for v in values], " · ", always=True)

    def batch_mean(self, body: str, bracketed: bool = False) -> str:
        """(1/n) Σ_i over the batch of ``body`` (in brackets when it is a product)."""
        if bracketed:
            body = f"[{body}]"
        return f"(1/n) Σᵢ₌₀ⁿ⁻¹ {body}"

    def column(self, entries: list[str]) -> str:
        return "(" + ", ".join(entries) + ")ᵀ"

    def _bracketed(self, value: sp.Expr) -> str:
        text = self._print(value)
        if _needs_parentheses(value):
            return f"({text})"
        return text


def ordered_terms(expr: sp.Add) -> list[sp.Expr] | None:
    """The terms of ``expr`` in the order SymPy's printers write them (``as_ordered_terms()``),
    or None where this does not apply (a number among the terms, a non-commutative factor, an
    order term): SymPy's own algorithm step by step, without its slow steps for the sums
    derivations are made of (the coefficient 1 evaluated as a complex number, exponent tuples
    negated element by element). ``tests/test_printing_order.py`` holds it to SymPy's.
    """
    gens: set[sp.Expr] = set()
    terms = []
    for term in expr.args:
        if term.is_Number or term.is_NumberSymbol or term.is_Order:
            return None
        coeff, rest = term.as_coeff_Mul()
        value = _ONE if coeff is sp.S.One else complex(coeff)
        cpart: dict[sp.Expr, int] = {}
        if rest is not sp.S.One:
            for factor in sp.Mul.make_args(rest):
                if factor.is_number:
                    try:
                        value *= complex(factor)
                    except (TypeError, ValueError):
                        pass
                    else:
                        continue
                if not factor.is_commutative:
                    return None
                base, exponent = decompose_power(factor)
                cpart[base] = exponent
                gens.add(base)
        terms.append((term, value, cpart))
    index = {gen: i for i, gen in enumerate(sorted(gens, key=default_sort_key))}
    keyed = []
    for term, value, cpart in terms:
        negated = [0] * len(index)  # the exponents negated: lex order, highest first
        for base, exponent in cpart.items():
            negated[index[base]] = -exponent
        re, im = value.real, value.imag
        keyed.append(((tuple(negated), (), ((bool(im), im), (re, im))), term))
    keyed.sort(key=_first)
    return [term for _, term in keyed]


_ONE = complex(1)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _needs_parentheses(value: sp.Expr) -> bool:
    """An ordered product wraps sums and negative terms in parentheses."""
    if isinstance(value, sp.Add):
        return True
    return bool(precedence(value) < PRECEDENCE["Mul"] or value.could_extract_minus_sign())


def _join_product(texts: list[str], separator: str, always: bool = False) -> str:
    if always:
        return separator.join(texts)
    result = texts[0] if texts else "1"
    previous = result
    for text in texts[1:]:
        numeric = text[:1].isdigit() or previous.isdigit()
        result += (separator if numeric else " ") + text
        previous = text
    return result


def to_latex(expr: sp.Basic, widths: tuple[int, ...], style: str = "relative") -> str:
    """LaTeX of any expression over a network's symbols."""
    return NotationLatexPrinter({"notation": naming.Notation(widths, style)}).doprint(expr)


def to_unicode(expr: sp.Basic, widths: tuple[int, ...], style: str = "relative") -> str:
    """Unicode of any expression over a network's symbols."""
    return NotationUnicodePrinter({"notation": naming.Notation(widths, style)}).doprint(expr)
