"""Why a claim cannot be resolved on a network: input errors, and shapes that do not fit."""

from __future__ import annotations

from ..errors import SymchainError


class ClaimError(SymchainError):
    """A claim parses but does not make sense for this network (unknown symbol, bad layer, ...)."""


class ShapeMismatch(ClaimError):
    """Matrices whose shapes do not fit an operation or each other: the claim fails (it is not
    an input error); the message names both shapes."""
