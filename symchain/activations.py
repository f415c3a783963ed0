"""Activation functions as data: SymPy functions with closed-form derivatives and their notation.

Each activation is a pair of SymPy ``Function`` classes, the activation (``σ(z)``) and its
derivative (``σ'(z)``), so a chain keeps ``σ'(z)`` as written on paper while ``sympy.diff`` still
works through them. ``evaluated_derivative`` gives the closed form (``σ(z)(1-σ(z))``) and
``elementary`` rewrites either into functions every SymPy user has (``exp``, ``log``, ``Max``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .errors import SpecError, UnknownNameError


class DisplayFunction(sp.Function):
    """A function kept by name in formulas (σ, σ', ReLU, ...) that evaluates through its
    elementary form."""

    nargs = 1

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        return ELEMENTARY[type(self)](self.args[0])._eval_evalf(prec)  # type: ignore[no-any-return]


class Sigmoid(DisplayFunction):
    """The logistic sigmoid σ(z) = 1/(1 + e^{-z})."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SigmoidPrime(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real


class SigmoidPrime(DisplayFunction):
    """σ'(z) = σ(z)(1 - σ(z))."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = Sigmoid(self.args[0])
        return s * (1 - s) * (1 - 2 * s)

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.exp(-z) / (1 + sp.exp(-z)) ** 2

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real


class TanhPrime(DisplayFunction):
    """tanh'(z) = 1 - tanh(z)^2."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        t = sp.tanh(self.args[0])
        return -2 * t * (1 - t**2)

    def _eval_rewrite_as_tanh(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 - sp.tanh(z) ** 2


class Relu(DisplayFunction):
    """ReLU(z) = max(0, z)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return ReluPrime(self.args[0])

    def _eval_rewrite_as_Max(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.Max(0, z)


class ReluPrime(DisplayFunction):
    """ReLU'(z): 1 for z > 0, else 0 (PyTorch's convention at z = 0)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero

    def _eval_rewrite_as_Heaviside(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.Heaviside(z, 0)


class Softplus(DisplayFunction):
    """softplus(z) = ln(1 + e^z)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SoftplusPrime(self.args[0])

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(z))


class SoftplusPrime(DisplayFunction):
    """softplus'(z) = σ(z)."""

    nargs = 1

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

    def _symchain_latex(self, printer: Any) -> str:
        zs = ", ".join(printer._print(z) for z in self.args[1:])
        return rf"\operatorname{{softmax}}_{{{self.args[0]}}}({zs})"

    def _sympystr(self, printer: Any) -> str:
        zs = ", ".join(printer._print(z) for z in self.args[1:])
        return f"softmax{str(self.args[0]).translate(_SUB_DIGITS)}({zs})"


_SUB_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def softmax_elementary(zs: Sequence[sp.Expr], j: int) -> sp.Expr:
    """e^{z_j} / Σ_k e^{z_k} in SymPy's own functions."""
    return sp.exp(zs[j]) / sp.Add(*(sp.exp(z) for z in zs))


def _softmax_from_args(j: sp.Expr, *zs: sp.Expr) -> sp.Expr:
    return softmax_elementary(zs, int(j))


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
    """An activation: how to build it, its derivative, and how it is written.

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
    elementwise: bool = True
    vector: Callable[[Sequence[sp.Expr], int], sp.Expr] | None = None
    vector_elementary: Callable[[Sequence[sp.Expr], int], sp.Expr] | None = None


def _sigmoid_elementary(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def _sigmoid_prime_elementary(z: sp.Expr) -> sp.Expr:
    s = _sigmoid_elementary(z)
    return s * (1 - s)


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
            elementwise=False,
            vector=lambda zs, j: Softmax(sp.Integer(j), *zs),
            vector_elementary=softmax_elementary,
        ),
    )
}

# Display functions whose names the printers know, and how to rewrite each into elementary form
# (called with the function's arguments).
ELEMENTARY: dict[type, Callable[..., sp.Expr]] = {
    Sigmoid: _sigmoid_elementary,
    SigmoidPrime: _sigmoid_prime_elementary,
    TanhPrime: lambda z: 1 - sp.tanh(z) ** 2,
    Relu: lambda z: sp.Max(0, z),
    ReluPrime: lambda z: sp.Heaviside(z, 0),
    Softplus: lambda z: sp.log(1 + sp.exp(z)),
    SoftplusPrime: _sigmoid_elementary,
    Softmax: _softmax_from_args,
}

# (LaTeX, Unicode) of each display function; primes are written σ', tanh', ...
FUNCTION_NAMES: dict[type, tuple[str, str]] = {
    Sigmoid: (r"\sigma", "σ"),
    SigmoidPrime: (r"\sigma'", "σ'"),
    TanhPrime: (r"\tanh'", "tanh'"),
    Relu: (r"\operatorname{ReLU}", "ReLU"),
    ReluPrime: (r"\operatorname{ReLU}'", "ReLU'"),
    Softplus: (r"\operatorname{softplus}", "softplus"),
    SoftplusPrime: (r"\operatorname{softplus}'", "softplus'"),
}


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
        lambda e: type(e) in ELEMENTARY,
        lambda e: ELEMENTARY[type(e)](*e.args),
    )
