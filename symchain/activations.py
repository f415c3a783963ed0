"""Activation functions as data: SymPy functions with closed-form derivatives and their notation.

Each activation is a pair of SymPy ``Function`` classes, the activation (``σ(z)``) and its
derivative (``σ'(z)``), so a chain keeps ``σ'(z)`` as written on paper while ``sympy.diff`` still
works through them. ``evaluated_derivative`` gives the closed form (``σ(z)(1-σ(z))``) and
``elementary`` rewrites either into functions every SymPy user has (``exp``, ``log``, ``Max``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.printing.precedence import PRECEDENCE

from . import kernels
from .errors import SpecError, UnknownNameError
from .kernels import Kernel, Maximum, Where


class DisplayFunction(sp.Function):
    """A function kept by name in formulas (σ, σ', ReLU, ...) that evaluates through its
    elementary form.

    Each class carries everything every stage needs to know about it: its LaTeX and Unicode
    names, its elementary form, the stable kernel that computes it on arrays
    (:mod:`symchain.kernels`) and its float value (for verify).
    """

    nargs = 1
    latex_name: ClassVar[str] = ""
    unicode_name: ClassVar[str] = ""
    kernel: ClassVar[str] = ""

    @staticmethod
    def elementary(z: sp.Expr) -> sp.Expr:
        """The function in SymPy's own functions (exp, log, Max, ...)."""
        raise NotImplementedError

    @classmethod
    def float_value(cls, v: float) -> float:
        """The value at a float: the elementary form in float64 (compiled once per class), or
        evaluated at 30 digits where float64 cannot (an overflow, a function it lacks)."""
        function = _FLOAT_FORMS.get(cls)
        if function is None:
            function = _FLOAT_FORMS[cls] = float_form(cls.elementary(_PROBE), _PROBE)
        if function is not _NO_FLOAT_FORM:
            try:
                return function(v)
            except (OverflowError, ValueError, ZeroDivisionError):
                pass
        return float(cls.elementary(sp.Float(v, 30)).evalf(30))

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        return self.elementary(self.args[0])._eval_evalf(prec)  # type: ignore[no-any-return]

    # SymPy's own printers: sympy.latex, sympy.pretty and str() write lecture notation (σ'(z)),
    # and sympy.lambdify computes through the elementary form.
    def _latex(self, printer: Any) -> str:
        return rf"{self.latex_name}\left({printer._print(self.args[0])}\right)"

    def _pretty(self, printer: Any) -> Any:
        return printer._print_Function(self, func_name=self.unicode_name)

    def _sympystr(self, printer: Any) -> str:
        return f"{self.unicode_name}({printer._print(self.args[0])})"

    def _code(self, printer: Any) -> str:
        """Any of SymPy's code printers (``lambdify``): the elementary form, in its language,
        bracketed where a function call would bind tighter."""
        return str(printer.parenthesize(self.elementary(self.args[0]), PRECEDENCE["Func"]))

    # The print method of each of SymPy's Python code printers (NumPy, SciPy, CuPy, JAX,
    # PyTorch, TensorFlow, math, mpmath, NumExpr, lambdify's own).
    _numpycode = _scipycode = _cupycode = _jaxcode = _tensorflowcode = _code
    _pythoncode = _mpmathcode = _numexprcode = _lambdacode = _code

    def _torchcode(self, printer: Any) -> str:
        # SymPy's PyTorch printer writes torch.sqrt(2), torch.heaviside(z, 0) and float32
        # constants; symchain's own keeps the tensor's dtype. It imports torch's printer, so it
        # loads here, when PyTorch code is printed, not with every command.
        from .kernel_printers_torch import TorchKernelPrinter

        inner = TorchKernelPrinter(printer._settings)
        text = str(inner.parenthesize(self.elementary(self.args[0]), PRECEDENCE["Func"]))
        for module, names in inner.module_imports.items():  # what lambdify must import
            printer.module_imports[module] |= names
        return text

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]


