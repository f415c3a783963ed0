"""The deriver: chain-rule products for every parameter, reusing error terms δ (linear in P).

For a parameter θ of neuron j in layer l the chain starts ∂z_j^(l)/∂θ · ∂a_j^(l)/∂z_j^(l) and
continues through the next layers while each has one neuron (no sum is needed, so the product reads
as in the seed). At the first later layer with several neurons it closes with ∂C_0/∂a_j^(m), whose
value Σ_i w_ij^(m+1) δ_i^(m+1) uses the error terms δ_i^(m+1) = ∂C_0/∂z_i^(m+1), each defined once
by the same rule. Nothing differentiates the composed loss, so the work is linear in parameters.
"""

from __future__ import annotations

import time

import sympy as sp

from . import naming
from .derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
from .errors import BudgetError
from .network import Network
from .nodes import Partial

DEFAULT_BUDGET_SECONDS = 120.0


class _Deriver:
    """Builds chains for one network; remembers which error terms the chains use."""

    def __init__(self, network: Network, deadline: float) -> None:
        self.network = network
        self.deadline = deadline
        self.used_errors: set[tuple[int, int]] = set()
        self._upstream: dict[tuple[int, int], tuple[Factor, ...]] = {}

    def check_budget(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetError(
                "the derivation ran past its time budget; use a smaller network, "
                "select parameters with --param, or raise --timeout"
            )

    def activation_factor(self, layer: int, j: int) -> Factor:
        net = self.network
        z = net.z(layer, j)
        return Factor(Partial(net.a(layer, j), z), net.activation_of(layer).derivative(z))

    def upstream(self, layer: int, j: int) -> tuple[Factor, ...]:
        """Factors from a_j^(layer) to C_0: through layers of width 1, then one closing factor."""
        key = (layer, j)
        if key not in self._upstream:
            self._upstream[key] = tuple(self._walk_upstream(layer, j))
        return self._upstream[key]

    def _walk_upstream(self, layer: int, j: int) -> list[Factor]:
        net = self.network
        factors: list[Factor] = []
        while True:
            a = net.a(layer, j)
            if layer == net.depth:
                factors.append(Factor(Partial(naming.SAMPLE_LOSS, a), net.loss_derivative(j)))
                return factors
            nxt = layer + 1
            if net.widths[nxt] == 1:
                factors.append(Factor(Partial(net.z(nxt, 0), a), net.w(nxt, 0, j)))
                factors.append(self.activation_factor(nxt, 0))
                layer, j = nxt, 0
                continue
            value = sp.Add(
                *(net.w(nxt, i, j) * naming.error(nxt, i) for i in range(net.widths[nxt]))
            )
            self.used_errors.update((nxt, i) for i in range(net.widths[nxt]))
            factors.append(Factor(Partial(naming.SAMPLE_LOSS, a), value))
            return factors

    def parameter_chain(self, parameter: sp.Symbol) -> Chain:
        label = naming.label_of(parameter)
        assert label is not None and label.layer is not None and label.j is not None
        net = self.network
        layer, j = label.layer, label.j
        z = net.z(layer, j)
        local = net.a(layer - 1, label.k) if label.kind is naming.Kind.WEIGHT else sp.S.One
        factors = [Factor(Partial(z, parameter), local), self.activation_factor(layer, j)]
        factors += list(self.upstream(layer, j))
        return Chain(naming.SAMPLE_LOSS, parameter, (tuple(factors),))

    def error_chain(self, layer: int, j: int) -> Chain:
        factors = [self.activation_factor(layer, j), *self.upstream(layer, j)]
        return Chain(naming.SAMPLE_LOSS, self.network.z(layer, j), (tuple(factors),))

    def activation_chain(self, layer: int, k: int) -> Chain:
        """∂C_0/∂a_k^(layer): one product per neuron of the next layer that a_k feeds."""
        net = self.network
        a = net.a(layer, k)
        if layer == net.depth:
            return Chain(naming.SAMPLE_LOSS, a, (tuple(self.upstream(layer, k)),))
        nxt = layer + 1
        terms = []
        for j in range(net.widths[nxt]):
            first = Factor(Partial(net.z(nxt, j), a), net.w(nxt, j, k))
            terms.append((first, self.activation_factor(nxt, j), *self.upstream(nxt, j)))
        return Chain(naming.SAMPLE_LOSS, a, tuple(terms))

    def errors(self) -> tuple[ErrorTerm, ...]:
        """Every error term the chains use, and those their definitions use in turn."""
        defined: dict[tuple[int, int], ErrorTerm] = {}
        pending = sorted(self.used_errors)
        while pending:
            key = pending.pop()
            if key in defined:
                continue
            before = set(self.used_errors)
            chain = self.error_chain(*key)
            defined[key] = ErrorTerm(naming.error(*key), chain, self.network.widths)
            pending.extend(sorted(self.used_errors - before))
            self.check_budget()
        return tuple(defined[key] for key in sorted(defined, key=lambda lk: (-lk[0], lk[1])))


def derive(
    network: Network,
    parameters: tuple[sp.Symbol, ...] | None = None,
    budget: float = DEFAULT_BUDGET_SECONDS,
) -> Derivation:
    """Derive ∂C_0/∂θ factor by factor, and ∂C/∂θ over a batch, for every parameter θ.

    Args:
        network: the network.
        parameters: the parameters to derive (default: all, in ∇C order).
        budget: seconds the symbolic work may take before :class:`BudgetError`.
    """
    deriver = _Deriver(network, time.monotonic() + budget)
    wanted = network.parameters if parameters is None else parameters
    gradients = []
    for count, parameter in enumerate(wanted):
        chain = deriver.parameter_chain(parameter)
        gradients.append(ParameterGradient(parameter, chain, chain.value, network.widths))
        if count % 64 == 0:
            deriver.check_budget()
    return Derivation(network, tuple(gradients), deriver.errors())


def derive_activation(network: Network, layer: int, k: int) -> Chain:
    """∂C_0/∂a_k^(layer) as a chain (a sum over the neurons a_k feeds, where it feeds several)."""
    return _Deriver(network, time.monotonic() + DEFAULT_BUDGET_SECONDS).activation_chain(layer, k)
