"""The deriver: chain-rule products for every parameter, reusing error terms δ (linear in P).

For a parameter θ of neuron j in layer l the chain starts ∂z_j^(l)/∂θ · ∂a_j^(l)/∂z_j^(l) and
continues through the next layers while each has one neuron (no sum is needed, so the product reads
as in the seed). At the first later layer with several neurons it closes with ∂C_0/∂a_k^(m), whose
value Σ_j w_jk^(m+1) δ_j^(m+1) uses the error terms δ_j^(m+1) = ∂C_0/∂z_j^(m+1), each defined once
by the same rule (j runs over the later layer, k is the neuron of layer m, as in the seed).
Nothing differentiates the composed loss, so the work is linear in parameters.

A softmax output layer is not elementwise: every a_i^(L) depends on every z_j^(L), so its chains
close with ∂C_0/∂z_k^(L) = δ_k^(L), defined once as Σ_j ∂a_j^(L)/∂z_k^(L) · ∂C_0/∂a_j^(L)
(with cross-entropy: a_k^(L) Σ_j y_j - y_k, that is a_k^(L) - y_k for targets that sum to 1).

Speed: every symbol is made once per derivation, and the products and sums whose canonical form
is known in advance (w·δ, Σ_j w_jk δ_j, a_k times a neuron's shared factors) are assembled in
SymPy's canonical argument order without re-running its ``flatten``; tests check that the result
is identical (``==`` and the same ``args``) to the evaluated SymPy expression.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable

import sympy as sp
from sympy.core.basic import _args_sortkey

from . import naming
from .budget import Budget
from .derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
from .network import Network
from .nodes import Partial
from .pairs import get_pair
from .spec import check_unrolled_size

DEFAULT_BUDGET_SECONDS = 120.0

# Called as progress(done, total) while parameters are derived or written (a progress bar).
Progress = Callable[[int, int], None]


def _product(args: list[sp.Expr]) -> sp.Expr:
    """``Mul(*args)`` of distinct symbols (no numbers) in canonical order, without flatten."""
    return sp.Mul._from_args(sorted(args, key=_args_sortkey), True)


def _times_symbol(symbol: sp.Symbol, rest: sp.Expr) -> sp.Expr:
    """``Mul(symbol, rest)`` where ``symbol`` does not occur in ``rest`` as a factor.

    Falls back on SymPy's own ``Mul`` unless ``rest`` is a product without a power of ``symbol``.
    """
    name = symbol.name
    if not isinstance(rest, sp.Mul) or any(
        (arg.is_Symbol and arg.name == name) or (arg.is_Pow and arg.base == symbol)
        for arg in rest.args
    ):
        return sp.Mul(symbol, rest)
    args = list(rest.args)
    if args[0].is_Number:
        tail = args[1:]
        insort(tail, symbol, key=_args_sortkey)
        args = [args[0], *tail]
    else:
        insort(args, symbol, key=_args_sortkey)
    return sp.Mul._from_args(args, True)


def _insertion_point(product: sp.Expr) -> int | None:
    """Where any symbol goes among the arguments of ``product`` in SymPy's canonical order.

    Only when no argument is a symbol or a power of one: then the order between the symbol and
    each argument depends on their classes alone, so it is the same for every symbol.
    """
    if not isinstance(product, sp.Mul):
        return None
    args = product.args
    if any(arg.is_Symbol or (arg.is_Pow and arg.base.is_Symbol) for arg in args):
        return None
    start = 1 if args[0].is_Number else 0
    probe = sp.Symbol("a_probe", real=True)
    return start + bisect_right(args[start:], _args_sortkey(probe), key=_args_sortkey)


class _Symbols:
    """Every symbol of a network, made once (SymPy's symbol cache costs ~10 µs per look-up)."""

    def __init__(self, network: Network) -> None:
        widths = network.widths
        depth = network.depth
        self.a = [[naming.activation(layer, j) for j in range(widths[layer])]
                  for layer in range(depth + 1)]
        self.z: list[list[sp.Symbol]] = [[]] + [
            [naming.preactivation(layer, j) for j in range(widths[layer])]
            for layer in range(1, depth + 1)
        ]
        self.delta: list[list[sp.Symbol]] = [[]] + [
            [naming.error(layer, j) for j in range(widths[layer])]
            for layer in range(1, depth + 1)
        ]
        self.y = [naming.target(j) for j in range(widths[-1])]
        # The network's parameters, per layer: weights row by row, then biases.
        self.weights: list[list[list[sp.Symbol]]] = [[]]
        self.biases: list[list[sp.Symbol]] = [[]]
        parameters = network.parameters
        start = 0
        for layer in range(1, depth + 1):
            rows, cols = widths[layer], widths[layer - 1]
            self.weights.append(
                [list(parameters[start + j * cols : start + (j + 1) * cols]) for j in range(rows)]
            )
            start += rows * cols
            self.biases.append(list(parameters[start : start + rows]))
            start += rows

    def w(self, layer: int) -> list[list[sp.Symbol]]:
        """The weights of ``layer`` as rows w[j][k]."""
        return self.weights[layer]


class _Deriver:
    """Builds chains for one network; remembers which error terms the chains use."""

    def __init__(self, network: Network, budget: Budget) -> None:
        self.network = network
        self.budget = budget
        self.used_errors: set[tuple[int, int]] = set()
        self.symbols = _Symbols(network)
        self.vector_output = not network.activation_of(network.depth).elementwise
        self._upstream: dict[tuple[int, int], tuple[Factor, ...]] = {}
        self._activation_factors: dict[tuple[int, int], Factor] = {}
        self._shared: dict[
            tuple[int, int], tuple[tuple[Factor, ...], sp.Expr, int | None, bool]
        ] = {}

    def check_budget(self) -> None:
        self.budget.check()

    def is_vector_layer(self, layer: int) -> bool:
        return self.vector_output and layer == self.network.depth

    def activation_factor(self, layer: int, j: int) -> Factor:
        key = (layer, j)
        factor = self._activation_factors.get(key)
        if factor is None:
            z = self.symbols.z[layer][j]
            derivative = self.network.activation_of(layer).derivative(z)
            factor = Factor(Partial(self.symbols.a[layer][j], z), derivative)
            self._activation_factors[key] = factor
        return factor

    def output_error_factor(self, j: int) -> Factor:
        """∂C_0/∂z_j^(L) = δ_j^(L) for a softmax output layer (defined in its own section)."""
        layer = self.network.depth
        self.used_errors.add((layer, j))
        return Factor(
            Partial(naming.SAMPLE_LOSS, self.symbols.z[layer][j]), self.symbols.delta[layer][j]
        )

    def local_factors(self, layer: int, j: int) -> list[Factor]:
        """From z_j^(layer) to C_0: ∂a/∂z then the upstream factors (or ∂C_0/∂z for softmax)."""
        if self.is_vector_layer(layer):
            return [self.output_error_factor(j)]
        return [self.activation_factor(layer, j), *self.upstream(layer, j)]

    def upstream(self, layer: int, j: int) -> tuple[Factor, ...]:
        """Factors from a_j^(layer) to C_0: through layers of width 1, then one closing factor."""
        key = (layer, j)
        if key not in self._upstream:
            self._upstream[key] = tuple(self._walk_upstream(layer, j))
        return self._upstream[key]

    def _walk_upstream(self, layer: int, j: int) -> list[Factor]:
        net, sym = self.network, self.symbols
        factors: list[Factor] = []
        while True:
            a = sym.a[layer][j]
            if layer == net.depth:
                factors.append(Factor(Partial(naming.SAMPLE_LOSS, a), net.loss_derivative(j)))
                return factors
            nxt = layer + 1
            if net.widths[nxt] == 1:
                factors.append(Factor(Partial(sym.z[nxt][0], a), sym.w(nxt)[0][j]))
                if self.is_vector_layer(nxt):
                    factors.append(self.output_error_factor(0))
                    return factors
                factors.append(self.activation_factor(nxt, 0))
                layer, j = nxt, 0
                continue
            weights = sym.w(nxt)
            deltas = sym.delta[nxt]
            terms = []
            for i in range(net.widths[nxt]):
                # two real symbols: SymPy orders them (and products of them) by name
                w, d = weights[i][j], deltas[i]
                terms.append(sp.Mul._from_args((w, d) if w.name <= d.name else (d, w), True))
            terms.sort(key=lambda t: (t.args[0].name, t.args[1].name))
            value = sp.Add._from_args(tuple(terms), True)
            self.used_errors.update((nxt, i) for i in range(net.widths[nxt]))
            factors.append(Factor(Partial(naming.SAMPLE_LOSS, a), value))
            return factors

    def shared(
        self, layer: int, j: int
    ) -> tuple[tuple[Factor, ...], sp.Expr, int | None, bool]:
        """The factors every parameter of neuron j shares after ∂z/∂θ, their product, and where
        a weight's a_k goes among the product's arguments (None: let SymPy decide), and whether
        the product was assembled directly (then it is also the bias's gradient)."""
        key = (layer, j)
        known = self._shared.get(key)
        if known is None:
            factors = tuple(self.local_factors(layer, j))
            values = [f.value for f in factors]
            fast = (
                len(values) == 2
                and isinstance(values[0], sp.Function)
                and isinstance(values[1], sp.Add)
            )
            if fast:
                product = _product(values)  # σ'(z_k) · Σ_j w_jk δ_j: no number, no common base
            else:
                product = sp.Mul(*values)
            known = (factors, product, _insertion_point(product), fast)
            self._shared[key] = known
        return known

    def parameter_gradient(self, parameter: sp.Symbol) -> ParameterGradient:
        label = naming.label_of(parameter)
        assert label is not None and label.layer is not None and label.j is not None
        return self.gradient_at(parameter, label.layer, label.j, label.k)

    def gradient_at(
        self, parameter: sp.Symbol, layer: int, j: int, k: int | None
    ) -> ParameterGradient:
        """The gradient of w_jk^(layer) (or of b_j^(layer) when k is None)."""
        z = self.symbols.z[layer][j]
        rest, product, at, fast = self.shared(layer, j)
        local: sp.Expr = sp.S.One
        if k is not None:
            local = self.symbols.a[layer - 1][k]
        if k is not None and at is not None:
            args = product.args
            gradient = sp.Mul._from_args((*args[:at], local, *args[at:]), True)
        elif k is not None and isinstance(product, sp.Mul):
            gradient = _times_symbol(local, product)  # type: ignore[arg-type]
        elif k is None and fast:
            gradient = product  # 1 · σ'(z_k) · Σ_j w_jk δ_j
        else:
            gradient = sp.Mul(local, *(f.value for f in rest))
        factors = (Factor(Partial(z, parameter), local), *rest)
        chain = Chain(naming.SAMPLE_LOSS, parameter, (factors,))
        return ParameterGradient(parameter, chain, gradient, self.network.widths)

    def parameter_chain(self, parameter: sp.Symbol) -> Chain:
        return self.parameter_gradient(parameter).chain

    def error_chain(self, layer: int, j: int) -> Chain:
        if self.is_vector_layer(layer):
            return self.vector_error_chain(j)
        factors = [self.activation_factor(layer, j), *self.upstream(layer, j)]
        return Chain(naming.SAMPLE_LOSS, self.symbols.z[layer][j], (tuple(factors),))

    def vector_error_chain(self, j: int) -> Chain:
        """δ_j^(L) = Σ_i ∂a_i^(L)/∂z_j^(L) · ∂C_0/∂a_i^(L) for a softmax output layer.

        One factor whose Leibniz form is the sum over the outputs and whose value is the closed
        form: a_j(g_j - Σ_i a_i g_i) with g = ∇_a C_0, or the pair's own rule (cross-entropy).
        """
        net, sym = self.network, self.symbols
        layer = net.depth
        a, z, y = sym.a[layer], sym.z[layer], sym.y
        leibniz = sp.Add(
            *(
                sp.Mul(Partial(a[i], z[j]), Partial(naming.SAMPLE_LOSS, a[i]), evaluate=False)
                for i in range(len(a))
            ),
            evaluate=False,
        )
        pair = get_pair(net.activation_of(layer), net.loss)
        if pair is not None and pair.display_delta is not None:
            value = pair.display_delta(a, y, j)
        else:
            g = [net.loss_derivative(i) for i in range(len(a))]
            weighted = sp.Add(*(a[i] * g[i] for i in range(len(a))))
            value = a[j] * (g[j] - weighted)
        factor = Factor(leibniz, value)
        return Chain(naming.SAMPLE_LOSS, z[j], ((factor,),))

    def activation_chain(self, layer: int, k: int) -> Chain:
        """∂C_0/∂a_k^(layer): one product per neuron of the next layer that a_k feeds."""
        net, sym = self.network, self.symbols
        a = sym.a[layer][k]
        if layer == net.depth:
            return Chain(naming.SAMPLE_LOSS, a, (tuple(self.upstream(layer, k)),))
        nxt = layer + 1
        terms = []
        for j in range(net.widths[nxt]):
            first = Factor(Partial(sym.z[nxt][j], a), sym.w(nxt)[j][k])
            terms.append((first, *self.local_factors(nxt, j)))
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
            defined[key] = ErrorTerm(self.symbols.delta[key[0]][key[1]], chain,
                                     self.network.widths)
            pending.extend(sorted(self.used_errors - before))
            self.check_budget()
        return tuple(defined[key] for key in sorted(defined, key=lambda lk: (-lk[0], lk[1])))


def derive(
    network: Network,
    parameters: tuple[sp.Symbol, ...] | None = None,
    budget: float | Budget = DEFAULT_BUDGET_SECONDS,
    progress: Progress | None = None,
) -> Derivation:
    """Derive ∂C_0/∂θ factor by factor, and ∂C/∂θ over a batch, for every parameter θ.

    Args:
        network: the network.
        parameters: the parameters to derive (default: all, in ∇C order).
        budget: seconds the symbolic work may take before :class:`BudgetError`, or a
            :class:`~symchain.budget.Budget` (checked every 256 parameters, per error term and
            at the end).
        progress: called as ``progress(done, total)`` every 256 parameters and at the end.
    """
    check_unrolled_size(network.spec)
    deriver = _Deriver(network, budget if isinstance(budget, Budget) else Budget(budget))
    gradients = []
    total = len(network.parameters if parameters is None else parameters)
    for parameter, where in _located(deriver, parameters):
        gradients.append(deriver.gradient_at(parameter, *where))
        if len(gradients) % 256 == 0:
            deriver.check_budget()
            if progress is not None:
                progress(len(gradients), total)
    deriver.check_budget()
    if progress is not None:
        progress(total, total)
    errors = deriver.errors()
    deriver.check_budget()
    return Derivation(network, tuple(gradients), errors)


def _located(
    deriver: _Deriver, parameters: tuple[sp.Symbol, ...] | None
) -> list[tuple[sp.Symbol, tuple[int, int, int | None]]]:
    """The parameters to derive with their (layer, j, k), in the order asked (∇C by default)."""
    if parameters is not None:
        located = []
        for parameter in parameters:
            label = naming.label_of(parameter)
            assert label is not None and label.layer is not None and label.j is not None
            located.append((parameter, (label.layer, label.j, label.k)))
        return located
    sym = deriver.symbols
    result: list[tuple[sp.Symbol, tuple[int, int, int | None]]] = []
    for layer in range(1, deriver.network.depth + 1):
        for j, row in enumerate(sym.weights[layer]):
            result.extend((w, (layer, j, k)) for k, w in enumerate(row))
        result.extend((b, (layer, j, None)) for j, b in enumerate(sym.biases[layer]))
    return result


def derive_activation(network: Network, layer: int, k: int) -> Chain:
    """∂C_0/∂a_k^(layer) as a chain (a sum over the neurons a_k feeds, where it feeds several)."""
    return _Deriver(network, Budget(DEFAULT_BUDGET_SECONDS)).activation_chain(layer, k)
