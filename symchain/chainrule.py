"""The chain-rule engine: local factors from equations, adjoints defined once, a product per path.

Any network written as equations (the dense network, or a graph read from a file) gives the
engine two things: the *consumers* of each symbol (the quantities whose equations use it) and the
*local factor* ∂q/∂u each equation contributes. A *closing* rule says where a path stops and what
closes it: the adjoint ∂C_0/∂q of a quantity defined once and reused (δ_j^(l) for a dense
network, ∂C_0/∂h for a graph's quantity with several consumers). From these the engine writes

- ``tail(q)``: the factors from q to the loss through quantities with one consumer, then the
  closing factor; computed once per quantity, so shared tails cost nothing more;
- ``uses(s)``: one product per consumer c of s, ``∂c/∂s`` then ``tail(c)``, which is both a
  parameter's gradient (one product per use) and an adjoint's definition.

So the work is linear in the size of the network; how the products are named and printed (the
lecture's δ, or the graph's adjoints) is the caller's view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import sympy as sp

from .derivation import Factor
from .nodes import Partial


class Equations(Protocol):
    """What the engine reads of a network written as equations."""

    @property
    def loss(self) -> sp.Symbol:
        """The last quantity (C_0 per sample, or C over a batch)."""
        ...

    def consumers(self, symbol: sp.Symbol) -> Sequence[sp.Symbol]:
        """The quantities whose equations use ``symbol`` (towards the loss), in a fixed order."""
        ...

    def local(self, consumer: sp.Symbol, used: sp.Symbol) -> sp.Expr:
        """∂consumer/∂used from the consumer's own equation."""
        ...


# closing(q): the factor that ends a path at quantity q (its adjoint), or None to walk on.
Closing = Callable[[sp.Symbol], Factor | None]


class ChainRule:
    """Products of local factors from any symbol to the loss, each tail written once."""

    def __init__(self, equations: Equations, closing: Closing) -> None:
        self.equations = equations
        self.closing = closing
        self._tails: dict[sp.Symbol, tuple[Factor, ...]] = {}

    def factor(
        self, consumer: sp.Symbol, used: sp.Symbol, local: sp.Expr | None = None
    ) -> Factor:
        """∂consumer/∂used as a factor: its Leibniz form and its value (``local`` when the caller
        has it already from the consumer's rule, as the dense deriver has for 100k weights)."""
        if local is None:
            local = self.equations.local(consumer, used)
        return Factor(Partial(consumer, used), local)

    def tail(self, quantity: sp.Symbol) -> tuple[Factor, ...]:
        """Factors from ``quantity`` to the loss: single-consumer links, then a closing adjoint."""
        known = self._tails.get(quantity)
        if known is None:
            known = self._tails[quantity] = tuple(self._walk(quantity))
        return known

    def _walk(self, quantity: sp.Symbol) -> list[Factor]:
        equations = self.equations
        loss = equations.loss
        factors: list[Factor] = []
        while quantity != loss:
            closing = self.closing(quantity)
            if closing is not None:
                factors.append(closing)
                break
            (consumer,) = equations.consumers(quantity)
            factors.append(self.factor(consumer, quantity))
            quantity = consumer
        return factors

    def use(
        self, consumer: sp.Symbol, symbol: sp.Symbol, local: sp.Expr | None = None
    ) -> tuple[Factor, ...]:
        """The product for one use of ``symbol``: ∂consumer/∂symbol, then the consumer's tail."""
        return (self.factor(consumer, symbol, local), *self.tail(consumer))

    def uses(self, symbol: sp.Symbol) -> tuple[tuple[sp.Symbol, tuple[Factor, ...]], ...]:
        """One product per consumer of ``symbol``, with the consumer: ∂C_0/∂symbol is their sum."""
        return tuple((c, self.use(c, symbol)) for c in self.equations.consumers(symbol))