def _sigmoid_float(v: float) -> float:
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _sigmoid_elementary(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def _sigmoid_prime_elementary(z: sp.Expr) -> sp.Expr:
    s = _sigmoid_elementary(z)
    return s * (1 - s)


class Sigmoid(DisplayFunction):
    """The logistic sigmoid σ(z) = 1/(1 + e^{-z})."""

    latex_name, unicode_name, kernel = r"\sigma", "σ", "sigmoid"
    elementary = staticmethod(_sigmoid_elementary)
    float_value = staticmethod(_sigmoid_float)  # type: ignore[assignment]

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SigmoidPrime(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))


class SigmoidPrime(DisplayFunction):
    """σ'(z) = σ(z)(1 - σ(z))."""

    latex_name, unicode_name, kernel = r"\sigma'", "σ'", "sigmoid_prime"
    elementary = staticmethod(_sigmoid_prime_elementary)

    @staticmethod
    def float_value(v: float) -> float:  # type: ignore[override]
        e = math.exp(-abs(v))  # e^{-|z|}/(1 + e^{-|z|})^2: no cancellation at saturation
        return e / (1.0 + e) ** 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = Sigmoid(self.args[0])
        return s * (1 - s) * (1 - 2 * s)

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.exp(-z) / (1 + sp.exp(-z)) ** 2


