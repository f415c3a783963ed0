"""SymPy's NumPy, JAX and PyTorch code printers, taught the kernel table's primitives.

Kept apart from :mod:`symchain.kernels` because importing SymPy's PyTorch printer imports torch:
only code generation needs these.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.pytorch import TorchPrinter

from .kernels import Amax, Call, Maximum, Positive, Sum, SumAll, Total, Where


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

    def _operand(self, expr: sp.Expr) -> str:
        """An array before ``.method()``: in parentheses unless it is a name."""
        text: str = self._print(expr)  # type: ignore[attr-defined]
        return text if expr.is_Symbol else f"({text})"

    def _print_Amax(self, expr: Amax) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])  # type: ignore[attr-defined]
        return f"{arr}.max(axis={ax}, keepdims=True)"

    def _print_Total(self, expr: Total) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])  # type: ignore[attr-defined]
        return f"{arr}.sum(axis={ax}, keepdims=True)"

    def _print_Sum(self, expr: Sum) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])  # type: ignore[attr-defined]
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
    """NumPy source (``import numpy``); erf from SciPy, the one function NumPy lacks."""

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"scipy.special.erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"scipy.special.erfc({self._print(expr.args[0])})"


class JaxKernelPrinter(_KernelPrinting, JaxPrinter):
    """JAX source (``import jax.numpy``)."""

    _module_name = "jax.numpy"

    def _print_erf(self, expr: sp.Expr) -> str:
        return f"jax.scipy.special.erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"jax.scipy.special.erfc({self._print(expr.args[0])})"


class TorchKernelPrinter(_KernelPrinting, TorchPrinter):
    """PyTorch source (``import torch``)."""

    _module_name = "torch"

    def _print_Maximum(self, expr: Maximum) -> str:
        arr, floor = expr.args
        if floor.is_Number:
            return f"torch.clamp({self._print(arr)}, min={float(floor)!r})"
        return f"torch.maximum({self._print(arr)}, {self._print(floor)})"

    def _print_Positive(self, expr: Positive) -> str:
        arg = self._print(expr.args[0])
        return f"({arg} > 0).to({arg}.dtype)"

    def _print_log1p(self, expr: sp.Expr) -> str:
        return f"torch.log1p({self._print(expr.args[0])})"

    def _print_expm1(self, expr: sp.Expr) -> str:
        return f"torch.expm1({self._print(expr.args[0])})"

    def _print_erfc(self, expr: sp.Expr) -> str:
        return f"torch.special.erfc({self._print(expr.args[0])})"

    def _where(self, cond: sp.Basic, then: sp.Expr, other: sp.Expr) -> str:
        """``torch.where``; with two numbers it would be float32, so it takes the array's dtype."""
        arrays = sorted(cond.free_symbols, key=str)
        if then.is_number and other.is_number and arrays:
            like = self._print(arrays[0])
            then_text = f"{like}.new_tensor({float(then)!r})"
            other_text = f"{like}.new_tensor({float(other)!r})"
        else:
            then_text, other_text = self._print(then), self._print(other)
        return f"torch.where({self._print(cond)}, {then_text}, {other_text})"

    def _print_Where(self, expr: Where) -> str:
        return self._where(*expr.args)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        z, at_zero = expr.args[0], expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return self._where(z > 0, sp.S.One, sp.Piecewise((0, z < 0), (at_zero, True)))

    def _print_Max(self, expr: sp.Max) -> str:
        numbers = [arg for arg in expr.args if arg.is_number]
        arrays = [self._print(arg) for arg in expr.args if not arg.is_number]
        text = arrays[0]
        for other in arrays[1:]:
            text = f"torch.maximum({text}, {other})"
        return f"torch.clamp({text}, min={float(max(numbers))!r})" if numbers else text

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        (then, cond), *rest = expr.args
        if not rest:
            return str(self._print(then))
        other = sp.Piecewise(*rest) if len(rest) > 1 or rest[0][1] is not sp.true else rest[0][0]
        return self._where(cond, then, other)

    def _print_Amax(self, expr: Amax) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])
        return f"{arr}.amax(dim={ax}, keepdim=True)"

    def _print_Total(self, expr: Total) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])
        return f"{arr}.sum(dim={ax}, keepdim=True)"

    def _print_Sum(self, expr: Sum) -> str:
        arr, ax = self._operand(expr.args[0]), self._print(expr.args[1])
        return f"{arr}.sum(dim={ax})"


PRINTERS: dict[str, type[Any]] = {
    "numpy": NumpyKernelPrinter,
    "jax": JaxKernelPrinter,
    "torch": TorchKernelPrinter,
}
