"""The deriver: chain-rule products for every parameter, reusing error terms δ (linear in P).

For a parameter θ of neuron j in layer l the chain starts ∂z_j^(l)/∂θ · ∂a_j^(l)/∂z_j^(l) and
continues through the next layers while each has one neuron (no sum is needed, so the product reads
as in the seed). At the first later layer with several neurons it closes with ∂C_0/∂a_k^(m), whose
value Σ_j w_jk^(m+1) δ_j^(m+1) uses the error terms δ_j^(m+1) = ∂C_0/∂z_j^(m+1), each defined once
by the same rule (j runs over the later layer, k is the neuron of layer m, as in the seed).
Nothing differentiates the composed loss, so the work is linear in parameters.

The products come from the chain-rule engine (:mod:`symchain.chainrule`), which the graph deriver
runs too: :class:`DenseEquations` is the dense network as equations (consumers, and local factors
by the layer rules), and this module is the lecture's view of it, where chains close (at
∂C_0/∂a_k = Σ_j w_jk δ_j) and which adjoints are named δ.

A softmax output layer is not elementwise: every a_i^(L) depends on every z_j^(L), so its chains
close with ∂C_0/∂z_k^(L) = δ_k^(L), defined once as Σ_j ∂a_j^(L)/∂z_k^(L) · ∂C_0/∂a_j^(L)
(with cross-entropy: a_k^(L) Σ_j y_j - y_k, that is a_k^(L) - y_k for targets that sum to 1).

Speed: every symbol is made once per derivation, and the products and sums whose canonical form
is known in advance (w·δ, Σ_j w_jk δ_j, a_k times a neuron's shared factors) are assembled in
SymPy's canonical argument order without re-running its ``flatten``; tests check that the result
is identical (``==`` and the same ``args``) to the evaluated SymPy expression.
"""

from __future__ import annotations

import gc
from bisect import bisect_right, insort
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property

import sympy as sp
from sympy.core.basic import _args_sortkey

from . import naming
from .budget import Budget
from .chainrule import ChainRule
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


