"""A claim's syntax tree → SymPy, for one network and one choice of index values.

Symbols come from :mod:`symchain.naming`, σ and σ' from :mod:`symchain.activations`, Leibniz
factors are replaced by their true values (:class:`~symchain.verify.ground.Ground`). Nothing here
reads text: the tree was built by the parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache

import sympy as sp

from .. import naming
from ..activations import ACTIVATIONS, Activation
from ..budget import Budget
from ..grammar import written_name
from ..losses import LOSSES, Loss
from ..nodes import Sampled
from .failures import ClaimError
from .ground import BATCH_SIZE, Ground, sampled
from .matrices import OnesVector, combine, is_matrix, simplified
from .syntax import (
    BigSum,
    Bin,
    Cases,
    Frac,
    Func,
    Group,
    Iverson,
    Leibniz,
    Matrix,
    Nabla,
    Name,
    Neg,
    Node,
    Num,
    Ones,
    Pow,
    Relation,
    Transpose,
)

MAX_EXPONENT = 16
MAX_SUM_TERMS = 4096
MAX_TOTAL_TERMS = 20_000

NETWORK_LETTERS = ("w", "b", "z", "a", "x", "y", "δ")
# Matrices of the matrix form and the batch form, and the quantity of their entries.
MATRIX_BASES = {"W": "w", "Z": "z", "A": "a", "Δ": "δ", "X": "x", "Y": "y"}
INDEX_LETTERS = ("i", "j", "k", "l", "m", "p", "q")


class LayerOutOfRange(ClaimError):
    """A layer label names a layer the network does not have (skipped for a free layer l)."""


class IndexOutOfRange(Exception):
    """An index value does not exist in this network (used to skip or bound index values)."""


@dataclass(frozen=True)
class Scope:
    """Index letters bound to values, the current sample, and the layer offset used by diagnosis."""

    indices: dict[str, int] = field(default_factory=dict)
    samples: frozenset[str] = frozenset()
    sample: int = 0
    layer_shift: int = 0
    nielsen: bool = False
    index_base: int = 0
    nielsen_label: bool = False
    batch_form: bool = False


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
        self, ground: Ground, budget: Budget | None = None, keep_errors: bool = False
    ) -> None:
        self.keep_errors = keep_errors
        self.ground = ground
        self.network = ground.network
        self.uses_batch = False
        self.budget = budget
        self.terms = 0

    def count_term(self) -> None:
        """Bound the work nested sums can ask for (terms and time)."""
        self.terms += 1
        if self.terms > MAX_TOTAL_TERMS:
            raise ClaimError(f"the sums in this claim expand to more than {MAX_TOTAL_TERMS} terms")
        if self.budget is not None and self.terms % 256 == 0:
            self.budget.check()

    # Layers and indices -----------------------------------------------------------------------
    def integer(self, node: Node, scope: Scope, what: str) -> int:
        value = self.value(node, scope)
        if not (value.is_Integer):
            raise ClaimError(f"{what} must be a whole number, got {value}")
        return int(value)  # type: ignore[arg-type]

    def layer(self, name: Name, scope: Scope) -> int:
        """The absolute layer of a name (inputs are layer 0; Nielsen's bare labels count the
        inputs as layer 1, and there L is the output layer)."""
        assert name.layer is not None
        nielsen = scope.nielsen and name.bare_layer
        label_scope = replace(scope, nielsen_label=True) if nielsen else scope
        layer = self.integer(name.layer, label_scope, f"the layer label of {name.base}") + (
            scope.layer_shift
        )
        layer -= 1 if nielsen else 0
        depth = self.network.depth
        lowest = 0 if name.base == "a" else 1
        if not lowest <= layer <= depth:
            raise LayerOutOfRange(
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
            value = self.integer(node, scope, f"an index of {name.base}") - scope.index_base
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
            sample = self.integer(name.sample, scope, "a sample index") - scope.index_base
            if not 0 <= sample < BATCH_SIZE:
                raise IndexOutOfRange(f"sample {sample} (a batch of n = {BATCH_SIZE} is checked)")
            self.uses_batch = True
        if base == "C":
            if name.indices is None and scope.nielsen:
                return naming.SAMPLE_LOSS  # Nielsen's C is one sample's cost
            if name.indices is None:
                self.uses_batch = True
                losses = [
                    Sampled(naming.SAMPLE_LOSS, sp.Integer(s)) if s else naming.SAMPLE_LOSS
                    for s in range(BATCH_SIZE)
                ]
                return sp.Add(*losses) / BATCH_SIZE
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
                value = scope.indices[index.base] - scope.index_base
            if not 0 <= value < BATCH_SIZE:
                raise IndexOutOfRange("sample")
            return Sampled(naming.SAMPLE_LOSS, sp.Integer(value)) if value else naming.SAMPLE_LOSS
        if base in MATRIX_BASES:
            return self.batch_matrix(name, scope)
        vector = self.vector(name, scope)
        if vector is not None:
            return vector
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

    # Vectors and matrices ---------------------------------------------------------------------
    def _entry(self, name: Name, base: str, indices: tuple[int, ...], scope: Scope) -> sp.Expr:
        shifted = tuple(Num(Fraction(i + scope.index_base)) for i in indices)
        return self.quantity(replace(name, base=base, indices=shifted), scope)

    def _shape(self, name: Name, base: str, scope: Scope) -> tuple[int, int]:
        widths = self.network.widths
        if base in ("x", "y"):
            return (widths[0] if base == "x" else widths[-1], 1)
        if name.layer is None:
            raise ClaimError(f"column {name.column}: {name.base} needs a layer label")
        layer = self.layer(name, scope)
        return (widths[layer], widths[layer - 1] if base == "w" else 1)

    def vector(self, name: Name, scope: Scope) -> sp.Expr | None:
        """``z^{(l)}`` (no subscript) on a layer wider than 1: the column of its entries;
        ``w^{(l)}`` the matrix. None where the name has subscripts or the layer has width 1."""
        base = name.base
        if name.indices is not None or base not in ("w", "b", "z", "a", "δ", "x", "y"):
            return None
        if base in ("x", "y") and name.layer is not None:
            return None
        if base not in ("x", "y") and name.layer is None:
            return None
        rows, cols = self._shape(name, base, scope)
        if rows == cols == 1:
            return None
        if base == "w":
            return sp.ImmutableMatrix(
                rows, cols, lambda j, k: self._entry(name, base, (j, k), scope)
            )
        return sp.ImmutableMatrix(rows, 1, lambda j, _: self._entry(name, base, (j,), scope))

    def batch_matrix(self, name: Name, scope: Scope) -> sp.Expr:
        """``W^{(l)}``, and ``Z``, ``A``, ``\\Delta``, ``X``, ``Y`` with a column per sample."""
        base = MATRIX_BASES[name.base]
        if name.indices is not None:
            raise ClaimError(f"column {name.column}: {name.base} is a whole matrix (no subscript)")
        rows, cols = self._shape(name, base, scope)
        if base == "w":
            return sp.ImmutableMatrix(
                rows, cols, lambda j, k: self._entry(name, base, (j, k), scope)
            )
        self.uses_batch = True
        return sp.ImmutableMatrix(
            rows,
            BATCH_SIZE,
            lambda j, s: self._entry(name, base, (j,), replace(scope, sample=int(s))),
        )

    def ones(self) -> OnesVector:
        """``\\mathbf{1}``: a column of ones, as long as its product needs (else the batch)."""
        self.uses_batch = True
        return OnesVector(False, BATCH_SIZE)

    # Values -----------------------------------------------------------------------------------
    def value(self, node: Node, scope: Scope) -> sp.Expr:
        """The SymPy value of ``node`` (Leibniz factors replaced by their true values)."""
        if isinstance(node, Num):
            return sp.Rational(node.value.numerator, node.value.denominator)
        if isinstance(node, Group):
            return self.value(node.body, scope)
        if isinstance(node, Neg):
            return -self.value(node.operand, scope)
        if isinstance(node, Ones):
            return self.ones()  # type: ignore[return-value]
        if isinstance(node, Transpose):
            inner = self.value(node.body, scope)
            if is_matrix(inner) or isinstance(inner, OnesVector):
                return inner.T  # type: ignore[attr-defined,no-any-return]
            return inner
        if isinstance(node, Matrix):
            return simplified(
                sp.ImmutableMatrix(
                    [[self.value(entry, scope) for entry in row] for row in node.rows]
                )
            )
        if isinstance(node, Nabla):
            return self.nabla(node, scope)
        if isinstance(node, Bin):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            if node.op in ("+", "-", "⊙", "⊘") or (node.op == "*" and is_matrix(left)):
                return combine(node.op, left, right)  # type: ignore[no-any-return]
            if node.op == "*":
                return combine("*", left, right)  # type: ignore[no-any-return]
            if is_matrix(right):
                raise ClaimError("division by a matrix")
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
        if isinstance(node, Iverson):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            return sp.S.One if left == right else sp.S.Zero
        if isinstance(node, Cases):
            return self.piecewise(node, scope)
        if isinstance(node, Relation):
            raise ClaimError("a comparison (<, \\le) belongs in a branch of \\begin{cases}")
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
            if any(is_matrix(t) for t in terms):
                total = terms[0]
                for term in terms[1:]:
                    total = combine("+", total, term)
                return total
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

    def piecewise(self, node: Cases, scope: Scope) -> sp.Expr:
        """``\\begin{cases}``: a :class:`sympy.Piecewise` of the branches, built as written."""
        branches: list[tuple[sp.Expr, sp.Basic]] = []
        for value_node, condition in node.branches:
            value = self.value(value_node, scope)
            if is_matrix(value):
                raise ClaimError("a branch of \\begin{cases} is a number, not a matrix")
            if condition is None:
                branches.append((value, sp.true))
                continue
            left = self.value(condition.left, scope)
            right = self.value(condition.right, scope)
            if is_matrix(left) or is_matrix(right):
                raise ClaimError("a branch's condition compares numbers, not matrices")
            branches.append((value, _RELATION_CLASSES[condition.op](left, right)))
        return sp.Piecewise(*branches)

    def name(self, node: Name, scope: Scope) -> sp.Expr:
        base = node.base
        if base in scope.indices and node.indices is None and node.layer is None:
            value: sp.Expr = sp.Integer(scope.indices[base])
        elif base == "L" and node.indices is None and node.layer is None:
            value = sp.Integer(self.network.depth + (1 if scope.nielsen_label else 0))
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
        named = named_activations()
        loss = named_losses().get(node.name)
        if loss is not None and node.more:
            return self.loss_function(node, loss, scope)
        if node.more or node.index is not None:
            return self.vector_function(node, scope)
        arg = self.value(node.arg, scope)
        activation = named.get(node.name)
        if activation is not None and activation.vector is not None and is_matrix(arg):
            vector = activation.vector  # a whole-layer activation: column by column
            columns = [list(arg.col(c)) for c in range(arg.cols)]  # type: ignore[attr-defined]
            return simplified(
                sp.ImmutableMatrix(
                    arg.rows,  # type: ignore[attr-defined]
                    arg.cols,  # type: ignore[attr-defined]
                    lambda j, c: vector(columns[c], int(j)),
                )
            )
        if is_matrix(arg):  # applied entry by entry
            return simplified(
                arg.applyfunc(  # type: ignore[attr-defined]
                    lambda entry: self._function_of(node, entry, scope, named)
                )
            )
        return self._function_of(node, arg, scope, named)

    def _function_of(
        self, node: Func, arg: sp.Expr, scope: Scope, named: dict[str, Activation]
    ) -> sp.Expr:
        if node.primes > 1:
            raise ClaimError(f"\\{node.name} with {node.primes} primes is not supported")
        if node.name == "sigma":
            act = self.activation_for(arg)
            result = act.derivative(arg) if node.primes else act.apply(arg)
        elif node.name in named:
            act = named[node.name]
            if not act.elementwise:
                raise ClaimError(
                    f"{node.name} acts on a whole layer; write its entries, as in "
                    "a_j^{(L)} = e^{z_j^{(L)}} / \\sum_k e^{z_k^{(L)}}"
                )
            result = act.derivative(arg) if node.primes else act.apply(arg)
        elif node.name not in _ELEMENTARY:
            known = ", ".join(sorted(named))
            raise ClaimError(f"unknown function {node.name}; known: {known}, exp, ln, sign, |x|")
        elif node.primes:
            raise ClaimError(f"\\{node.name}' is not supported; write the derivative out")
        else:
            result = _ELEMENTARY[node.name](arg)
        if node.power is not None:
            return self.power(result, node.power, scope)
        return result

    def loss_function(self, node: Func, loss: Loss, scope: Scope) -> sp.Expr:
        """``\\operatorname{Huber}(a, y)`` (a loss's terms, entry by entry) and
        ``\\operatorname{Huber}'(a, y)`` (∂C_0/∂a_j): a registered loss in the matrix form."""
        if len(node.more) != 1 or node.index is not None or node.primes > 1:
            raise ClaimError(f"{node.name} takes the outputs and the targets: {node.name}(a, y)")
        outputs, targets = self.value(node.arg, scope), self.value(node.more[0], scope)
        rule = loss.derivative if node.primes else loss.term
        # A column (a one-output layer's a is a number): 1^T Huber(a, y) then sums its entries.
        a, y = (v if is_matrix(v) else sp.ImmutableMatrix([[v]]) for v in (outputs, targets))
        if a.shape != y.shape:  # type: ignore[attr-defined]
            raise ClaimError(f"{node.name}(a, y): a and y differ in shape")
        if node.power is not None:
            raise ClaimError(f"{node.name}(a, y) is a vector; it takes no power")
        return sp.ImmutableMatrix(  # type: ignore[no-any-return]
            a.rows,  # type: ignore[attr-defined]
            a.cols,  # type: ignore[attr-defined]
            lambda r, c: rule(a[r, c], y[r, c]),  # type: ignore[index]
        )

    def vector_function(self, node: Func, scope: Scope) -> sp.Expr:
        """``\\operatorname{softmax}_j(z_0, .., z_{n-1})``: a whole-layer activation's entry j."""
        activation = named_activations().get(node.name)
        if activation is None or activation.vector is None:
            raise ClaimError(f"{node.name} takes one argument")
        if node.primes or node.index is None:
            raise ClaimError(f"write {node.name}'s entry with its index: {node.name}_j(z_0, ..)")
        arguments = [self.value(a, scope) for a in (node.arg, *node.more)]
        index = self.integer(node.index, scope, f"the index of {node.name}")
        if not 0 <= index < len(arguments):
            raise IndexOutOfRange(f"{node.name} index {index} of {len(arguments)} arguments")
        result = activation.vector(arguments, index)
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
        if numerator.base == "C" and numerator.indices is None and not scope.nielsen:
            self.uses_batch = True
            return naming.BATCH_LOSS, self.quantity(node.denominator, scope), True
        return self.quantity(numerator, scope), self.quantity(node.denominator, scope), False

    def nabla(self, node: Nabla, scope: Scope) -> sp.Expr:
        """``\\nabla_a C``: the column of ∂C_0/∂a_j^(L) (or of the layer written)."""
        if node.wrt is None:
            raise ClaimError("\\nabla C (every parameter) stands on the left of a vector")
        wrt = node.wrt
        if not isinstance(wrt, Name) or wrt.base not in ("a", "z"):
            raise ClaimError("\\nabla_a C differentiates by the activations a")
        layer = self.network.depth if wrt.layer is None else self.layer(wrt, scope)
        top = naming.SAMPLE_LOSS
        quantity = self.network.a if wrt.base == "a" else self.network.z
        column = [
            self.ground.partial(top, quantity(layer, j)) for j in range(self.network.widths[layer])
        ]
        if scope.batch_form:  # beside Z, A, Δ: one column per sample
            self.uses_batch = True
            return simplified(
                sp.ImmutableMatrix(len(column), BATCH_SIZE, lambda j, s: sampled(column[j], int(s)))
            )
        return simplified(sp.ImmutableMatrix(column))

    def leibniz(self, node: Leibniz, scope: Scope) -> sp.Expr:
        top, bottom, batch = self.leibniz_symbols(node, scope)
        if is_matrix(bottom):
            return simplified(
                bottom.applyfunc(  # type: ignore[attr-defined]
                    lambda entry: self._partial(top, entry, batch)
                )
            )
        return self._partial(top, bottom, batch)

    def _partial(self, top: sp.Expr, bottom: sp.Expr, batch: bool) -> sp.Expr:
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
            for number in range(lower, upper + 1):
                s = number - scope.index_base
                if not 0 <= s < BATCH_SIZE:
                    raise ClaimError(f"sample {number} is outside the batch")
                yield replace(
                    scope,
                    indices={**scope.indices, index: number},
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
        lower = scope.index_base if node.lower is None else lower
        for value in range(lower, max(self.network.widths) + scope.index_base):
            inner = replace(scope, indices={**scope.indices, index: value})
            self.count_term()
            try:
                self.value(node.body, inner)
            except IndexOutOfRange:
                return
            yield inner


@cache
def named_activations() -> dict[str, Activation]:
    """Activations by the name they are written with (``ReLU``, ``tanh``), from the registry."""
    found: dict[str, Activation] = {}
    for activation in ACTIVATIONS.values():
        name = written_name(activation.latex)
        if name is None or name == "sigma":
            continue  # linear is written out; \sigma is the network's own activation
        found[name] = activation
        found.setdefault(activation.name, activation)
    return found


def named_losses() -> dict[str, Loss]:
    """Losses by the name the matrix form writes them with (``Huber``), from the registry."""
    found: dict[str, Loss] = {}
    for loss in LOSSES.values():
        name = written_name(loss.latex)
        if name is not None:
            found.setdefault(name, loss)
    return found


# Functions of SymPy's own that claims may write (chains of registered losses print them).
_ELEMENTARY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "ln": sp.log,
    "log": sp.log,
    "abs": sp.Abs,
    "sign": sp.sign,
}
_RELATION_CLASSES: dict[str, Callable[[sp.Expr, sp.Expr], sp.Basic]] = {
    "<": sp.StrictLessThan,
    "<=": sp.LessThan,
    ">": sp.StrictGreaterThan,
    ">=": sp.GreaterThan,
}


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
        extra = tuple(n for n in (node.power, node.index) if n is not None)
        return (node.arg, *node.more, *extra)
    if isinstance(node, Iverson | Relation):
        return (node.left, node.right)
    if isinstance(node, Cases):
        return tuple(
            part for value, condition in node.branches for part in (value, condition) if part
        )
    if isinstance(node, Frac):
        return (node.numerator, node.denominator)
    if isinstance(node, Leibniz):
        return (node.numerator, node.denominator)
    if isinstance(node, BigSum):
        return tuple(n for n in (node.lower, node.upper, node.body) if n is not None)
    if isinstance(node, Matrix):
        return tuple(entry for row in node.rows for entry in row)
    if isinstance(node, Transpose):
        return (node.body,)
    if isinstance(node, Nabla):
        return (node.loss,) + ((node.wrt,) if node.wrt is not None else ())
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
