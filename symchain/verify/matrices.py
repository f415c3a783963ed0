"""Matrix and vector form (BP1–BP4 and their batch forms) as concrete matrices of the network's
symbols: ``W^{(l)}`` is the n_l × n_{l-1} matrix of w_jk, ``z^{(l)}`` the column of z_j,
``Z^{(l)}``/``A^{(l)}``/``\\Delta^{(l)}`` have one column per sample of the checked batch, and
``\\mathbf{1}`` is the batch's column of ones. Operations check shapes: a mismatch is a
:class:`ShapeMismatch` whose message names both shapes (and says "transposed?" where that fits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices import MatrixBase

from .failures import ShapeMismatch

__all__ = ["OnesVector", "ShapeMismatch", "combine", "entries", "is_matrix", "simplified"]


@dataclass(frozen=True)
class OnesVector:
    """``\\mathbf{1}`` (or its transpose) before its length is known: it takes the length the
    product it stands in needs (``\\mathbf{1}^T y``: n_L), else the batch size."""

    transposed: bool = False
    default: int = 1

    def matrix(self, length: int | None = None) -> sp.ImmutableMatrix:
        size = self.default if length is None else length
        return (
            sp.ImmutableMatrix(1, size, [1] * size)
            if self.transposed
            else sp.ImmutableMatrix([1] * size)
        )

    @property
    def T(self) -> OnesVector:  # noqa: N802 - as SymPy's matrices
        return OnesVector(not self.transposed, self.default)


def materialized(value: Any) -> Any:
    return value.matrix() if isinstance(value, OnesVector) else value


def is_matrix(value: Any) -> bool:
    return isinstance(value, MatrixBase)


def shape_text(value: Any) -> str:
    if is_matrix(value):
        return f"{value.rows}×{value.cols}"
    return "a scalar"


def simplified(value: Any) -> Any:
    """A 1×1 matrix as its entry, so that scalars and 1×1 products mix."""
    if is_matrix(value) and value.shape == (1, 1):
        return value[0, 0]
    return value


def _fits(left: Any, right: Any, op: str) -> bool:
    if op == "*":
        return bool(left.cols == right.rows)
    return bool(left.shape == right.shape)


def _transposed_hint(left: Any, right: Any, op: str) -> str:
    for a, b, which in ((left.T, right, "the left"), (left, right.T, "the right")):
        if _fits(a, b, op):
            return f" (transposed? with {which} factor transposed the shapes fit)"
    return ""


def combine(op: str, left: Any, right: Any) -> Any:
    """``left op right`` with shapes checked; op is one of + - * ⊙ ⊘."""
    if op == "*" and isinstance(left, OnesVector) and is_matrix(right):
        left = left.matrix(right.rows) if left.transposed else left.matrix()
    if op == "*" and isinstance(right, OnesVector) and is_matrix(left):
        right = right.matrix(left.cols) if not right.transposed else right.matrix()
    if op != "*":  # 1 - y: as long as the other operand
        for ones, other in ((left, right), (right, left)):
            if isinstance(ones, OnesVector) and not isinstance(other, OnesVector):
                size = other.rows if is_matrix(other) else 1
                filled = ones.matrix(size if not ones.transposed else None)
                if ones.transposed and is_matrix(other):
                    filled = ones.matrix(other.cols)
                left, right = (filled, right) if ones is left else (left, filled)
    left, right = simplified(materialized(left)), simplified(materialized(right))
    both = is_matrix(left) and is_matrix(right)
    if op == "⊘":
        if not both:
            return simplified(left / right)
        if left.shape != right.shape:
            raise ShapeMismatch(
                f"shape mismatch in ⊘: {shape_text(left)} ⊘ {shape_text(right)}"
                + _transposed_hint(left, right, "⊙")
            )
        return simplified(
            sp.ImmutableMatrix(left.rows, left.cols, lambda i, j: left[i, j] / right[i, j])
        )
    if op == "⊙":
        if not both:
            return simplified(left * right)
        if left.shape != right.shape:
            raise ShapeMismatch(
                f"shape mismatch in ⊙: {shape_text(left)} ⊙ {shape_text(right)}"
                + _transposed_hint(left, right, op)
            )
        return simplified(left.multiply_elementwise(right))
    if op == "*":
        if both and left.cols != right.rows:
            raise ShapeMismatch(
                f"shape mismatch in a product: ({shape_text(left)}) times ({shape_text(right)})"
                + _transposed_hint(left, right, op)
            )
        return simplified(left * right)
    if is_matrix(left) != is_matrix(right):
        raise ShapeMismatch(f"shape mismatch in {op}: {shape_text(left)} {op} {shape_text(right)}")
    if both and left.shape != right.shape:
        raise ShapeMismatch(
            f"shape mismatch in {op}: {shape_text(left)} {op} {shape_text(right)}"
            + _transposed_hint(left, right, op)
        )
    return simplified(left + right if op == "+" else left - right)


def entries(truth: Any, claim: Any) -> list[tuple[str, sp.Expr, sp.Expr]]:
    """Pairs of entries to compare (with a label such as "entry (1, 0)"), shapes checked."""
    truth, claim = simplified(materialized(truth)), simplified(materialized(claim))
    if not is_matrix(truth) and not is_matrix(claim):
        return [("", truth, claim)]
    if not (is_matrix(truth) and is_matrix(claim)) or truth.shape != claim.shape:
        hint = ""
        if is_matrix(truth) and is_matrix(claim) and truth.shape == claim.T.shape:
            hint = " (transposed?)"
        raise ShapeMismatch(
            f"shapes differ: the left side is {shape_text(truth)}, the right side "
            f"{shape_text(claim)}{hint}"
        )
    return [
        (f"entry ({i}, {j}) ", truth[i, j], claim[i, j])
        for i in range(truth.rows)
        for j in range(truth.cols)
    ]
