"""Program-level nodes: calls of layer kernels and rows of layer arrays.

The numeric rules themselves (which kernel computes each display function, loss and fused pair)
live in their records: :mod:`symchain.activations`, :mod:`symchain.losses`, :mod:`symchain.pairs`,
with the kernels in :mod:`symchain.kernels`.
"""

from __future__ import annotations

import sympy as sp


class VectorActivation(sp.Function):
    """A whole layer's activation: ``VectorActivation(Symbol(kernel), z_0, ..., z_{n-1})``, an
    array of n rows."""


class LayerLoss(sp.Function):
    """C_0 of a fused layer pair: ``LayerLoss(Symbol(kernel), Tuple(z...), Tuple(y...))``."""

    nargs = 3


class LayerDelta(sp.Function):
    """δ^(L) rows of a fused layer pair: ``LayerDelta(Symbol(kernel), Tuple(z...), Tuple(a...),
    Tuple(y...))``."""

    nargs = 4


class Row(sp.Function):
    """Row j of a layer array: ``Row(S, j)`` is printed ``S[j]``."""

    nargs = 2
