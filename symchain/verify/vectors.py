"""Gradient vectors: ``\\nabla C = [...]`` checked entry by entry against the network's parameters.

∇C lists ∂C/∂θ for every weight and bias θ in the network's order (layer 1 to L; in each layer
the weights row by row, then the biases). A ``\\vdots`` or ``\\ldots`` entry stands for the
entries in between, in order. A repeated, missing, extra or out-of-order entry is a fail whose
diagnosis names it; an entry written as a formula is compared with the true derivative by value.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import naming
from ..network import Network
from ..printing import NotationLatexPrinter
from .ground import Ground
from .resolve import ClaimError, IndexOutOfRange, Resolver, Scope, free_indices
from .syntax import Dots, Leibniz, Matrix, Nabla, Node, Transpose


@dataclass(frozen=True)
class Entry:
    """One entry of a written gradient: a parameter named by ∂C/∂θ, a formula, or dots."""

    number: int
    node: Node
    parameter: sp.Symbol | None = None
    dots: bool = False


@dataclass(frozen=True)
class VectorReport:
    """What the entries say: problems (most specific first) and formula entries to compare."""

    problems: tuple[str, ...]
    formulas: tuple[tuple[Entry, sp.Symbol], ...]
    expected: str


def vector_entries(side: Node) -> tuple[list[Node], str | None]:
    """A vector's entries in order, and a problem with its shape (a row where a column belongs)."""
    transposed = isinstance(side, Transpose)
    body = side.body if isinstance(side, Transpose) else side
    while isinstance(body, Transpose):
        transposed, body = not transposed, body.body
    if not isinstance(body, Matrix):
        raise ClaimError(
            "the right side of \\nabla C is a vector: \\begin{bmatrix} .. \\end{bmatrix} or "
            "[.., .., \\ldots]^T"
        )
    rows = body.rows
    if all(len(row) == 1 for row in rows):
        entries = [row[0] for row in rows]
        if transposed and len(entries) > 1:
            return entries, "∇C is a column vector; this is a transposed column (a row)"
        return entries, None
    if len(rows) == 1:
        entries = list(rows[0])
        if not transposed:
            return entries, (
                f"∇C is a column vector; this is a row of {len(entries)} entries "
                "(transposed? write [..]^T or a bmatrix with one entry per row)"
            )
        return entries, None
    raise ClaimError("∇C is a vector: one entry per row, or one row transposed")