class TanhPrime(DisplayFunction):
    """tanh'(z) = 1 - tanh(z)^2."""

    latex_name, unicode_name, kernel = r"\tanh'", "tanh'", "tanh_prime"

    @staticmethod
    def elementary(z: sp.Expr) -> sp.Expr:
        return 1 - sp.tanh(z) ** 2

    @staticmethod
    def float_value(v: float) -> float:  # type: ignore[override]
        e = math.exp(-2.0 * abs(v))  # 4e^{-2|z|}/(1 + e^{-2|z|})^2 = 1 - tanh^2, no cancellation
        return 4.0 * e / (1.0 + e) ** 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        t = sp.tanh(self.args[0])
        return -2 * t * (1 - t**2)

    def _eval_rewrite_as_tanh(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 - sp.tanh(z) ** 2


class Relu(DisplayFunction):
    """ReLU(z) = max(0, z)."""

    latex_name, unicode_name, kernel = r"\operatorname{ReLU}", "ReLU", "relu"

    @staticmethod
    def elementary(z: sp.Expr) -> sp.Expr:
        return sp.Max(0, z)

    @staticmethod
    def float_value(v: float) -> float:  # type: ignore[override]
        return max(0.0, v)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return ReluPrime(self.args[0])

    def _eval_rewrite_as_Max(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.Max(0, z)


class ReluPrime(DisplayFunction):
    """ReLU'(z): 1 for z > 0, else 0 (PyTorch's convention at z = 0)."""

    latex_name, unicode_name, kernel = r"\operatorname{ReLU}'", "ReLU'", "relu_prime"

    @staticmethod
    def elementary(z: sp.Expr) -> sp.Expr:
        return sp.Heaviside(z, 0)

    @staticmethod
    def float_value(v: float) -> float:  # type: ignore[override]
        return 1.0 if v > 0 else 0.0

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero

    def _eval_rewrite_as_Heaviside(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.Heaviside(z, 0)


class Softplus(DisplayFunction):
    """softplus(z) = ln(1 + e^z)."""

    latex_name, unicode_name, kernel = r"\operatorname{softplus}", "softplus", "softplus"

    @staticmethod
    def elementary(z: sp.Expr) -> sp.Expr:
        return sp.log(1 + sp.exp(z))

    @staticmethod
    def float_value(v: float) -> float:  # type: ignore[override]
        return max(v, 0.0) + math.log1p(math.exp(-abs(v)))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SoftplusPrime(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(z))


class SoftplusPrime(DisplayFunction):
    """softplus'(z) = σ(z)."""

    latex_name, unicode_name = r"\operatorname{softplus}'", "softplus'"
    kernel = "softplus_prime"
    elementary = staticmethod(_sigmoid_elementary)
    float_value = staticmethod(_sigmoid_float)  # type: ignore[assignment]

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SigmoidPrime(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))


class Softmax(sp.Function):
    """softmax_j(z) = e^{z_j} / Σ_k e^{z_k}: ``Softmax(j, z_0, ..., z_{n-1})`` (j an Integer)."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex == 1:
            return sp.S.Zero
        j, zs = self.args[0], self.args[1:]
        i = argindex - 2
        same = sp.S.One if int(j) == i else sp.S.Zero
        return self * (same - Softmax(sp.Integer(i), *zs))

    @staticmethod
    def elementary(j: sp.Expr, *zs: sp.Expr) -> sp.Expr:
        """e^{z_j} / Σ_k e^{z_k} in SymPy's own functions."""
        return sp.exp(zs[int(j)]) / sp.Add(*(sp.exp(z) for z in zs))

    def _symchain_latex(self, printer: Any) -> str:
        zs = ", ".join(printer._print(z) for z in self.args[1:])
        return rf"\operatorname{{softmax}}_{{{self.args[0]}}}({zs})"

    def _sympystr(self, printer: Any) -> str:
        zs = ", ".join(printer._print(z) for z in self.args[1:])
        return f"softmax{str(self.args[0]).translate(_SUB_DIGITS)}({zs})"

    _symchain_str = _sympystr


_SUB_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def softmax_elementary(zs: Sequence[sp.Expr], j: int) -> sp.Expr:
    """e^{z_j} / Σ_k e^{z_k} in SymPy's own functions."""
    return sp.exp(zs[j]) / sp.Add(*(sp.exp(z) for z in zs))


def _vector_only(z: sp.Expr) -> sp.Expr:
    raise SpecError(
        "softmax is not elementwise: it acts on a whole output layer; "
        "use it as the last layer's activation only, e.g. --activation sigmoid,softmax"
    )


def _identity(z: sp.Expr) -> sp.Expr:
    return z


def _one(z: sp.Expr) -> sp.Expr:
    return sp.S.One


@dataclass(frozen=True)
class Activation:
    """An activation: how to build it, its derivative, how it is written and computed.

    Attributes:
        name: the name users type (``sigmoid``).
        apply: builds σ(z) as a SymPy expression in display form.
        derivative: builds σ'(z) in display form (kept as ``σ'(z)`` in a chain).
        evaluated_derivative: σ'(z) in closed form (``σ(z)(1 - σ(z))``).
        elementary: σ(z) in functions every SymPy user has (``1/(1 + exp(-z))``).
        elementary_derivative: σ'(z) likewise.
        latex: the LaTeX of the function's name (``\\sigma``); empty for the identity.
        unicode: the same in Unicode (``σ``).
        description: one line for help texts.
        output_range: the set the outputs lie in (a loss refuses outputs outside its domain).
        kernel: the stable array kernel computing σ (:mod:`symchain.kernels`); empty for the
            identity.
        derivative_kernel: the kernel computing σ'; empty when σ' is 1 or not elementwise.
        derivative_from: ``"z"`` when that kernel takes z, ``"a"`` when it takes a = σ(z).
        joint_kernel: a kernel giving (σ(z), σ'(z)) from z in one pass (sharing exponentials);
            empty: ``kernel`` and ``derivative_kernel`` separately.
        torch: the reference for ``check``: (torch, z tensor) -> σ(z) (PyTorch's own function).
        kernels_from: builds :attr:`own_kernels`, the kernels of this record outside the shared
            table (a registered activation's σ and σ' printed from its expression), on first use.
        elementwise: False for an activation of the whole layer (softmax); its ``vector``
            builds a_j from every z of the layer, and it may only be the output activation.
        vector: for a non-elementwise activation, a_j from (z_0 .. z_{n-1}, j) in display form.
        vector_elementary: the same in SymPy's own functions.
    """

    name: str
    apply: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr], sp.Expr]
    evaluated_derivative: Callable[[sp.Expr], sp.Expr]
    elementary: Callable[[sp.Expr], sp.Expr]
    elementary_derivative: Callable[[sp.Expr], sp.Expr]
    latex: str
    unicode: str
    description: str
    output_range: sp.Set = sp.S.Reals
    kernel: str = ""
    derivative_kernel: str = ""
    derivative_from: str = "z"
    joint_kernel: str = ""
    torch: Callable[[Any, Any], Any] | None = None
    kernels_from: Callable[[], tuple[Kernel, ...]] = tuple
    elementwise: bool = True
    vector: Callable[[Sequence[sp.Expr], int], sp.Expr] | None = None
    vector_elementary: Callable[[Sequence[sp.Expr], int], sp.Expr] | None = None

    @property
    def own_kernels(self) -> tuple[Kernel, ...]:
        """The kernels of this record outside the shared table (see ``kernels_from``)."""
        return self.kernels_from()


ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        Activation(
            name="sigmoid",
            apply=Sigmoid,
            derivative=SigmoidPrime,
            evaluated_derivative=lambda z: Sigmoid(z) * (1 - Sigmoid(z)),
            elementary=_sigmoid_elementary,
            elementary_derivative=_sigmoid_prime_elementary,
            latex=r"\sigma",
            unicode="σ",
            description="logistic sigmoid σ(z) = 1/(1 + e^(-z)) (the default)",
            output_range=sp.Interval.open(0, 1),
            kernel="sigmoid",
            derivative_kernel="sigmoid_prime",
            joint_kernel="sigmoid_and_prime",
            torch=lambda torch, z: torch.sigmoid(z),
        ),
        Activation(
            name="tanh",
            apply=sp.tanh,
            derivative=TanhPrime,
            evaluated_derivative=lambda z: 1 - sp.tanh(z) ** 2,
            elementary=sp.tanh,
            elementary_derivative=lambda z: 1 - sp.tanh(z) ** 2,
            latex=r"\tanh",
            unicode="tanh",
            description="hyperbolic tangent",
            output_range=sp.Interval.open(-1, 1),
            kernel="tanh",
            derivative_kernel="tanh_prime",
            torch=lambda torch, z: torch.tanh(z),
        ),
        Activation(
            name="relu",
            apply=Relu,
            derivative=ReluPrime,
            evaluated_derivative=lambda z: sp.Heaviside(z, 0),
            elementary=lambda z: sp.Max(0, z),
            elementary_derivative=lambda z: sp.Heaviside(z, 0),
            latex=r"\operatorname{ReLU}",
            unicode="ReLU",
            description="rectified linear unit max(0, z); derivative 0 at z = 0 (as PyTorch)",
            output_range=sp.Interval(0, sp.oo),
            kernel="relu",
            derivative_kernel="relu_prime",
            torch=lambda torch, z: torch.nn.functional.relu(z),
        ),
        Activation(
            name="linear",
            apply=_identity,
            derivative=_one,
            evaluated_derivative=_one,
            elementary=_identity,
            elementary_derivative=_one,
            latex="",
            unicode="",
            description="identity a = z",
            torch=lambda torch, z: z,
        ),
        Activation(
            name="softplus",
            apply=Softplus,
            derivative=SoftplusPrime,
            evaluated_derivative=lambda z: Sigmoid(z),
            elementary=lambda z: sp.log(1 + sp.exp(z)),
            elementary_derivative=_sigmoid_elementary,
            latex=r"\operatorname{softplus}",
            unicode="softplus",
            description="softplus ln(1 + e^z), whose derivative is σ(z)",
            output_range=sp.Interval.open(0, sp.oo),
            kernel="softplus",
            derivative_kernel="softplus_prime",
            torch=lambda torch, z: torch.nn.functional.softplus(z),
        ),
        Activation(
            name="softmax",
            apply=_vector_only,
            derivative=_vector_only,
            evaluated_derivative=_vector_only,
            elementary=_vector_only,
            elementary_derivative=_vector_only,
            latex=r"\operatorname{softmax}",
            unicode="softmax",
            description="softmax e^(z_j)/Σ_k e^(z_k) over the output layer (last layer only)",
            # 1 exactly when the layer has one neuron
            output_range=sp.Interval.Lopen(0, 1),
            kernel="softmax",
            torch=lambda torch, z: torch.softmax(z, dim=1),
            elementwise=False,
            vector=lambda zs, j: Softmax(sp.Integer(j), *zs),
            vector_elementary=softmax_elementary,
        ),
    )
}