class DenseEquations:
    """The dense network as equations, for the chain-rule engine: z_j^(l) = Σ_k w_jk a_k + b_j,
    a_j^(l) = σ(z_j^(l)) (softmax: of the whole layer), C_0 = ℓ(a^(L), y).

    Every symbol is made once (SymPy's symbol cache costs ~10 µs per look-up), and each local
    factor comes from its equation's rule (a_k, 1, w_jk, σ'(z_j), ∂C_0/∂a_j), never from
    differentiating the equation, so a 784-128-10 network's 100k factors cost a look-up each.
    """

    loss = naming.SAMPLE_LOSS

    def __init__(self, network: Network) -> None:
        self.network = network
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
        # Where each quantity is: (kind, layer, j, 0) with kind "z" or "a" (parameters: located).
        self.where: dict[sp.Symbol, tuple[str, int, int, int]] = {}
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
            self.where.update((z, ("z", layer, j, 0)) for j, z in enumerate(self.z[layer]))
        for layer in range(depth + 1):
            self.where.update((a, ("a", layer, j, 0)) for j, a in enumerate(self.a[layer]))
        self.vector_output = not network.activation_of(depth).elementwise
        self._derivatives: dict[sp.Symbol, sp.Expr] = {}

    def w(self, layer: int) -> list[list[sp.Symbol]]:
        """The weights of ``layer`` as rows w[j][k]."""
        return self.weights[layer]

    @cached_property
    def _parameters(self) -> dict[sp.Symbol, tuple[str, int, int, int]]:
        """Where each parameter is: ("w", layer, j, k) or ("b", layer, j, 0). Made on first use:
        hashing 100k symbols costs more than deriving them, and the deriver knows its own."""
        where: dict[sp.Symbol, tuple[str, int, int, int]] = {}
        for layer in range(1, self.network.depth + 1):
            for j, row in enumerate(self.weights[layer]):
                where.update((w, ("w", layer, j, k)) for k, w in enumerate(row))
                where[self.biases[layer][j]] = ("b", layer, j, 0)
        return where

    def fan_out(self, layer: int, k: int) -> list[sp.Symbol]:
        """∂z_i^(layer+1)/∂a_k^(layer) = w_ik^(layer+1) for every neuron i of the next layer."""
        return [row[k] for row in self.weights[layer + 1]]

    def locate(self, symbol: sp.Symbol) -> tuple[str, int, int, int]:
        """(kind, layer, j, k) of any symbol of the network (kind: "w", "b", "z" or "a")."""
        found = self.where.get(symbol)
        return found if found is not None else self._parameters[symbol]

    def affine_local(self, layer: int, k: int | None) -> sp.Expr:
        """∂z_j^(layer)/∂w_jk = a_k^(layer-1), or ∂z_j/∂b_j = 1 when k is None."""
        return sp.S.One if k is None else self.a[layer - 1][k]

    def is_vector_layer(self, layer: int) -> bool:
        """True for a softmax output layer (every a_i^(L) depends on every z_j^(L))."""
        return self.vector_output and layer == self.network.depth

    def consumers(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        """w_jk, b_j → z_j; z_j → a_j (softmax: every a of the layer); a_k → every z of the
        next layer; a^(L) → C_0."""
        kind, layer, j, _ = self.locate(symbol)
        if kind in ("w", "b"):
            return (self.z[layer][j],)
        if kind == "z":
            return tuple(self.a[layer]) if self.is_vector_layer(layer) else (self.a[layer][j],)
        if layer == self.network.depth:
            return (self.loss,)
        return tuple(self.z[layer + 1])

    def local(self, consumer: sp.Symbol, used: sp.Symbol) -> sp.Expr:
        """∂consumer/∂used by the rule of the consumer's equation."""
        kind, layer, j, k = self.locate(used)
        if kind in ("w", "b"):
            return self.affine_local(layer, k if kind == "w" else None)
        if kind == "a":
            if consumer == self.loss:
                return self.network.loss_derivative(j)
            return self.fan_out(layer, j)[self.where[consumer][2]]
        if self.is_vector_layer(layer):  # ∂a_i/∂z_j of softmax, written back in the a's
            outputs = {self.network.activation(layer, i): a for i, a in enumerate(self.a[layer])}
            i = self.where[consumer][2]
            return sp.diff(self.network.activation(layer, i), used).xreplace(outputs)
        derivative = self._derivatives.get(used)
        if derivative is None:
            derivative = self._derivatives[used] = self.network.activation_of(layer).derivative(
                used
            )
        return derivative


class _ErrorTerms:
    """The lecture's closing rule: chains stop at ∂C_0/∂a_k = Σ_j w_jk δ_j (a_k feeding several
    neurons) or at δ_j^(L) (softmax), and the δ they name are remembered to be defined once.

    Kept apart from the deriver (which holds the engine) so that nothing forms a cycle and a
    derivation's scaffolding is freed as soon as it returns.
    """

    def __init__(self, equations: DenseEquations) -> None:
        self.equations = equations
        self.used: set[tuple[int, int]] = set()

    def __call__(self, quantity: sp.Symbol) -> Factor | None:
        """Where a chain stops: at a_k feeding several neurons, with ∂C_0/∂a_k = Σ_j w_jk δ_j,
        or at z_j^(L) of a softmax output layer, with δ_j^(L)."""
        sym = self.equations
        kind, layer, j, _ = sym.where[quantity]
        if kind == "z":
            return self.output_error_factor(j) if sym.is_vector_layer(layer) else None
        if layer == sym.network.depth or sym.network.widths[layer + 1] == 1:
            return None
        return Factor(Partial(naming.SAMPLE_LOSS, quantity), self.weighted_errors(quantity))

    def weighted_errors(self, a: sp.Symbol) -> sp.Expr:
        """Σ_j ∂z_j/∂a · δ_j over the consumers z_j of ``a``, that is Σ_j w_jk δ_j."""
        sym = self.equations
        _, layer, k, _ = sym.where[a]
        terms = []
        # the consumers z_i of a_k are the next layer's neurons, with local factors w_ik
        for w, d in zip(sym.fan_out(layer, k), sym.delta[layer + 1], strict=True):
            # two real symbols: SymPy orders them (and products of them) by name
            terms.append(sp.Mul._from_args((w, d) if w.name <= d.name else (d, w), True))
        terms.sort(key=lambda t: (t.args[0].name, t.args[1].name))
        self.used.update((layer + 1, i) for i in range(len(terms)))
        return sp.Add._from_args(tuple(terms), True)

    def output_error_factor(self, j: int) -> Factor:
        """∂C_0/∂z_j^(L) = δ_j^(L) for a softmax output layer (defined in its own section)."""
        sym = self.equations
        layer = sym.network.depth
        self.used.add((layer, j))
        return Factor(Partial(naming.SAMPLE_LOSS, sym.z[layer][j]), sym.delta[layer][j])


class _Deriver:
    """The lecture's view of the chain-rule engine on a dense network: chains close at
    ∂C_0/∂a_k = Σ_j w_jk δ_j (or at δ_j^(L) for softmax), and each δ is defined once."""

    def __init__(self, network: Network, budget: Budget) -> None:
        self.network = network
        self.budget = budget
        self.symbols = DenseEquations(network)
        self.closing = _ErrorTerms(self.symbols)
        self.used_errors = self.closing.used
        self.engine = ChainRule(self.symbols, self.closing)
        self._shared: dict[
            tuple[int, int], tuple[tuple[Factor, ...], sp.Expr, int | None, bool]
        ] = {}

    def check_budget(self) -> None:
        self.budget.check()

    def is_vector_layer(self, layer: int) -> bool:
        return self.symbols.is_vector_layer(layer)

    def shared(
        self, layer: int, j: int
    ) -> tuple[tuple[Factor, ...], sp.Expr, int | None, bool]:
        """The factors every parameter of neuron j shares after ∂z/∂θ, their product, and where
        a weight's a_k goes among the product's arguments (None: let SymPy decide), and whether
        the product was assembled directly (then it is also the bias's gradient)."""
        key = (layer, j)
        known = self._shared.get(key)
        if known is None:
            factors = self.engine.tail(self.symbols.z[layer][j])
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
        """The gradient of w_jk^(layer) (or of b_j^(layer) when k is None): its one use."""
        rest, product, at, fast = self.shared(layer, j)
        local = self.symbols.affine_local(layer, k)
        # the engine's use of θ by z_j: ∂z_j/∂θ, then z_j's tail (``rest``, shared by the neuron)
        factors = (self.engine.factor(self.symbols.z[layer][j], parameter, local), *rest)
        if k is not None and at is not None:
            args = product.args
            gradient = sp.Mul._from_args((*args[:at], local, *args[at:]), True)
        elif k is not None and isinstance(product, sp.Mul):
            gradient = _times_symbol(local, product)  # type: ignore[arg-type]
        elif k is None and fast:
            gradient = product  # 1 · σ'(z_k) · Σ_j w_jk δ_j
        else:
            gradient = sp.Mul(local, *(f.value for f in rest))
        chain = Chain(naming.SAMPLE_LOSS, parameter, (factors,))
        return ParameterGradient(parameter, chain, gradient, self.network.widths)

    def parameter_chain(self, parameter: sp.Symbol) -> Chain:
        return self.parameter_gradient(parameter).chain

    def error_chain(self, layer: int, j: int) -> Chain:
        if self.is_vector_layer(layer):
            return self.vector_error_chain(j)
        z = self.symbols.z[layer][j]
        return Chain(naming.SAMPLE_LOSS, z, tuple(f for _, f in self.engine.uses(z)))

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
        a = self.symbols.a[layer][k]
        return Chain(naming.SAMPLE_LOSS, a, tuple(f for _, f in self.engine.uses(a)))

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
    gradients = []
    with _collector_paused():
        deriver = _Deriver(network, budget if isinstance(budget, Budget) else Budget(budget))
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the deriver allocates, then restored.

    Every parameter adds a few SymPy objects (its symbol the first time, its chain and gradient)
    that all stay alive (they are the derivation), so
    the collector's passes, triggered by allocation counts, would find nothing to free while
    re-scanning the growing heap: at 784-128-10 (101,770 parameters) they were 85% of the time
    (2.4 s of 2.8 s). Reference counting still frees everything it can; cycles made meanwhile
    are collected at the next pass after the derivation. Nested or concurrent use is safe: only
    the call that found the collector enabled enables it again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
