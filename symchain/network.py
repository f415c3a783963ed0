"""A network as SymPy expressions: z = W a + b, a = σ(z) per layer, and the loss C_0."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from . import naming
from .activations import Activation, get_activation
from .losses import Loss, get_loss
from .pairs import check_pair
from .printing import to_latex, to_unicode
from .spec import SEED_WIDTHS, NetworkSpec


@dataclass(frozen=True)
class Network:
    """The forward graph of a fully connected network, one symbol per quantity.

    Layers are numbered 1..L (absolute); layer 0 is the input x. Every quantity (w, b, z, a, x, y)
    is a SymPy symbol from :mod:`symchain.naming`; the definitions tie them together.
    """

    spec: NetworkSpec
    activations: tuple[Activation, ...] = field(init=False)
    loss: Loss = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "activations", tuple(get_activation(n) for n in self.spec.activations)
        )
        object.__setattr__(self, "loss", get_loss(self.spec.loss))
        check_pair(self.activations[-1], self.loss)

    @classmethod
    def from_widths(
        cls,
        widths: tuple[int, ...] | list[int] = SEED_WIDTHS,
        activation: str | tuple[str, ...] = "sigmoid",
        loss: str = "squared_error",
    ) -> Network:
        """A network from its widths (inputs first), activation name(s) and loss name."""
        return cls(NetworkSpec.build(tuple(widths), activation, loss))

    @property
    def widths(self) -> tuple[int, ...]:
        return self.spec.widths

    @property
    def depth(self) -> int:
        """L, the number of layers with weights."""
        return self.spec.depth

    def activation_of(self, layer: int) -> Activation:
        return self.activations[layer - 1]

    # Printing --------------------------------------------------------------------------------
    def latex(self, expr: sp.Basic, notation: str = "relative") -> str:
        """LaTeX of any expression over this network's symbols in the lecture's notation.

        ``sympy.latex`` knows only a symbol's absolute layer (``a_{0}^{(2)}``); this knows the
        depth and the widths: ``(L)``, ``(L-1)`` (``notation="absolute"``: ``(1)`` .. ``(L)``),
        subscripts dropped where the layers have width 1, σ'(z) and Leibniz fractions.
        """
        return to_latex(expr, self.widths, notation)

    def unicode(self, expr: sp.Basic, notation: str = "relative") -> str:
        """Unicode of any expression over this network's symbols: ``2·a⁽ᴸ⁻¹⁾·σ'(z⁽ᴸ⁾)·…``."""
        return to_unicode(expr, self.widths, notation)

    # Symbols ---------------------------------------------------------------------------------
    def x(self, k: int) -> sp.Symbol:
        return naming.activation(0, k)

    def y(self, j: int) -> sp.Symbol:
        return naming.target(j)

    def w(self, layer: int, j: int, k: int) -> sp.Symbol:
        return naming.weight(layer, j, k)

    def b(self, layer: int, j: int) -> sp.Symbol:
        return naming.bias(layer, j)

    def z(self, layer: int, j: int) -> sp.Symbol:
        return naming.preactivation(layer, j)

    def a(self, layer: int, j: int) -> sp.Symbol:
        """a_j^(layer); layer 0 is the input x_j."""
        return naming.activation(layer, j)

    @cached_property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.x(k) for k in range(self.widths[0]))

    @cached_property
    def targets(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.y(j) for j in range(self.widths[-1]))

    @cached_property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Every weight and bias in ∇C order: per layer 1..L, weights (row-major), then biases."""
        result: list[sp.Symbol] = []
        for layer in range(1, self.depth + 1):
            rows, cols = self.widths[layer], self.widths[layer - 1]
            result.extend(self.w(layer, j, k) for j in range(rows) for k in range(cols))
            result.extend(self.b(layer, j) for j in range(rows))
        return tuple(result)

    # Definitions -----------------------------------------------------------------------------
    def preactivation(self, layer: int, j: int) -> sp.Expr:
        """z_j^(l) = Σ_k w_jk^(l) a_k^(l-1) + b_j^(l), in symbols."""
        terms = [self.w(layer, j, k) * self.a(layer - 1, k) for k in range(self.widths[layer - 1])]
        return sp.Add(*terms, self.b(layer, j))

    def activation(self, layer: int, j: int) -> sp.Expr:
        """a_j^(l) = σ(z_j^(l)), in symbols (softmax: of every z of the layer)."""
        act = self.activation_of(layer)
        if act.vector is not None:
            return act.vector([self.z(layer, i) for i in range(self.widths[layer])], j)
        return act.apply(self.z(layer, j))

    def sample_loss(self) -> sp.Expr:
        """C_0 in the outputs a^(L) and targets y."""
        outputs = [self.a(self.depth, j) for j in range(self.widths[-1])]
        return self.loss.per_sample(outputs, list(self.targets))

    def loss_derivative(self, j: int) -> sp.Expr:
        """∂C_0/∂a_j^(L) in closed form, as written on paper."""
        return self.loss.derivative(self.a(self.depth, j), self.y(j))

    @cached_property
    def forward(self) -> dict[sp.Symbol, sp.Expr]:
        """Every z and a expressed in inputs and parameters (elementary functions, shared DAG)."""
        values: dict[sp.Symbol, sp.Expr] = {x: x for x in self.inputs}
        for layer in range(1, self.depth + 1):
            act = self.activation_of(layer)
            zs = []
            for j in range(self.widths[layer]):
                z = self.preactivation(layer, j).xreplace(values)
                values[self.z(layer, j)] = z
                zs.append(z)
            for j, z in enumerate(zs):
                if act.vector_elementary is not None:
                    values[self.a(layer, j)] = act.vector_elementary(zs, j)
                else:
                    values[self.a(layer, j)] = act.elementary(z)
        return values

    def composed_size(self) -> int:
        """An estimate (within about a third) of the composed loss's printed size in nodes,
        computed from the widths alone, so that too-large forms are refused before being built."""
        size = 1
        for layer in range(1, self.depth + 1):
            size = 8 + self.widths[layer - 1] * (2 + size)
        return self.widths[-1] * (size + 4) + 1

    def composed_loss(self) -> sp.Expr:
        """C_0 fully composed in inputs, parameters and targets (elementary functions)."""
        return self.sample_loss().xreplace(self.forward)