# Functions of SymPy's own that chains and losses use, with their float values (for verify).
_MATH_FUNCTIONS: dict[type, Callable[[float], float]] = {
    sp.tanh: math.tanh,
    sp.exp: math.exp,
    sp.log: math.log,
    sp.Abs: abs,
    sp.sign: lambda v: float((v > 0) - (v < 0)),
    sp.erf: math.erf,
    sp.erfc: math.erfc,
    sp.cosh: math.cosh,
    sp.sinh: math.sinh,
    expm1: math.expm1,
}


_PROBE = sp.Dummy("v", real=True)
_FloatForm = Callable[[float], float]


def _no_float_form(v: float) -> float:
    raise ValueError("no float64 form")


_NO_FLOAT_FORM: _FloatForm = _no_float_form
_FLOAT_FORMS: dict[type, _FloatForm] = {}
_COMPARE: dict[type, Callable[[float, float], bool]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
}


def float_form(expr: sp.Basic, variable: sp.Symbol) -> _FloatForm:
    """``expr`` as a float64 function of ``variable``, built from its tree (sums, products,
    powers, the functions of ``_MATH_FUNCTIONS``, Max, Min, Piecewise of comparisons);
    ``_NO_FLOAT_FORM`` when it holds anything else."""
    try:
        return _compile(expr, variable)
    except LookupError:
        return _NO_FLOAT_FORM


