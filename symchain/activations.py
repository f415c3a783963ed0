"""Activation functions as data: SymPy functions with closed-form derivatives and their notation.

Each activation is a pair of SymPy ``Function`` classes, the activation (``σ(z)``) and its
derivative (``σ'(z)``), so a chain keeps ``σ'(z)`` as written on paper while ``sympy.diff`` still
works through them. ``evaluated_derivative`` gives the closed form (``σ(z)(1-σ(z))``) and
``elementary`` rewrites either into functions every SymPy user has (``exp``, ``log``, ``Max``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .errors import UnknownNameError


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
    )
}

# Display functions whose names the printers know, and how to rewrite each into elementary form.
ELEMENTARY: dict[type, Callable[[sp.Expr], sp.Expr]] = {
    Sigmoid: _sigmoid_elementary,
    SigmoidPrime: _sigmoid_prime_elementary,
    TanhPrime: lambda z: 1 - sp.tanh(z) ** 2,
    Relu: lambda z: sp.Max(0, z),
    ReluPrime: lambda z: sp.Heaviside(z, 0),
    Softplus: lambda z: sp.log(1 + sp.exp(z)),
    SoftplusPrime: _sigmoid_elementary,
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
        lambda e: ELEMENTARY[type(e)](e.args[0]),
    )
