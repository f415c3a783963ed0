"""A format-neutral document of a derivation: titled sections of (chained) equations.

Each renderer (LaTeX, Markdown, text) asks :func:`build_document` with its own printer and lays
the sections out in its format; the mathematics and its order are decided here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sympy as sp

from .. import naming
from ..derivation import Derivation, ErrorTerm, Factor, ParameterGradient
from ..network import Network
from ..nodes import Partial, Sampled


class Printer(Protocol):
    """What a document needs from a printer."""

    nabla: str

    def doprint(self, expr: sp.Basic) -> str: ...

    def product(self, values: list[sp.Expr]) -> str: ...

    def batch_mean(self, body: str, bracketed: bool = False) -> str: ...

    def column(self, entries: list[str]) -> str: ...


@dataclass(frozen=True)
class Equation:
    """``sides[0] = sides[1] = ...``; ``kind`` says what it is (chain, factor, result, ...)."""

    sides: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Section:
    """A titled group of equations; ``symbol`` is the parameter or error term it is about."""

    title: str
    equations: tuple[Equation, ...]
    key: str = ""
    subject: sp.Basic | None = None


def network_title(derivation: Derivation) -> str:
    net = derivation.network
    widths = "-".join(str(w) for w in net.widths)
    acts = sorted(set(net.spec.activations), key=net.spec.activations.index)
    return f"network {widths}, activation {', '.join(acts)}, loss {net.spec.loss}"


def forward_section(derivation: Derivation, printer: Printer) -> Section:
    """z = w a + b and a = σ(z) for every neuron of every layer, then C_0."""
    net = derivation.network
    equations = []
    for layer in range(1, net.depth + 1):
        for j in range(net.widths[layer]):
            z = net.z(layer, j)
            equations.append(
                Equation((printer.doprint(z), _ordered_affine(net, layer, j, printer)), "forward")
            )
            equations.append(
                Equation(
                    (printer.doprint(net.a(layer, j)), printer.doprint(net.activation(layer, j))),
                    "forward",
                )
            )
    equations.append(
        Equation(
            (printer.doprint(naming.SAMPLE_LOSS), printer.doprint(net.sample_loss())), "loss"
        )
    )
    return Section("Forward pass", tuple(equations), key="forward")


def _ordered_affine(net: Network, layer: int, j: int, printer: Printer) -> str:
    """Σ_k w_jk a_k + b_j written in neuron order, as on paper."""
    terms = [
        printer.product([net.w(layer, j, k), net.a(layer - 1, k)])
        for k in range(net.widths[layer - 1])
    ]
    terms.append(printer.doprint(net.b(layer, j)))
    return " + ".join(terms)


def _chain_sides(
    lhs: sp.Expr, factors: tuple[Factor, ...], printer: Printer
) -> tuple[str, ...]:
    leibniz = printer.product([f.leibniz for f in factors])
    values = [f.value for f in factors]
    sides = [printer.doprint(lhs), leibniz, printer.product(values)]
    kept = [v for v in values if v != 1]
    if len(kept) != len(values) and kept:
        sides.append(printer.product(kept))
    return tuple(sides)


def _factor_equations(factors: tuple[Factor, ...], printer: Printer) -> list[Equation]:
    seen: set[sp.Basic] = set()
    result = []
    for factor in factors:
        if factor.leibniz in seen:
            continue
        seen.add(factor.leibniz)
        result.append(
            Equation((printer.doprint(factor.leibniz), printer.doprint(factor.value)), "factor")
        )
    return result


def error_section(term: ErrorTerm, printer: Printer) -> Section:
    """δ_j^(l) = ∂C_0/∂z_j^(l) = its chain = its value."""
    chain = term.chain
    sides = (printer.doprint(term.symbol), *_chain_sides(chain.leibniz, chain.factors, printer))
    equations = [Equation(sides, "error"), *_factor_equations(chain.factors, printer)]
    return Section(
        "Error term " + printer.doprint(term.symbol),
        tuple(equations),
        key=term.symbol.name,
        subject=term.symbol,
    )


def parameter_section(gradient: ParameterGradient, printer: Printer) -> Section:
    """The chain, the evaluated factors, the result and the batch average of one parameter."""
    factors = gradient.chain.factors
    chain = Equation(_chain_sides(gradient.leibniz, factors, printer), "chain")
    batch_lhs = Partial(naming.BATCH_LOSS, gradient.parameter)
    sampled = [v for v in gradient.sampled_factors() if v != 1] or [sp.S.One]
    per_sample = Partial(Sampled(naming.SAMPLE_LOSS, naming.SAMPLE_INDEX), gradient.parameter)
    batch = Equation(
        (
            printer.doprint(batch_lhs),
            printer.batch_mean(printer.doprint(per_sample)),
            printer.batch_mean(printer.product(sampled), bracketed=len(sampled) > 1),
        ),
        "batch",
    )
    equations = (chain, *_factor_equations(factors, printer), batch)
    return Section(
        printer.doprint(gradient.parameter),
        equations,
        key=gradient.parameter.name,
        subject=gradient.parameter,
    )


def gradient_vector_section(derivation: Derivation, printer: Printer) -> Section:
    """∇C as a column of ∂C/∂θ."""
    entries = [printer.doprint(Partial(naming.BATCH_LOSS, g.parameter)) for g in derivation]
    equation = Equation((printer.nabla, printer.column(entries)), "gradient")
    return Section("Gradient", (equation,), key="gradient")


def build_document(derivation: Derivation, printer: Printer) -> list[Section]:
    """All sections of a derivation, in reading order."""
    sections = [forward_section(derivation, printer)]
    sections.extend(error_section(term, printer) for term in derivation.errors)
    sections.extend(parameter_section(g, printer) for g in derivation)
    sections.append(gradient_vector_section(derivation, printer))
    return sections