def _compile(node: sp.Basic, variable: sp.Symbol) -> _FloatForm:
    if node == variable:
        return lambda v: v
    if node.is_Number or node.is_NumberSymbol:
        constant = float(node)  # type: ignore[arg-type]
        return lambda v: constant
    if isinstance(node, sp.Piecewise):
        return _compile_piecewise(node, variable)
    if isinstance(node, sp.Add) and len(node.args) == 2 and sp.S.NegativeOne in node.args:
        (other,) = [arg for arg in node.args if arg is not sp.S.NegativeOne]
        if isinstance(other, sp.exp):  # e^u - 1 without cancellation near u = 0 (ELU)
            inner = _compile(other.args[0], variable)
            return lambda v: math.expm1(inner(v))
    parts = [_compile(arg, variable) for arg in node.args]
    if isinstance(node, sp.Add):
        return lambda v: math.fsum(p(v) for p in parts)
    if isinstance(node, sp.Mul):
        return lambda v: math.prod(p(v) for p in parts)
    if isinstance(node, sp.Pow):
        base, power = parts
        return lambda v: float(base(v) ** power(v))
    if isinstance(node, (sp.Max, sp.Min)):
        pick = max if isinstance(node, sp.Max) else min
        return lambda v: pick(p(v) for p in parts)
    function = _MATH_FUNCTIONS[type(node)]  # LookupError: not a float64 function
    if len(parts) != 1:
        raise LookupError(type(node).__name__)
    (inner,) = parts
    return lambda v: function(inner(v))


def _compile_piecewise(node: sp.Piecewise, variable: sp.Symbol) -> _FloatForm:
    Test = tuple[Callable[[float, float], bool], _FloatForm, _FloatForm]
    pieces: list[tuple[_FloatForm, Test | None]] = []
    for expr, cond in node.args:  # type: ignore[misc]
        if cond is sp.true:
            pieces.append((_compile(expr, variable), None))
            continue
        compare = _COMPARE[type(cond)]  # LookupError: not a comparison of floats
        lhs, rhs = _compile(cond.lhs, variable), _compile(cond.rhs, variable)
        pieces.append((_compile(expr, variable), (compare, lhs, rhs)))

    def piecewise(v: float) -> float:
        for value, test in pieces:
            if test is None or test[0](test[1](v), test[2](v)):
                return value(v)
        raise ValueError("no branch applies")

    return piecewise


def display_names(expr: sp.Basic) -> tuple[str, str] | None:
    """(LaTeX, Unicode) name of a display function (σ, σ', ReLU, ...), else None."""
    if isinstance(expr, DisplayFunction):
        return expr.latex_name, expr.unicode_name
    return None


def float_function(function: type) -> Callable[[float], float] | None:
    """The float64 value of a one-argument function of chains (σ, σ', tanh, exp, ...)."""
    if isinstance(function, type) and issubclass(function, DisplayFunction):
        return function.float_value
    return _MATH_FUNCTIONS.get(function)


