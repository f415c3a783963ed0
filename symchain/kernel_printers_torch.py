"""SymPy's PyTorch code printer, taught the kernel table's primitives (imports torch)."""

from __future__ import annotations

import sympy as sp
from sympy.printing.pytorch import TorchPrinter

from .kernel_printers import _KernelPrinting
from .kernels import Amax, Direction, Maximum, Positive, Sum, Total, Where


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

    def _print_Direction(self, expr: Direction) -> str:
        arg = self._print(expr.args[0])
        return f"torch.copysign(torch.ones_like({arg}), {arg})"

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
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.amax(dim={ax}, keepdim=True)"

    def _print_Total(self, expr: Total) -> str:
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.sum(dim={ax}, keepdim=True)"

    def _print_Sum(self, expr: Sum) -> str:
        arr, ax = self._operand(expr.args[0]), self._axis(expr.args[1])
        return f"{arr}.sum(dim={ax})"
