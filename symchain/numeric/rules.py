"""Numeric rules as data: which stable function computes each display function and loss piece.

A new activation needs one entry in :data:`FUNCTIONS` (its SymPy function class to the name of a
method of :class:`~symchain.numeric.backends.StableFunctions`); a loss whose closed form is not
stable as written gets a :class:`LossRule`; an (output activation, loss) pair whose product of
derivatives cancels analytically (σ'(z)·(a - y)/(a(1 - a)) = a - y) gets an :class:`OutputRule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..activations import (
    Relu,
    ReluPrime,
    Sigmoid,
    SigmoidPrime,
    Softplus,
    SoftplusPrime,
    TanhPrime,
)


class BceTerm(sp.Function):
    """One output's binary cross-entropy -(y ln a + (1 - y) ln(1 - a)), ln clamped at -100."""

    nargs = 2


class BcePrime(sp.Function):
    """∂C_0/∂a of binary cross-entropy, (a - y)/max(a(1 - a), 1e-12)."""

    nargs = 2


class BceLogits(sp.Function):
    """Binary cross-entropy of σ(z) computed from z: softplus(z) - y z."""

    nargs = 2


class LogSumExp(sp.Function):
    """ln Σ_k e^{z_k} over one layer (computed as m + ln Σ_k e^{z_k - m}, m = max_k z_k)."""


class VectorActivation(sp.Function):
    """A whole layer's activation (softmax) of (z_0, ..., z_{n-1}): an array of n rows."""


class Row(sp.Function):
    """Row j of a layer array: ``Row(S, j)`` is printed ``S[j]``."""

    nargs = 2


# SymPy function class -> method of StableFunctions that computes it.
FUNCTIONS: dict[type, str] = {
    Sigmoid: "sigmoid",
    SigmoidPrime: "sigmoid_prime",
    TanhPrime: "tanh_prime",
    Relu: "relu",
    ReluPrime: "relu_prime",
    Softplus: "softplus",
    SoftplusPrime: "softplus_prime",
    sp.exp: "exp",
    sp.log: "log",
    sp.tanh: "tanh",
    BceTerm: "bce",
    BcePrime: "bce_prime",
    BceLogits: "bce_logits",
    LogSumExp: "logsumexp",
}

# Activations of a whole layer (not elementwise) -> method of StableFunctions taking its z rows.
VECTOR_FUNCTIONS: dict[str, str] = {"softmax": "softmax"}


# σ'(z) from the layer's output a = σ(z), as PyTorch's backward computes it (fewer operations):
# derivative class -> (the activation class it belongs to, σ' in terms of a).
FROM_OUTPUT: dict[type, tuple[type, Callable[[sp.Expr], sp.Expr]]] = {
    SigmoidPrime: (Sigmoid, lambda a: a * (1 - a)),
    TanhPrime: (sp.tanh, lambda a: 1 - a**2),
}


@dataclass(frozen=True)
class LossRule:
    """Stable numeric forms of a loss: one output's term and ∂C_0/∂a, from (a, y)."""

    loss: str
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]


@dataclass(frozen=True)
class OutputRule:
    """Fused forms for an output activation and a loss.

    ``loss`` gives C_0 from the output layer's (z, a, y) lists; ``delta``, when given, replaces the
    product σ'(z_j)·∂C_0/∂a_j (that is, δ_j^(L)) from one output neuron's (z, a, y).
    """

    activation: str
    loss: str
    sample_loss: Callable[[list[sp.Expr], list[sp.Expr], list[sp.Expr]], sp.Expr]
    delta: Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr] | None = None


LOSS_RULES: dict[str, LossRule] = {
    rule.loss: rule
    for rule in (LossRule("binary_cross_entropy", term=BceTerm, derivative=BcePrime),)
}

OUTPUT_RULES: dict[tuple[str, str], OutputRule] = {
    (rule.activation, rule.loss): rule
    for rule in (
        OutputRule(
            "sigmoid",
            "binary_cross_entropy",
            sample_loss=lambda zs, _, ys: sp.Add(
                *(BceLogits(z, y) for z, y in zip(zs, ys, strict=True))
            ),
            delta=lambda z, a, y: a - y,
        ),
        # -Σ_j y_j ln softmax_j(z) = (Σ_j y_j) logsumexp(z) - Σ_j y_j z_j: no log of 0; the
        # derivation's δ_j = a_j Σ_i y_i - y_j is already stable.
        OutputRule(
            "softmax",
            "cross_entropy",
            sample_loss=lambda zs, _, ys: (
                LogSumExp(*zs) * sp.Add(*ys) - sp.Add(*(y * z for z, y in zip(zs, ys, strict=True)))
            ),
        ),
    )
}