def get_activation(name: str) -> Activation:
    """The activation called ``name``; an :class:`UnknownNameError` lists the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise UnknownNameError(f"unknown activation {name!r}; known: {known}") from None


def to_elementary(expr: sp.Expr) -> sp.Expr:
    """Rewrite symchain's display functions (σ, σ', ReLU, ...) into elementary SymPy functions."""
    return expr.replace(
        lambda e: isinstance(e, DisplayFunction | Softmax),
        lambda e: e.elementary(*e.args),
    )


# Your own activations ----------------------------------------------------------------------------
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_name(kind: str, name: str, built_in: frozenset[str]) -> None:
    """A name users can type: lower-case letters, digits and _, not a built-in one."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(
            f"{kind} name {name!r} is not accepted; use lower-case letters, digits and _, "
            "starting with a letter (e.g. swish)"
        )
    if name in built_in:
        raise SpecError(f"{kind} {name!r} is built in; choose another name")


def check_expression(kind: str, name: str, expr: Any, allowed: set[sp.Symbol]) -> sp.Expr:
    if not isinstance(expr, sp.Expr):
        raise SpecError(
            f"{kind} {name!r}: the function must return a SymPy expression, got "
            f"{type(expr).__name__}"
        )
    extra = sorted(str(s) for s in expr.free_symbols - allowed)
    if extra:
        raise SpecError(f"{kind} {name!r}: unknown symbols {', '.join(extra)} in {expr}")
    return expr


def latex_text(name: str) -> str:
    """A name as LaTeX text (``leaky\\_relu``)."""
    return name.replace("_", r"\_")


def expression_activation(
    name: str,
    body: sp.Expr,
    *,
    latex: str | None = None,
    text: str | None = None,
    output_range: sp.Set | None = None,
    description: str | None = None,
    torch: Callable[[Any, Any], Any] | None = None,
    stable: tuple[sp.Expr, sp.Expr] | None = None,
) -> Activation:
    """The record of an activation given as a SymPy expression in :data:`kernels.z`.

    ``torch`` is PyTorch's own function (default: the expression printed for PyTorch);
    ``stable`` gives the kernels' expressions for σ and σ' when the written ones overflow.

    Its display functions print as ``\\operatorname{name}(z)`` and ``\\operatorname{name}'(z)``;
    the derivative is ``sympy.diff`` of the expression; its kernels are the expression and
    derivative printed by SymPy's code printers with known unstable patterns made stable.
    """
    z = kernels.z

    # The derivatives are taken on first use: sympy.diff of every built-in expression would
    # cost each command's start ~70 ms.
    @functools.cache
    def derivative_body() -> sp.Expr:
        return sp.diff(body, z)

    @functools.cache
    def second() -> sp.Expr:
        return sp.diff(derivative_body(), z)

    latex_name = latex if latex is not None else rf"\operatorname{{{latex_text(name)}}}"
    unicode_name = text if text is not None else name

    def elementary(u: sp.Expr) -> sp.Expr:
        return body.xreplace({z: u})

    def elementary_derivative(u: sp.Expr) -> sp.Expr:
        return derivative_body().xreplace({z: u})

    def prime_fdiff(self: DisplayFunction, argindex: int = 1) -> sp.Expr:
        return second().xreplace({z: self.args[0]})

    prime = type(
        f"{name}_prime",
        (DisplayFunction,),
        {
            "nargs": 1,
            "latex_name": latex_name + "'",
            "unicode_name": unicode_name + "'",
            "kernel": f"{name}_prime",
            "elementary": staticmethod(elementary_derivative),
            "fdiff": prime_fdiff,
            "__module__": __name__,
            "__doc__": f"{name}'(z), the derivative of the registered activation {name}.",
        },
    )

    def fdiff(self: DisplayFunction, argindex: int = 1) -> sp.Expr:
        return prime(self.args[0])  # type: ignore[no-any-return]

    function = type(
        name,
        (DisplayFunction,),
        {
            "nargs": 1,
            "latex_name": latex_name,
            "unicode_name": unicode_name,
            "kernel": name,
            "elementary": staticmethod(elementary),
            "fdiff": fdiff,
            "__module__": __name__,
            "__doc__": f"The registered activation {name}(z) = {body}.",
        },
    )

    def reference(torch: Any, values: Any) -> Any:
        return kernels.function(body, (z,), "torch")(values)

    @functools.cache
    def own_kernels() -> tuple[Kernel, ...]:
        forward, backward = stable if stable is not None else (body, derivative_body())
        return (
            Kernel(name, (z,), kernels.stabilize(forward)),
            Kernel(f"{name}_prime", (z,), kernels.stabilize(backward)),
        )

    return Activation(
        name=name,
        apply=function,
        derivative=prime,
        evaluated_derivative=elementary_derivative,
        elementary=elementary,
        elementary_derivative=elementary_derivative,
        latex=latex_name,
        unicode=unicode_name,
        description=description or f"{name}(z) = {body} (registered)",
        output_range=output_range if output_range is not None else sp.S.Reals,
        kernel=name,
        derivative_kernel=f"{name}_prime",
        torch=torch or reference,
        kernels_from=own_kernels,
    )


