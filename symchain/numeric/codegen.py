"""Python source from a program: one vectorized assignment per z, a, C_0, δ and chain product.

Only expressions built from symchain's own symbols are printed (their names are identifiers made
by :mod:`symchain.naming`); every function call goes through ``F``, the backend's
:class:`~symchain.numeric.backends.StableFunctions` (the kernels of :mod:`symchain.kernels`).
Anything the printer does not know raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from ..activations import DisplayFunction
from ..kernels import Call
from .backends import NumericError, StableFunctions
from .rules import LayerDelta, LayerLoss, Row, VectorActivation

# SymPy's own functions that have a kernel of the same name.
_SYMPY_KERNELS = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh"}

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FUNCTION_NAME = "_symchain_gradient"
STEP_NAME = "_symchain_step"  # the stacked code's whole step: mean loss and gradients
SAMPLE_NAME = "_symchain_sample"  # the same for a batch of one sample


def identifier(symbol: sp.Symbol) -> str:
    """The Python name of a program symbol (δ_2_1 is written d_2_1)."""
    name = symbol.name.replace("δ", "d")
    if not _IDENTIFIER.match(name):
        raise NumericError(f"symbol {symbol.name!r} has no safe Python name")
    return name


class ProgramPrinter(StrPrinter):
    """Prints program expressions as Python over arrays; functions become ``F.<name>(...)``."""

    # Its own print method, so that the ``_sympystr`` that display functions give ``str()``
    # (σ'(z), for people) never reaches generated code: every function is dispatched below.
    printmethod = "_symchain_program"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return identifier(expr)

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, Row):
            return f"{self._print(expr.args[0])}[{int(expr.args[1])}]"
        if isinstance(expr, VectorActivation):
            zs = ", ".join(self._print(z) for z in expr.args[1:])
            return f"F.layer_activation({str(expr.args[0])!r}, ({zs},))"
        if isinstance(expr, LayerLoss):
            zs = ", ".join(self._print(z) for z in expr.args[1])
            ys = ", ".join(self._print(y) for y in expr.args[2])
            return f"F.layer_loss({str(expr.args[0])!r}, ({zs},), ({ys},))"
        if isinstance(expr, LayerDelta):
            rows = [", ".join(self._print(v) for v in group) + "," for group in expr.args[1:]]
            return f"F.layer_delta({str(expr.args[0])!r}, ({rows[0]}), ({rows[1]}), ({rows[2]}))"
        if isinstance(expr, Call):
            name, args = str(expr.args[0]), expr.args[1:]
        elif isinstance(expr, DisplayFunction) and expr.kernel:
            name, args = expr.kernel, expr.args
        elif type(expr) in _SYMPY_KERNELS:
            name, args = _SYMPY_KERNELS[type(expr)], expr.args
        else:
            raise NumericError(
                f"no numeric kernel for {type(expr).__name__}; give its record a kernel "
                "(symchain.kernels)"
            )
        return f"F._{name}({', '.join(self._print(arg) for arg in args)})"

    def _print_exp(self, expr: sp.Expr) -> str:
        return self._print_Function(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p}/{expr.q})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == -1:
            return f"(1/{self.parenthesize(base, 1000)})"
        if exponent.is_Integer and int(exponent) > 0:
            return f"{self.parenthesize(base, 1000)}**{int(exponent)}"
        raise NumericError(f"no numeric form for the power {expr}")

    def emptyPrinter(self, expr: Any) -> str:  # noqa: N802 (SymPy's name)
        raise NumericError(f"no numeric form for {type(expr).__name__}")

    def _print_Basic(self, expr: sp.Basic) -> str:
        raise NumericError(f"no numeric form for {type(expr).__name__}")


def generate_source(program: Any, parameter_names: tuple[str, ...]) -> str:
    """The source of ``_symchain_gradient(params, X, Y, scale)`` for a :class:`Program`, one
    statement per neuron.

    It returns the per-sample losses C_0 (shape (batch, 1)) and, per layer, ∂C_0/∂z^(l) · scale
    (shape (batch, n_l)) and the inputs a^(l-1) (shape (batch, n_{l-1})), as the stacked code
    (:mod:`symchain.numeric.stacked`).
    """
    network = program.network
    printer = ProgramPrinter({"order": "none"})
    lines = [f"def {FUNCTION_NAME}(params, X, Y, scale):", "    n = X.shape[0]"]
    lines.append(f"    {', '.join(parameter_names)}, = params")
    for layer in range(1, network.depth + 1):
        rows, cols = network.widths[layer], network.widths[layer - 1]
        weights = [network.w(layer, j, k) for j in range(rows) for k in range(cols)]
        biases = [network.b(layer, j) for j in range(rows)]
        lines.append(f"    {_targets(weights)} = F.unpack(W{layer})")
        lines.append(f"    {_targets(biases)} = F.unpack(b{layer})")
    lines.append(f"    {_targets(list(network.inputs))} = F.columns(X)")
    lines.append(f"    {_targets(list(network.targets))} = F.columns(Y)")
    for symbol, expr in program.assignments:
        lines.append(f"    {identifier(symbol)} = {printer.doprint(expr)}")
    signals = []
    for signal in program.layers:
        rows_text = ", ".join(printer.doprint(r) for r in signal.rows)
        inputs_text = ", ".join(identifier(a) for a in signal.inputs)
        signals.append(f"(F.rows(({rows_text},), n).T * scale, F.rows(({inputs_text},), n).T)")
    lines.append(f"    return {identifier(program.loss)}[:, None], ({', '.join(signals)},)")
    return "\n".join(lines) + "\n"


def _targets(symbols: list[sp.Symbol]) -> str:
    return ", ".join(identifier(s) for s in symbols) + ","


def load_source(source: str, functions: StableFunctions) -> Callable[..., Any]:
    """Compile generated source (made only from symchain's own symbols) into a function."""
    return load_functions(source, functions, FUNCTION_NAME)[0]


def load_functions(
    source: str, functions: StableFunctions, *names: str
) -> tuple[Callable[..., Any], ...]:
    """The functions ``names`` of generated source (made only from symchain's own symbols)."""
    namespace: dict[str, Any] = {"F": functions}
    code = compile(source, "<symchain-generated>", "exec")
    exec(code, namespace)  # noqa: S102 - source printed from our own symbols, never user text
    return tuple(namespace[name] for name in names)
