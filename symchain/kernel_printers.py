"""SymPy's NumPy and JAX code printers, taught the kernel table's primitives.

Kept apart from :mod:`symchain.kernels`: only code generation needs these. The PyTorch printer is
in :mod:`symchain.kernel_printers_torch`, because importing SymPy's PyTorch printer imports torch
(over a second), which NumPy code never needs.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

from .kernels import (
    Amax,
    Call,
    Direction,
    Logistic,
    Maximum,
    Positive,
    Sum,
    SumAll,
    Total,
    Where,
)


class _KernelPrinting:
    """What every backend printer adds to SymPy's: the primitives, kernel calls and floats."""

    _module_name = "numpy"

    def _print_Call(self, expr: Call) -> str:
        args = ", ".join(self._print(arg) for arg in expr.args[1:])  # type: ignore[attr-defined]
        return f"_{expr.args[0]}({args})"

    def _print_Where(self, expr: Where) -> str:
        cond, then, other = (self._print(arg) for arg in expr.args)  # type: ignore[attr-defined]
        return f"{self._module_name}.where({cond}, {then}, {other})"

    def _print_Maximum(self, expr: Maximum) -> str:
        arr, floor = (self._print(arg) for arg in expr.args)  # type: ignore[attr-defined]
        return f"{self._module_name}.maximum({arr}, {floor})"

    def _print_Positive(self, expr: Positive) -> str:
        arg = self._print(expr.args[0])  # type: ignore[attr-defined]
        return f"({arg} > 0).astype({arg}.dtype)"

    def _print_Direction(self, expr: Direction) -> str:
        return f"{self._module_name}.copysign(1.0, {self._print(expr.args[0])})"  # type: ignore[attr-defined]

    def _axis(self, expr: sp.Expr) -> str:
        """An axis argument: an int literal or the kernel's ``axis`` parameter."""
        return str(int(expr)) if expr.is_Integer else str(self._print(expr))  # type: ignore[attr-defined]

    def _operand(self, expr: sp.Expr) -> str:
        """An array before ``.method()``: in parentheses unless it is a name."""
        text: str = self._print(expr)  # type: ignore[attr-defined]
        return text if expr.is_Symbol else f"({text})"

    def _print_Amax(self, expr: Amax) -> str:
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.max(axis={ax}, keepdims=True)"

    def _print_Total(self, expr: Total) -> str:
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.sum(axis={ax}, keepdims=True)"

    def _print_Sum(self, expr: Sum) -> str:
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.sum(axis={ax})"

    def _print_SumAll(self, expr: SumAll) -> str:
        return f"{self._operand(expr.args[0])}.sum()"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(int(expr))

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p}/{expr.q})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return "0.5"

    def _print_Pow(self, expr: sp.Pow, **kwargs: Any) -> str:
        if expr.is_number:  # √2 and the like: a float literal, fine for every backend
            return repr(float(expr))
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, 1000)}"  # type: ignore[attr-defined]
        return super()._print_Pow(expr, **kwargs)  # type: ignore[misc, no-any-return]


class NumpyKernelPrinter(_KernelPrinting, NumPyPrinter):
    """NumPy source (``import numpy``); erf from SciPy, the one function NumPy lacks.

    Integers print as float literals (``e + 1.0``): a Python float is a weak scalar that keeps
    the array's dtype, and NumPy resolves float-with-float loops faster than int-with-float (a
    third less time per call on small arrays, where the call is the cost).
    """

    def _print_Integer(self, expr: sp.Integer) -> str:
        return f"{int(expr)}.0"

    def _print_Pow(self, expr: sp.Pow, **kwargs: Any) -> str:
        if expr.exp == -1 and not expr.is_number:
            return f"1.0/{self.parenthesize(expr.base, 1000)}"
        if expr.exp.is_Integer and int(expr.exp) > 0 and not expr.is_number:
            return f"{self.parenthesize(expr.base, 1000)}**{int(expr.exp)}"  # NumPy's fast square
        return super()._print_Pow(expr, **kwargs)

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"scipy.special.erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"scipy.special.erfc({self._print(expr.args[0])})"


class JaxKernelPrinter(_KernelPrinting, JaxPrinter):
    """JAX source (``import jax.numpy``)."""

    _module_name = "jax.numpy"

    def _print_Direction(self, expr: Direction) -> str:
        # XLA selects in its fused loop (NumPy's where is slow; XLA's copysign is: 4-8-8-2 at
        # batch 1 took 1.7x as long with it). ±1 differs from copysign only at -0.0 and NaN,
        # where the kernels' results do not depend on it (σ(±0) = max(p, ±q) with p = q = 1/2).
        arg = self._print(expr.args[0])
        return f"jax.numpy.where({arg} >= 0, 1.0, -1.0)"

    def _print_Logistic(self, expr: Logistic) -> str:
        return f"jax.nn.sigmoid({self._print(expr.args[0])})"

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"jax.scipy.special.erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"jax.scipy.special.erfc({self._print(expr.args[0])})"


PRINTERS: dict[str, type[Any]] = {
    "numpy": NumpyKernelPrinter,
    "jax": JaxKernelPrinter,
}