def register_activation(
    name: str,
    fn: Callable[[sp.Symbol], sp.Expr],
    *,
    latex: str | None = None,
    text: str | None = None,
    output_range: sp.Set | None = None,
    description: str | None = None,
) -> Activation:
    """Register an activation from a function building its SymPy expression.

    ``register_activation("swish", lambda z: z / (1 + sympy.exp(-z)))``: the name then works in
    every command and view (derive, forms, eval, check, codegen, verify). ``latex`` and ``text``
    name it in formulas (default ``\\operatorname{swish}`` and ``swish``); ``output_range`` (a
    SymPy set, default ℝ) decides which losses it may feed.

    Raises:
        SpecError: for a name that is built in or not an identifier, or a function that does not
            return a SymPy expression in its one argument.
    """
    check_name("activation", name, BUILT_IN_ACTIVATIONS)
    body = check_expression("activation", name, fn(kernels.z), {kernels.z})
    record = expression_activation(
        name, body, latex=latex, text=text, output_range=output_range, description=description
    )
    ACTIVATIONS[name] = record
    return record


def _built_in_expressions() -> tuple[Activation, ...]:
    """gelu, silu, leaky_relu and elu: records made from their expressions, as torch defines
    them (gelu in its erf form, leaky_relu with slope 0.01, elu with α = 1)."""
    z = kernels.z
    half = sp.Rational(1, 2)
    slope = sp.Rational(1, 100)
    below = -Maximum(-z, 0)  # min(z, 0): e^z of it never overflows
    return (
        expression_activation(
            "gelu", half * z * (1 + sp.erf(z / sp.sqrt(2))), latex=r"\operatorname{GELU}",
            text="GELU", output_range=sp.Interval(-sp.Rational(17, 100), sp.oo),
            description="GELU z Φ(z) = z (1 + erf(z/√2))/2 (torch's default, erf form)",
            torch=lambda torch, v: torch.nn.functional.gelu(v),
        ),
        expression_activation(
            "silu", z / (1 + sp.exp(-z)), latex=r"\operatorname{SiLU}", text="SiLU",
            output_range=sp.Interval(-sp.Rational(28, 100), sp.oo),
            description="SiLU z σ(z) = z/(1 + e^(-z)) (swish)",
            torch=lambda torch, v: torch.nn.functional.silu(v),
        ),
        expression_activation(
            "leaky_relu", sp.Piecewise((z, z > 0), (slope * z, True)),
            latex=r"\operatorname{LeakyReLU}", text="LeakyReLU",
            description="leaky ReLU: z for z > 0, else 0.01 z (torch's default slope)",
            torch=lambda torch, v: torch.nn.functional.leaky_relu(v, 0.01),
        ),
        expression_activation(
            "elu", sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)),
            latex=r"\operatorname{ELU}", text="ELU", output_range=sp.Interval.open(-1, sp.oo),
            description="ELU: z for z > 0, else e^z - 1 (α = 1)",
            torch=lambda torch, v: torch.nn.functional.elu(v, alpha=1.0),
            stable=(Where(z > 0, z, expm1(below)), Where(z > 0, 1, sp.exp(below))),
        ),
    )


for _record in _built_in_expressions():
    ACTIVATIONS[_record.name] = _record
BUILT_IN_ACTIVATIONS = frozenset(ACTIVATIONS)

