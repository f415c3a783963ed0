"""Per-sample losses as data: C_0 as a sum over the outputs, its derivative and its notation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from . import kernels
from .activations import check_expression, check_name, latex_text, register_activation
from .errors import UnknownNameError


@dataclass(frozen=True)
class Loss:
    """A per-sample loss C_0 = Σ_j term(a_j^(L), y_j).

    Attributes:
        name: the name users type (``squared_error``).
        term: one output's contribution, from (a_j^(L), y_j).
        derivative: ∂C_0/∂a_j^(L) in closed form, written as on paper (``2(a - y)``).
        description: one line for help texts.
        domain: the outputs a_j^(L) the loss is defined for; an output activation whose range
            leaves it is refused when the network is built.
        torch: the reference for ``check``: (torch, a, y) -> the loss summed over outputs and
            samples (PyTorch's own function where it has one).
        latex, unicode: the name ℓ of a registered loss in the matrix form (``𝟏ᵀ ℓ(a, y)``).

    Its stable array kernels ``_loss_<name>(a, y)`` and ``_loss_<name>_prime(a, y)``
    (:attr:`own_kernels`) are made from ``term`` and ``derivative`` (:mod:`symchain.kernels`)
    with the record; without a ``torch`` reference, the term printed for PyTorch is one.
    """

    name: str
    term: Callable[[sp.Expr, sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]
    description: str
    domain: sp.Set = sp.S.Reals
    torch: Callable[[Any, Any, Any], Any] | None = None
    latex: str = ""
    unicode: str = ""

    def __post_init__(self) -> None:
        if self.torch is None:  # PyTorch autograd on the term as written
            object.__setattr__(self, "torch", _printed_reference(self.term))

    @functools.cached_property
    def own_kernels(self) -> tuple[kernels.Kernel, ...]:
        """The stable kernels of the term and its derivative, made on first use (making them for
        every loss would slow each command's start)."""
        a, y = kernels.a, kernels.y
        return (
            kernels.Kernel(self.kernel, (a, y), kernels.stabilize(self.term(a, y))),
            kernels.Kernel(
                self.derivative_kernel, (a, y), kernels.stabilize(self.derivative(a, y))
            ),
        )

    @property
    def kernel(self) -> str:
        """The kernel of one output's term, from (a, y)."""
        return f"loss_{self.name}"

    @property
    def derivative_kernel(self) -> str:
        """The kernel of ∂C_0/∂a_j, from (a, y)."""
        return f"loss_{self.name}_prime"

    def per_sample(self, outputs: list[sp.Expr], targets: list[sp.Expr]) -> sp.Expr:
        """C_0 for the given outputs a_j^(L) and targets y_j."""
        return sp.Add(*(self.term(a, y) for a, y in zip(outputs, targets, strict=True)))


def _printed_reference(
    term: Callable[[sp.Expr, sp.Expr], sp.Expr],
) -> Callable[[Any, Any, Any], Any]:
    """The loss summed over outputs and samples, from ``term`` printed for PyTorch."""

    def reference(torch: Any, out: Any, target: Any) -> Any:
        a, y = kernels.a, kernels.y
        return kernels.function(term(a, y), (a, y), "torch")(out, target).sum()

    return reference


def _keep(coefficient: sp.Expr, expr: sp.Expr) -> sp.Expr:
    """``coefficient·expr`` kept as written: SymPy would distribute 2(a - y) into 2a - 2y."""
    return sp.Mul(coefficient, expr, evaluate=False)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            name="squared_error",
            term=lambda a, y: (a - y) ** 2,
            derivative=lambda a, y: _keep(sp.Integer(2), a - y),
            description="C_0 = Σ_j (a_j - y_j)^2 (the seed's, the default)",
            torch=lambda torch, a, y: torch.nn.functional.mse_loss(a, y, reduction="sum"),
        ),
        Loss(
            name="half_squared_error",
            term=lambda a, y: sp.Rational(1, 2) * (a - y) ** 2,
            derivative=lambda a, y: a - y,
            description="C_0 = ½ Σ_j (a_j - y_j)^2",
            torch=lambda torch, a, y: 0.5 * torch.nn.functional.mse_loss(a, y, reduction="sum"),
        ),
        Loss(
            name="binary_cross_entropy",
            term=lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
            derivative=lambda a, y: (a - y) / (a * (1 - a)),
            description="C_0 = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], outputs in (0, 1)",
            domain=sp.Interval.open(0, 1),
            torch=lambda torch, a, y: torch.nn.functional.binary_cross_entropy(
                a, y, reduction="sum"
            ),
        ),
        Loss(
            name="cross_entropy",
            term=lambda a, y: -(y * sp.log(a)),
            derivative=lambda a, y: -y / a,
            description="C_0 = -Σ_j y_j ln a_j (with softmax outputs; targets summing to 1)",
            domain=sp.Interval.open(0, sp.oo),
            torch=lambda torch, a, y: -(y * torch.log(a)).sum(),
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an :class:`UnknownNameError` lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise UnknownNameError(f"unknown loss {name!r}; known: {known}") from None




def expression_loss(
    name: str,
    term: sp.Expr,
    *,
    latex: str | None = None,
    text: str | None = None,
    domain: sp.Set | None = None,
    description: str | None = None,
    torch: Callable[[Any, Any, Any], Any] | None = None,
) -> Loss:
    """The record of a loss whose term is a SymPy expression in :data:`kernels.a`,
    :data:`kernels.y`; ∂C_0/∂a_j is ``sympy.diff`` of it. ``torch`` is PyTorch's own loss
    (summed), by default the term printed for PyTorch."""
    a, y = kernels.a, kernels.y

    @functools.cache  # taken on first use: sympy.diff of huber slows every start by 10 ms
    def derivative() -> sp.Expr:
        return sp.diff(term, a)

    return Loss(
        name=name,
        term=lambda out, target: term.xreplace({a: out, y: target}),
        derivative=lambda out, target: derivative().xreplace({a: out, y: target}),
        description=description or f"C_0 = Σ_j {term} over the outputs a = a_j (registered)",
        domain=domain if domain is not None else sp.S.Reals,
        latex=latex if latex is not None else rf"\operatorname{{{latex_text(name)}}}",
        unicode=text if text is not None else name,
        torch=torch,
    )


def _huber() -> Loss:
    """Huber loss with δ = 1, piecewise as torch's HuberLoss: ½(a - y)² inside |a - y| < 1,
    |a - y| - ½ outside."""
    d = kernels.a - kernels.y
    half = sp.Rational(1, 2)
    return expression_loss(
        "huber", sp.Piecewise((half * d**2, sp.Abs(d) < 1), (sp.Abs(d) - half, True)),
        latex=r"\operatorname{Huber}", text="Huber",
        description="C_0 = Σ_j ½(a_j - y_j)² where |a_j - y_j| < 1, else |a_j - y_j| - ½ (δ = 1)",
        torch=lambda torch, a, y: torch.nn.functional.huber_loss(a, y, reduction="sum", delta=1.0),
    )


LOSSES["huber"] = _huber()
BUILT_IN_LOSSES = frozenset(LOSSES)


def register_loss(
    name: str,
    fn: Callable[[sp.Symbol, sp.Symbol], sp.Expr],
    *,
    latex: str | None = None,
    text: str | None = None,
    domain: sp.Set | None = None,
    description: str | None = None,
) -> Loss:
    """Register a loss from a function of one output a_j and its target y_j: its term of C_0.

    ``register_loss("log_cosh", lambda a, y: sympy.log(sympy.cosh(a - y)))``: C_0 is the sum of
    the terms over the outputs; the name then works in every command and view. ``domain`` (a
    SymPy set of outputs, default ℝ) decides which output activations may feed it.

    Raises:
        SpecError: for a name that is built in or not an identifier, or a function that does not
            return a SymPy expression in its two arguments.
    """
    check_name("loss", name, BUILT_IN_LOSSES)
    term = check_expression("loss", name, fn(kernels.a, kernels.y), {kernels.a, kernels.y})
    record = expression_loss(
        name, term, latex=latex, text=text, domain=domain, description=description
    )
    LOSSES[name] = record
    return record


def load_entry_points() -> None:
    """Register what installed packages ship under the entry-point groups ``symchain.activations``
    and ``symchain.losses``: each entry point names a function building the expression (z -> σ(z),
    or (a, y) -> the loss term), registered under the entry point's name."""
    # imported here: reading package metadata is for this call only, not every command's start
    from importlib.metadata import entry_points

    for entry in entry_points(group="symchain.activations"):
        register_activation(entry.name, entry.load())
    for entry in entry_points(group="symchain.losses"):
        register_loss(entry.name, entry.load())