class GradientVector:
    """Reads the entries of a written ∇C and compares them with the network's parameters."""

    def __init__(self, ground: Ground, printer: NotationLatexPrinter) -> None:
        self.ground = ground
        self.network: Network = ground.network
        self.printer = printer
        self.resolver = Resolver(ground)

    def name(self, parameter: sp.Symbol, loss: str) -> str:
        return f"\\frac{{\\partial {loss}}}{{\\partial {self.printer.doprint(parameter)}}}"

    def classify(self, number: int, node: Node, loss_is_batch: bool) -> Entry | str:
        if isinstance(node, Dots):
            return Entry(number, node, dots=True)
        if isinstance(node, Leibniz):
            if free_indices(node):
                return (
                    f"entry {number} has a free index ({', '.join(free_indices(node))}): each "
                    "entry of ∇C names one weight or bias"
                )
            try:
                _, bottom, batch = self.resolver.leibniz_symbols(node, Scope())
            except (ClaimError, IndexOutOfRange) as error:
                return f"entry {number}: {error}"
            if bottom not in self.ground.parameter_set:
                return (
                    f"entry {number}, ∂/∂{self.printer.doprint(bottom)}, is extra: ∇C lists "
                    "derivatives by the weights and biases only"
                )
            if batch != loss_is_batch:
                wrong, right = ("C_0", "C") if loss_is_batch else ("C", "C_0")
                return (
                    f"entry {number} differentiates {wrong}, but the left side is the gradient "
                    f"of {right}"
                )
            return Entry(number, node, parameter=bottom)  # type: ignore[arg-type]
        return Entry(number, node)

    def report(self, nabla: Nabla, side: Node) -> VectorReport:
        """Every problem with ``side`` as the vector ∇C, most specific first."""
        batch = nabla.loss.indices is None
        loss = "C" if batch else "C_0"
        parameters = list(self.network.parameters)
        expected = self.printer.column([self.name(p, loss) for p in parameters])
        entries, shape = vector_entries(side)
        problems: list[str] = []
        classified: list[Entry] = []
        for number, node in enumerate(entries, start=1):
            entry = self.classify(number, node, batch)
            if isinstance(entry, str):
                problems.append(entry)
            else:
                classified.append(entry)
        problems += self._structure(classified, parameters, loss)
        if shape is not None:
            problems.append(shape)
        formulas: list[tuple[Entry, sp.Symbol]] = []
        if not any(e.dots for e in classified) and len(classified) == len(parameters):
            formulas = [
                (e, p)
                for e, p in zip(classified, parameters, strict=True)
                if e.parameter is None and not e.dots
            ]
        elif any(e.parameter is None and not e.dots for e in classified):
            problems.append(
                "an entry written as a formula can only be placed when every entry is written "
                "out (no \\vdots)"
            )
        return VectorReport(tuple(problems), tuple(formulas), expected)

    def _structure(self, entries: list[Entry], parameters: list[sp.Symbol], loss: str) -> list[str]:
        position = {p: i for i, p in enumerate(parameters)}
        problems: list[str] = []
        seen: dict[sp.Symbol, int] = {}
        for entry in entries:
            if entry.parameter is None:
                continue
            if entry.parameter in seen:
                text = (
                    f"{self.name(entry.parameter, loss)} is listed twice (entries "
                    f"{seen[entry.parameter]} and {entry.number})"
                )
                slot = self._slot(entries, entry, parameters)
                if slot is not None and slot != entry.parameter:
                    text += f"; entry {entry.number} should be {self.name(slot, loss)}"
                problems.append(text)
            else:
                seen[entry.parameter] = entry.number
        named = [e for e in entries if e.parameter is not None]
        indices = [position[e.parameter] for e in named]  # type: ignore[index]
        unique = [i for n, i in enumerate(indices) if i not in indices[:n]]
        if unique != sorted(unique):
            first = next(n for n in range(1, len(unique)) if unique[n] < unique[n - 1])
            earlier = parameters[unique[first]]
            later = parameters[unique[first - 1]]
            problems.append(
                f"wrong order: {self.name(earlier, loss)} comes after {self.name(later, loss)}; "
                "∇C lists layer 1 to L, in each layer the weights (row by row), then the biases"
            )
        has_dots = any(e.dots for e in entries)
        if not has_dots:
            placed = set(seen)
            if len(entries) == len(parameters):  # formula entries stand for their slot
                placed |= {p for e, p in zip(entries, parameters, strict=True) if not e.parameter}
            missing = [p for p in parameters if p not in placed]
            if missing:
                shown = ", ".join(self.name(p, loss) for p in missing[:6])
                more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
                problems.append(f"missing {len(missing)} entries: {shown}{more}")
            return problems
        # With dots: explicit neighbours must be neighbours in the parameter order, and the
        # ends must be the first and last parameters unless dots stand there.
        previous: Entry | None = None
        for entry in entries:
            if entry.parameter is None and not entry.dots:
                previous = None
                continue
            if (
                previous is not None
                and previous.parameter is not None
                and entry.parameter is not None
                and entry.parameter != previous.parameter
            ):
                gap = position[entry.parameter] - position[previous.parameter]
                if gap > 1:
                    skipped = parameters[position[previous.parameter] + 1]
                    problems.append(
                        f"missing {self.name(skipped, loss)} between entries {previous.number} "
                        f"and {entry.number} (no \\vdots there)"
                    )
            previous = entry
        listed = {e.parameter for e in entries}
        head = entries[0] if entries else None
        if head is not None and head.parameter is not None and parameters[0] not in listed:
            problems.append(
                f"missing {self.name(parameters[0], loss)}: ∇C starts with the first layer's "
                "first weight"
            )
        last = entries[-1] if entries else None
        if last is not None and last.parameter is not None:
            if parameters[-1] not in listed:
                problems.append(
                    f"missing {self.name(parameters[-1], loss)}: ∇C ends with the last layer's "
                    "last bias"
                )
        return problems

    def _slot(
        self, entries: list[Entry], entry: Entry, parameters: list[sp.Symbol]
    ) -> sp.Symbol | None:
        """The parameter an entry's place calls for: counted from the start up to the first
        dots, or from the end after the last dots."""
        index = entries.index(entry)
        if not any(e.dots for e in entries[:index]):
            return parameters[index] if index < len(parameters) else None
        if not any(e.dots for e in entries[index + 1 :]):
            from_end = len(entries) - 1 - index
            return parameters[-1 - from_end] if from_end < len(parameters) else None
        return None


def gradient_label(network: Network, style: str) -> NotationLatexPrinter:
    """The printer for a network's names in the claim's layer notation."""
    return NotationLatexPrinter({"notation": naming.Notation(network.widths, style)})
