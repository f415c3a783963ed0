"""A format-neutral document of a derivation: titled sections of (chained) equations.

Each renderer (LaTeX, Markdown, text) asks :func:`build_document` with its own printer and lays
the sections out in its format; the mathematics and its order are decided here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import sympy as sp

from .. import naming
from ..derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
from ..deriver import Progress
from ..network import Network
from ..nodes import Partial, Sampled
from .layout import Pieces, product_width


class Printer(Protocol):
    """What a document needs from a printer."""

    nabla: str

    def doprint(self, expr: sp.Basic) -> str: ...

    def product(self, values: list[sp.Expr]) -> str: ...

    def batch_mean(self, body: str, bracketed: bool = False) -> str: ...

    def column(self, entries: list[str]) -> str: ...


# ∇C with more entries than this is laid out as a transposed row (see gradient_vector_section).
MAX_COLUMN = 16


@dataclass(frozen=True)
class Equation:
    """``sides[0] = sides[1] = ...``; ``kind`` says what it is (chain, factor, result, ...).

    ``layouts`` (empty, or one entry per side) holds the pieces a LaTeX renderer may break a long
    side into (see :mod:`symchain.render.layout`); None where a side stays whole.
    """

    sides: tuple[str, ...]
    kind: str
    layouts: tuple[Pieces | None, ...] = ()

    def layout(self, index: int) -> Pieces | None:
        """The pieces of side ``index``, if it may be broken."""
        return self.layouts[index] if index < len(self.layouts) else None


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


def _pieces(values: list[sp.Expr], printer: Printer, text: str = "", frame: str = "") -> Pieces:
    """The factors of a product side, with the width of its ``text`` (inside ``frame``)."""
    items = tuple(printer.product([v]) for v in values)
    return Pieces(items, width=product_width(text, items, frame) if text else None)


def _chain_equation(
    lhs: sp.Expr, factors: tuple[Factor, ...], printer: Printer, kind: str, first: str = ""
) -> Equation:
    """``[first =] lhs = Leibniz product = product of values [= without the 1s]``."""
    leibniz = [f.leibniz for f in factors]
    values = [f.value for f in factors]
    sides = [printer.doprint(lhs), printer.product(leibniz), printer.product(values)]
    layouts: list[Pieces | None] = [
        None,
        _pieces(leibniz, printer, sides[1]),
        _pieces(values, printer, sides[2]),
    ]
    kept = [v for v in values if not _is_one(v)]
    if len(kept) != len(values) and kept:
        sides.append(printer.product(kept))
        layouts.append(_pieces(kept, printer, sides[-1]))
    if first:
        sides.insert(0, first)
        layouts.insert(0, None)
    return Equation(tuple(sides), kind, tuple(layouts))


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
    definition = _chain_equation(
        chain.leibniz, chain.factors, printer, "error", first=printer.doprint(term.symbol)
    )
    equations = [definition, *_factor_equations(chain.factors, printer)]
    return Section(
        "Error term " + printer.doprint(term.symbol),
        tuple(equations),
        key=term.symbol.name,
        subject=term.symbol,
    )


def _is_one(value: sp.Expr) -> bool:
    """``value == 1`` (most factors are symbols and functions, told apart without SymPy's ==)."""
    return value is sp.S.One or (not isinstance(value, _NEVER_ONE) and value == 1)


_NEVER_ONE = (sp.Symbol, sp.Add, Partial, Sampled)
# C_i, the loss of sample i (the same in every parameter's batch form).
_SAMPLE_LOSS_I = Sampled(naming.SAMPLE_LOSS, naming.SAMPLE_INDEX)


def parameter_section(gradient: ParameterGradient, printer: Printer) -> Section:
    """The chain, the evaluated factors, the result and the batch average of one parameter."""
    factors = gradient.chain.factors
    chain = _chain_equation(gradient.leibniz, factors, printer, "chain")
    batch_lhs = Partial(naming.BATCH_LOSS, gradient.parameter)
    sampled = [v for v in gradient.sampled_factors() if not _is_one(v)] or [sp.S.One]
    per_sample = Partial(_SAMPLE_LOSS_I, gradient.parameter)
    bracketed = len(sampled) > 1
    mean = printer.batch_mean(printer.product(sampled), bracketed=bracketed)
    terms = _pieces(sampled, printer, mean, frame=printer.batch_mean("", bracketed=bracketed))
    batch_pieces = Pieces(
        terms.items,
        opening=printer.batch_mean(r"\biggl["),
        closing=r"\biggr]",
        width=terms.width,
    )
    batch = Equation(
        (
            printer.doprint(batch_lhs),
            printer.batch_mean(printer.doprint(per_sample)),
            mean,
        ),
        "batch",
        (None, None, batch_pieces),
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
    # A column taller than a page is written as a transposed row, broken across lines.
    row = (
        Pieces(tuple(entries), "list", r"\bigl[", r"\bigr]^{\top}", force=True)
        if len(entries) > MAX_COLUMN
        else None
    )
    equation = Equation((printer.nabla, printer.column(entries)), "gradient", (None, row))
    return Section("Gradient", (equation,), key="gradient")


# How many parameters between two progress calls.
PROGRESS_STEP = 256


def build_document(
    derivation: Derivation, printer: Printer, progress: Progress | None = None
) -> list[Section]:
    """All sections of a derivation, in reading order (see :func:`iter_document`)."""
    return list(iter_document(derivation, printer, progress))


def iter_document(
    derivation: Derivation,
    printer: Printer,
    progress: Progress | None = None,
    forward: bool = True,
    shared: SharedValues | None = None,
) -> Iterator[Section]:
    """The sections of a derivation one at a time, in reading order, so that a renderer can
    write each before the next is made: the forward pass (unless ``forward`` is false), one per
    error term, one per parameter, then ∇C. ``progress(done, total)`` is called every
    :data:`PROGRESS_STEP` parameters and at the end. ``shared``: whose objects to print (see
    :class:`SharedValues`), for a caller printing more of the same chains."""
    if forward:
        yield forward_section(derivation, printer)
    shared = shared or SharedValues()
    for term in derivation.errors:
        yield error_section(shared.term(term), printer)
    total = len(derivation)
    for done, gradient in enumerate(derivation, start=1):
        yield parameter_section(shared.gradient(gradient), printer)
        if progress is not None and (done % PROGRESS_STEP == 0 or done == total):
            progress(done, total)
    yield gradient_vector_section(derivation, printer)


class SharedValues:
    """Hands out one object per distinct factor value, so that the printer's caches find it by
    identity: a derivation repeats equal values (σ'(z), Σ w δ) as separate objects, and looking
    each up by equality compares its whole tree."""

    def __init__(self) -> None:
        self._by_value: dict[sp.Basic, sp.Basic] = {}
        # id -> (the object, its shared equal): the object is kept so its id stays its own
        self._by_id: dict[int, tuple[sp.Basic, sp.Basic]] = {}

    def expr(self, value: sp.Expr) -> sp.Expr:
        known = self._by_id.get(id(value))
        if known is None:
            known = (value, self._by_value.setdefault(value, value))
            self._by_id[id(value)] = known
        return known[1]  # type: ignore[return-value]

    def chain(self, chain: Chain) -> Chain:
        terms = tuple(
            tuple(Factor(f.leibniz, self.expr(f.value)) for f in term) for term in chain.terms
        )
        return Chain(chain.numerator, chain.target, terms)

    def term(self, term: ErrorTerm) -> ErrorTerm:
        return replace(term, chain=self.chain(term.chain))

    def gradient(self, gradient: ParameterGradient) -> ParameterGradient:
        return replace(gradient, chain=self.chain(gradient.chain))
