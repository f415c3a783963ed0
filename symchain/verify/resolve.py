"""A claim's syntax tree → SymPy, for one network and one choice of index values.

Symbols come from :mod:`symchain.naming`, σ and σ' from :mod:`symchain.activations`, Leibniz
factors are replaced by their true values (:class:`~symchain.verify.ground.Ground`). Nothing here
reads text: the tree was built by the parser.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import sympy as sp

from .. import naming
from ..activations import get_activation
from ..errors import SymchainError
from ..nodes import Sampled
from .ground import BATCH_SIZE, Ground, sampled
from .syntax import BigSum, Bin, Frac, Func, Group, Leibniz, Name, Neg, Node, Num, Pow

MAX_EXPONENT = 16
MAX_SUM_TERMS = 4096
MAX_TOTAL_TERMS = 20_000

NETWORK_LETTERS = ("w", "b", "z", "a", "x", "y", "δ")
INDEX_LETTERS = ("i", "j", "k", "l", "m", "p", "q")


class ClaimError(SymchainError):
    """A claim parses but does not make sense for this network (unknown symbol, bad layer, ...)."""


class IndexOutOfRange(Exception):
    """An index value does not exist in this network (used to skip or bound index values)."""


@dataclass(frozen=True)
class Scope:
    """Index letters bound to values, the current sample, and the layer offset used by diagnosis."""

    indices: dict[str, int] = field(default_factory=dict)
    samples: frozenset[str] = frozenset()
    sample: int = 0
    layer_shift: int = 0


def known_names(ground: Ground) -> str:
    net = ground.network
    return (
        "w, b, z, a with a layer label (L), (L-1), ... or (1).."
        f"({net.depth}), x (= a^{{(0)}}), y, C_0, C, δ, σ, σ', \\tanh, \\exp, \\ln, "
        f"n_l (widths), n (batch size), index letters {', '.join(INDEX_LETTERS)}"
    )


class Resolver:
    """Builds SymPy expressions (local form) from claim trees for one network."""

    def __init__(
        self, ground: Ground, deadline: float | None = None, keep_errors: bool = False
    ) -> None:
        self.keep_errors = keep_errors
        self.ground = ground
        self.network = ground.network
        self.uses_batch = False
        self.deadline = deadline
        self.terms = 0

    def count_term(self) -> None:
        """Bound the work nested sums can ask for (terms and time)."""
        self.terms += 1
        if self.terms > MAX_TOTAL_TERMS:
            raise ClaimError(f"the sums in this claim expand to more than {MAX_TOTAL_TERMS} terms")
        if self.deadline is not None and self.terms % 256 == 0 and time.monotonic() > self.deadline:
            raise ClaimError("expanding the sums ran past the claim's time budget; raise --timeout")

    # Layers and indices -----------------------------------------------------------------------
    def integer(self, node: Node, scope: Scope, what: str) -> int:
        value = self.value(node, scope)
        if not (value.is_Integer):
            raise ClaimError(f"{what} must be a whole number, got {value}")
        return int(value)  # type: ignore[arg-type]

    def layer(self, name: Name, scope: Scope) -> int:
        assert name.layer is not None
        layer = self.integer(name.layer, scope, f"the layer label of {name.base}") + (
            scope.layer_shift
        )
        depth = self.network.depth
        lowest = 0 if name.base == "a" else 1
        if not lowest <= layer <= depth:
            raise ClaimError(
                f"column {name.column}: layer {layer} of {name.base} does not exist in this "
                f"{depth}-layer network (layers {lowest}..{depth}, (L) = ({depth}))"
            )
        return layer

    def neuron_indices(self, name: Name, scope: Scope, widths: tuple[int, ...]) -> tuple[int, ...]:
        """Index values for a quantity whose positions have the given widths."""
        if name.indices is None:
            if all(width == 1 for width in widths):
                return tuple(0 for _ in widths)
            raise ClaimError(
                f"column {name.column}: {name.base} needs {len(widths)} neuron "
                f"ind{'ex' if len(widths) == 1 else 'ices'} here (widths {widths}), "
                f"e.g. {name.base}_{'jk'[: len(widths)]}"
            )
        indices = name.indices
        if len(indices) != len(widths):
            raise ClaimError(
                f"column {name.column}: {name.base} takes {len(widths)} neuron "
                f"ind{'ex' if len(widths) == 1 else 'ices'}, got {len(indices)}"
            )
        result = []
        for node, width in zip(indices, widths, strict=True):
            value = self.integer(node, scope, f"an index of {name.base}")
            if not 0 <= value < width:
                raise IndexOutOfRange(f"{name.base} index {value} (width {width})")
            result.append(value)
        return tuple(result)

    def quantity(self, name: Name, scope: Scope) -> sp.Expr:
        """The symbol a name stands for (per-sample quantities taken on the current sample)."""
        net = self.network
        widths = net.widths
        if name.primes:
            raise ClaimError(f"column {name.column}: a prime belongs after σ, as in σ'(z)")
        base = name.base
        sample = scope.sample
        if name.sample is not None:
            sample = self.integer(name.sample, scope, "a sample index")
            if not 0 <= sample < BATCH_SIZE:
                raise IndexOutOfRange(f"sample {sample} (a batch of n = {BATCH_SIZE} is checked)")
            self.uses_batch = True
        if base == "C":
            if name.indices is None:
                raise ClaimError(
                    f"column {name.column}: the batch loss C can only be differentiated, "
                    "as in \\frac{\\partial C}{\\partial w^{(L)}}"
                )
            if len(name.indices) != 1:
                raise ClaimError(f"column {name.column}: C takes one sample index, as in C_0")
            index = name.indices[0]
            if isinstance(index, Num):
                value = int(index.value)
                if value != 0:
                    self.uses_batch = True
            else:
                if not (isinstance(index, Name) and index.base in scope.samples):
                    raise ClaimError(
                        f"column {name.column}: in C_k the sample k must be bound by a sum over "
                        "the batch, \\frac{1}{n}\\sum_{k=0}^{n-1}"
                    )
                value = scope.indices[index.base]
            if not 0 <= value < BATCH_SIZE:
                raise IndexOutOfRange("sample")
            return Sampled(naming.SAMPLE_LOSS, sp.Integer(value)) if value else naming.SAMPLE_LOSS
        if base in ("x", "y"):
            if name.layer is not None:
                raise ClaimError(f"column {name.column}: {base} has no layer label")
            width = widths[0] if base == "x" else widths[-1]
            (j,) = self.neuron_indices(name, scope, (width,))
            symbol = naming.activation(0, j) if base == "x" else naming.target(j)
            return sampled(symbol, sample)
        if base not in ("w", "b", "z", "a", "δ"):
            raise ClaimError(
                f"column {name.column}: unknown symbol {base!r}; names in this "
                f"{'-'.join(map(str, widths))} network: {known_names(self.ground)}"
            )
        if name.layer is None:
            raise ClaimError(
                f"column {name.column}: {base} needs a layer label such as {base}^{{(L)}}"
            )
        layer = self.layer(name, scope)
        if base == "w":
            j, k = self.neuron_indices(name, scope, (widths[layer], widths[layer - 1]))
            return net.w(layer, j, k)
        (j,) = self.neuron_indices(name, scope, (widths[layer],))
        if base == "b":
            return net.b(layer, j)
        if base == "z":
            return sampled(net.z(layer, j), sample)
        if base == "a":
            return sampled(net.a(layer, j), sample)
        if self.keep_errors:
            return sampled(naming.error(layer, j), sample)
        return sampled(self.ground.delta(naming.error(layer, j)), sample)

    # Values -----------------------------------------------------------------------------------
    def value(self, node: Node, scope: Scope) -> sp.Expr:
        """The SymPy value of ``node`` (Leibniz factors replaced by their true values)."""
        if isinstance(node, Num):
            return sp.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, Group):
            return self.value(node.body, scope)
        if isinstance(node, Neg):
            return -self.value(node.operand, scope)
        if isinstance(node, Bin):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            if node.op == "+":
                return left + right
            if node.op == "-":
                return left - right
            if node.op == "*":
                return left * right
            if right == 0:
                raise ClaimError("division by zero in the claim")
            return left / right
        if isinstance(node, Frac):
            den = self.value(node.denominator, scope)
            if den == 0:
                raise ClaimError("division by zero in the claim")
            return self.value(node.numerator, scope) / den
        if isinstance(node, Pow):
            return self.power(self.value(node.base, scope), node.exponent, scope)
        if isinstance(node, Func):
            return self.function(node, scope)
        if isinstance(node, Leibniz):
            return self.leibniz(node, scope)
        if isinstance(node, BigSum):
            terms = []
            for inner in self.sum_scopes(node, scope):
                self.count_term()
                try:
                    terms.append(self.value(node.body, inner))
                except IndexOutOfRange as error:
                    if node.upper is None or node.index is None:
                        raise
                    value = inner.indices[node.index]
                    raise IndexOutOfRange(
                        f"the sum over {node.index} reaches {node.index} = {value}, past the "
                        f"last neuron ({error}); neurons are numbered 0..n_l-1"
                    ) from None
            return sp.Add(*terms)
        assert isinstance(node, Name)
        return self.name(node, scope)

    def power(self, base: sp.Expr, exponent_node: Node, scope: Scope) -> sp.Expr:
        exponent = self.value(exponent_node, scope)
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:  # type: ignore[operator]
            raise ClaimError(f"exponent {exponent} is too large (at most {MAX_EXPONENT})")
        if not exponent.is_Number and base.is_Number and base != sp.E:
            raise ClaimError("a number raised to a non-constant power is not supported")
        if base == 0 and exponent.is_Number and exponent <= 0:  # type: ignore[operator]
            raise ClaimError("0 raised to a non-positive power")
        return base**exponent

    def name(self, node: Name, scope: Scope) -> sp.Expr:
        base = node.base
        if base in scope.indices and node.indices is None and node.layer is None:
            value: sp.Expr = sp.Integer(scope.indices[base])
        elif base == "L" and node.indices is None and node.layer is None:
            value = sp.Integer(self.network.depth)
        elif base == "n":
            if node.indices is None:
                self.uses_batch = True
                value = sp.Integer(BATCH_SIZE)
            else:
                if len(node.indices) != 1:
                    raise ClaimError(f"column {node.column}: n takes one layer, as in n_L")
                shift = scope.layer_shift
                layer = self.integer(node.indices[0], scope, "the layer of n_l") + shift
                if not 0 <= layer <= self.network.depth:
                    raise ClaimError(f"column {node.column}: layer {layer} of n does not exist")
                value = sp.Integer(self.network.widths[layer])
        elif base == "e" and node.indices is None and node.layer is None:
            value = sp.E
        elif base in INDEX_LETTERS and node.indices is None and node.layer is None:
            raise ClaimError(
                f"column {node.column}: index {base} is not bound here; bind it with a sum "
                f"(\\sum_{base}) or use it as a subscript of the left side"
            )
        else:
            value = self.quantity(node, scope)
        if node.power is not None:
            if base == "e" and node.indices is None:
                return sp.exp(self.value(node.power, scope))
            return self.power(value, node.power, scope)
        return value

    def function(self, node: Func, scope: Scope) -> sp.Expr:
        arg = self.value(node.arg, scope)
        if node.primes > 1:
            raise ClaimError(f"\\{node.name} with {node.primes} primes is not supported")
        if node.name == "sigma":
            act = self.activation_for(arg)
            result = act.derivative(arg) if node.primes else act.apply(arg)
        elif node.name == "tanh":
            act = get_activation("tanh")
            result = act.derivative(arg) if node.primes else act.apply(arg)
        elif node.primes:
            raise ClaimError(f"\\{node.name}' is not supported; write the derivative out")
        elif node.name == "exp":
            result = sp.exp(arg)
        else:
            result = sp.log(arg)
        if node.power is not None:
            return self.power(result, node.power, scope)
        return result

    def activation_for(self, arg: sp.Expr):  # type: ignore[no-untyped-def]
        """σ is the network's activation: that of z's layer when σ is applied to a z."""
        net = self.network
        core = arg.quantity if hasattr(arg, "quantity") else arg
        label = naming.label_of(core)
        if label is not None and label.kind is naming.Kind.PREACTIVATION:
            assert label.layer is not None
            return net.activation_of(label.layer)
        return net.activations[-1]

    def leibniz_symbols(self, node: Leibniz, scope: Scope) -> tuple[sp.Expr, sp.Expr, bool]:
        """(numerator, denominator, batch) symbols of a Leibniz factor."""
        numerator = node.numerator
        if numerator.base == "C" and numerator.indices is None:
            self.uses_batch = True
            return naming.BATCH_LOSS, self.quantity(node.denominator, scope), True
        return self.quantity(numerator, scope), self.quantity(node.denominator, scope), False

    def leibniz(self, node: Leibniz, scope: Scope) -> sp.Expr:
        top, bottom, batch = self.leibniz_symbols(node, scope)
        if batch:
            if bottom not in self.ground.parameter_set:
                raise ClaimError("∂C/∂θ (the batch loss) is defined for weights and biases θ only")
            value = self.ground.partial(naming.SAMPLE_LOSS, bottom)  # type: ignore[arg-type]
            return sp.Add(*(sampled(value, s) for s in range(BATCH_SIZE))) / BATCH_SIZE
        sample = 0
        core_top = top
        if hasattr(top, "quantity"):
            core_top, sample = top.quantity, int(top.sample)  # type: ignore[attr-defined]
        core_bottom = bottom.quantity if hasattr(bottom, "quantity") else bottom
        if not isinstance(core_top, sp.Symbol) or not isinstance(core_bottom, sp.Symbol):
            raise ClaimError("a Leibniz factor differentiates one quantity by another")
        bottom_label = naming.label_of(core_bottom)
        if bottom_label is None or bottom_label.kind is naming.Kind.ERROR:
            raise ClaimError("differentiate by a weight, bias, activation, z, x or y")
        value = self.ground.partial(core_top, core_bottom)
        return sampled(value, sample)

    def sum_scopes(self, node: BigSum, scope: Scope) -> Iterator[Scope]:
        """One scope per term of a sum (a sum over the batch or over neurons)."""
        index = node.index
        if index is None:
            raise ClaimError("a sum needs an index: \\sum_j or \\sum_{j=0}^{n_L-1}")
        if index in NETWORK_LETTERS or index in ("C", "L", "n", "e"):
            raise ClaimError(f"the sum index {index} clashes with a quantity's name")
        over_batch = _mentions_batch_size(node.upper) or _is_sample_letter(node.body, index)
        lower = 0 if node.lower is None else self.integer(node.lower, scope, "a sum's lower limit")
        if over_batch:
            self.uses_batch = True
            upper = BATCH_SIZE - 1
            if node.upper is not None:
                upper = self.integer(node.upper, scope, "a sum's upper limit")
            for s in range(lower, upper + 1):
                if not 0 <= s < BATCH_SIZE:
                    raise ClaimError(f"sample {s} is outside the batch 0..n-1")
                yield replace(
                    scope,
                    indices={**scope.indices, index: s},
                    samples=scope.samples | {index},
                    sample=s,
                )
            return
        if node.upper is not None:
            upper = self.integer(node.upper, scope, "a sum's upper limit")
            if upper - lower + 1 > MAX_SUM_TERMS:
                raise ClaimError(f"a sum of more than {MAX_SUM_TERMS} terms")
            for value in range(lower, upper + 1):
                yield replace(scope, indices={**scope.indices, index: value})
            return
        # \sum_j without limits: every j for which the body exists (at most the widest layer).
        for value in range(lower, max(self.network.widths)):
            inner = replace(scope, indices={**scope.indices, index: value})
            self.count_term()
            try:
                self.value(node.body, inner)
            except IndexOutOfRange:
                return
            yield inner


def _mentions_batch_size(node: Node | None) -> bool:
    if node is None:
        return False
    if isinstance(node, Name):
        return node.base == "n" and node.indices is None
    if isinstance(node, Bin):
        return _mentions_batch_size(node.left) or _mentions_batch_size(node.right)
    if isinstance(node, Group):
        return _mentions_batch_size(node.body)
    return False


def _is_sample_letter(node: Node, letter: str) -> bool:
    """Whether ``letter`` is used as a sample (C_k or a sample superscript [k]) in ``node``."""
    for name in walk_names(node):
        if (
            name.base == "C"
            and name.indices
            and any(isinstance(i, Name) and i.base == letter for i in name.indices)
        ):
            return True
        if isinstance(name.sample, Name) and name.sample.base == letter:
            return True
    return False


def children(node: Node) -> tuple[Node, ...]:
    """The direct subtrees of a node (names included)."""
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, Neg | Group):
        return (node.operand if isinstance(node, Neg) else node.body,)
    if isinstance(node, Pow):
        return (node.base, node.exponent)
    if isinstance(node, Func):
        return (node.arg,) + ((node.power,) if node.power is not None else ())
    if isinstance(node, Frac):
        return (node.numerator, node.denominator)
    if isinstance(node, Leibniz):
        return (node.numerator, node.denominator)
    if isinstance(node, BigSum):
        return tuple(n for n in (node.lower, node.upper, node.body) if n is not None)
    if isinstance(node, Name):
        parts = list(node.indices or ())
        parts += [n for n in (node.layer, node.sample, node.power) if n is not None]
        return tuple(parts)
    return ()


def walk_names(node: Node) -> Iterator[Name]:
    """Every :class:`Name` in a tree."""
    if isinstance(node, Name):
        yield node
    for child in children(node):
        yield from walk_names(child)


def free_indices(node: Node, bound: frozenset[str] = frozenset()) -> list[str]:
    """Index letters used in subscripts (or samples) and not bound by an enclosing sum."""
    found: list[str] = []
    if isinstance(node, BigSum):
        for limit in (node.lower, node.upper):
            if limit is not None:
                found += free_indices(limit, bound)
        inner = bound | {node.index} if node.index else bound
        found += free_indices(node.body, inner)
    elif isinstance(node, Name):
        if node.base == "n":
            return found
        for part in (node.indices or ()) + ((node.sample,) if node.sample is not None else ()):
            for name in walk_names(part):
                if (
                    name.indices is None
                    and name.layer is None
                    and len(name.base) == 1
                    and name.base in INDEX_LETTERS
                    and name.base not in bound
                ):
                    found.append(name.base)
    else:
        for child in children(node):
            found += free_indices(child, bound)
    return list(dict.fromkeys(found))


def uses_symbolic_widths(node: Node) -> bool:
    """Whether a claim mentions a width n_l (then it is checked on several networks)."""
    return any(n.base == "n" and n.indices is not None for n in walk_names(node))


def sums_over(node: Node, letter: str) -> bool:
    """Whether a sum over ``letter`` appears in ``node``."""
    if isinstance(node, BigSum) and node.index == letter:
        return True
    return any(sums_over(child, letter) for child in children(node))
