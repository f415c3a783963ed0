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
}


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
    """Fused forms for an output activation and a loss, from (z, a, y) of one output neuron.

    ``delta`` replaces the product σ'(z)·∂C_0/∂a (that is, δ^(L)), ``term`` one output's loss.
    """

    activation: str
    loss: str
    term: Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr]
    delta: Callable[[sp.Expr, sp.Expr, sp.Expr], sp.Expr]


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
            term=lambda z, a, y: BceLogits(z, y),
            delta=lambda z, a, y: a - y,
        ),
    )
}
