"""Neuron-stacked code: the program's per-neuron assignments re-rolled into one per layer.

The program has one assignment per neuron (z_j^(l), a_j^(l), δ_j^(l), ∂C_0/∂z_j^(l)). For each
layer, every neuron's expression is rewritten over layer arrays (``Zs_l`` holds z^(l) as rows, one
per neuron; ``As_l``, ``Ds_l`` likewise; sums Σ_k w_jk^(l) a_k^(l-1) become ``W_l @ As_{l-1}`` and
Σ_i w_ij^(l+1) δ_i^(l+1) become ``W_{l+1}.T @ Ds_{l+1}``). The rewrite is accepted only when all
neurons of the layer give the same template, so the stacked code computes exactly the program's
formulas; otherwise :func:`generate_stacked_source` returns None and the per-neuron code is used.
"""

from __future__ import annotations

import sympy as sp

from .. import naming
from ..network import Network
from .codegen import FUNCTION_NAME, ProgramPrinter, identifier
from .program import Program
from .rules import Row

Kind = naming.Kind
_ARRAY_PREFIX = {Kind.PREACTIVATION: "Zs", Kind.ACTIVATION: "As", Kind.ERROR: "Ds"}


class WeightColumn(sp.Function):
    """Column k of W_l as an (n_l, 1) array: w_jk^(l) for every j."""

    nargs = 2


class WeightRow(sp.Function):
    """Row i of W_m as an (n_{m-1}, 1) array: w_ij^(m) for every j."""

    nargs = 2


class ArrayProduct(sp.Function):
    """``left @ right`` of two layer-level arrays (``W2``, ``As_1``)."""

    nargs = 2


class TransposedProduct(sp.Function):
    """``left.T @ right``."""

    nargs = 2


class LayerActivation(sp.Function):
    """A whole-layer activation (softmax) of a layer array: ``F.<name>(Zs_l)``."""

    nargs = 2


class LayerSum(sp.Function):
    """Σ_i over the neurons of a layer of a row template: ``(template).sum(0)``."""

    nargs = 1


class StackedPrinter(ProgramPrinter):
    """Prints layer-level templates: weight slices and matrix products."""

    def _print_Function(self, expr: sp.Function) -> str:
        if isinstance(expr, WeightColumn):
            layer, k = (int(v) for v in expr.args)
            return f"W{layer}[:, {k}:{k + 1}]"
        if isinstance(expr, WeightRow):
            layer, i = (int(v) for v in expr.args)
            return f"W{layer}[{i}][:, None]"
        if isinstance(expr, LayerSum):
            return f"({self._print(expr.args[0])}).sum(0)"
        if isinstance(expr, LayerActivation):
            return f"F.layer_activation({expr.args[0].name!r}, {self._print(expr.args[1])})"
        if isinstance(expr, ArrayProduct):
            return f"({self._print(expr.args[0])} @ {self._print(expr.args[1])})"
        if isinstance(expr, TransposedProduct):
            return f"({self._print(expr.args[0])}.T @ {self._print(expr.args[1])})"
        return super()._print_Function(expr)


class _CannotStack(Exception):
    """A layer's neurons do not share one template."""


def _array(kind: Kind, layer: int) -> sp.Symbol:
    if kind is Kind.INPUT:
        return sp.Symbol("As_0")
    return sp.Symbol(f"{_ARRAY_PREFIX[kind]}_{layer}")


class _Lifter:
    """Rewrites neuron j's expression of one layer over that layer's arrays."""

    def __init__(self, network: Network, layer: int, j: int) -> None:
        self.network, self.layer, self.j = network, layer, j

    def lift(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Symbol:
            return self._symbol(expr)
        if expr.is_Atom:
            return expr
        if isinstance(expr, Row) and int(expr.args[1]) == self.j:
            return expr.args[0]  # row j of a layer array: the array itself
        if isinstance(expr, sp.Add):
            return self._add(expr)
        return expr.func(*(self.lift(arg) for arg in expr.args))

    def _symbol(self, symbol: sp.Symbol) -> sp.Expr:
        label = naming.label_of(symbol)
        if label is None:
            return symbol  # a temporary shared by every neuron (a chain's tail), computed once
        layer, j, net = self.layer, self.j, self.network
        if label.kind in _ARRAY_PREFIX and label.layer == layer and label.j == j:
            return _array(label.kind, layer)
        if label.kind is Kind.TARGET and layer == net.depth and label.j == j:
            return sp.Symbol("Ys")
        if label.kind is Kind.BIAS and label.layer == layer and label.j == j:
            return sp.Symbol(f"Bs_{layer}")
        if label.kind is Kind.WEIGHT and label.layer == layer and label.j == j:
            return WeightColumn(layer, label.k)
        if label.kind is Kind.WEIGHT and label.layer == layer + 1 and label.k == j:
            return WeightRow(layer + 1, label.j)
        return symbol  # the same for every neuron (checked by comparing the templates)

    def _add(self, expr: sp.Add) -> sp.Expr:
        """Σ_k w_jk^(l) a_k^(l-1) -> W_l @ As_{l-1}; Σ_i w_ij^(l+1) δ_i^(l+1) -> W.T @ Ds."""
        net, layer, j = self.network, self.layer, self.j
        terms = list(expr.args)
        forward: dict[int, sp.Expr] = {}
        backward: dict[int, sp.Expr] = {}
        for term in terms:
            pair = _weight_product(term)
            if pair is None:
                continue
            w, other = pair
            assert w.layer is not None and w.k is not None and w.j is not None
            below = other.kind is Kind.INPUT if layer == 1 else other.layer == layer - 1
            if w.layer == layer and w.j == j and below and other.j == w.k:
                forward[w.k] = term
            elif (
                w.layer == layer + 1
                and w.k == j
                and other.kind is Kind.ERROR
                and other.layer == layer + 1
                and other.j == w.j
            ):
                backward[w.j] = term
        products: list[sp.Expr] = []
        if layer >= 1 and len(forward) == net.widths[layer - 1]:
            used = set(forward.values())
            terms = [t for t in terms if t not in used]
            below_kind = Kind.INPUT if layer == 1 else Kind.ACTIVATION
            products.append(ArrayProduct(sp.Symbol(f"W{layer}"), _array(below_kind, layer - 1)))
        if layer < net.depth and len(backward) == net.widths[layer + 1]:
            used = set(backward.values())
            terms = [t for t in terms if t not in used]
            products.append(
                TransposedProduct(sp.Symbol(f"W{layer + 1}"), _array(Kind.ERROR, layer + 1))
            )
        # Σ_i t_i over every neuron i of this layer (softmax's Σ_i a_i(...), Σ_i y_i) -> LayerSum.
        groups: dict[sp.Expr, list[tuple[int, sp.Expr]]] = {}
        rest = []
        for term in terms:
            owners = self._owners(term)
            if len(owners) == 1 and net.widths[layer] > 1:
                i = owners.pop()
                groups.setdefault(_Lifter(net, layer, i).lift(term), []).append((i, term))
            else:
                rest.append(term)
        sums = []
        for template, members in groups.items():
            if sorted(i for i, _ in members) == list(range(net.widths[layer])):
                sums.append(LayerSum(template))
            else:
                rest.extend(term for _, term in members)
        return sp.Add(*products, *sums, *(self.lift(t) for t in rest))

    def _owners(self, expr: sp.Expr) -> set[int]:
        """The neurons of this layer whose z, a, δ, b or y (output layer) ``expr`` uses."""
        owners = set()
        for symbol in expr.free_symbols:
            label = naming.label_of(symbol)
            if label is None or label.j is None:
                continue
            own_layer = label.kind in (*_ARRAY_PREFIX, Kind.BIAS) and label.layer == self.layer
            output = label.kind is Kind.TARGET and self.layer == self.network.depth
            if own_layer or output:
                owners.add(label.j)
        return owners


def _weight_product(term: sp.Expr) -> tuple[naming.Label, naming.Label] | None:
    """(label of w, label of the other factor) when ``term`` is w·(a symbol), else None."""
    if not isinstance(term, sp.Mul) or len(term.args) != 2:
        return None
    labels = [naming.label_of(arg) for arg in term.args]
    if labels[0] is None or labels[1] is None:
        return None
    if labels[0].kind is Kind.WEIGHT and labels[1].kind is not Kind.WEIGHT:
        return labels[0], labels[1]
    if labels[1].kind is Kind.WEIGHT and labels[0].kind is not Kind.WEIGHT:
        return labels[1], labels[0]
    return None


def _depends_on_layer(network: Network, expr: sp.Expr, layer: int) -> bool:
    """Whether ``expr`` uses a quantity that differs between the neurons of ``layer``."""
    for symbol in expr.free_symbols:
        label = naming.label_of(symbol)
        if label is None:
            continue
        if label.kind in (*_ARRAY_PREFIX, Kind.BIAS) and label.layer == layer:
            return True
        if label.kind is Kind.TARGET and layer == network.depth:
            return True
        if label.kind is Kind.WEIGHT and label.layer in (layer, layer + 1):
            return True
    return False


def _template(network: Network, layer: int, expressions: list[sp.Expr]) -> sp.Expr:
    """The one layer-level template of every neuron's expression, or :class:`_CannotStack`."""
    templates = {_Lifter(network, layer, j).lift(e) for j, e in enumerate(expressions)}
    if len(templates) != 1:
        raise _CannotStack(f"layer {layer}")
    return templates.pop()


def generate_stacked_source(program: Program, parameter_names: tuple[str, ...]) -> str | None:
    """Source of ``_symchain_gradient(params, X, Y)`` with one statement per layer quantity.

    Returns None when some layer's neurons do not share a template (then use per-neuron code).
    """
    try:
        statements = _statements(program)
    except _CannotStack:
        return None
    network = program.network
    printer = StackedPrinter({"order": "none"})
    needed: set[sp.Symbol] = set()
    for _, expr in statements:
        needed |= expr.free_symbols
    lines = [f"def {FUNCTION_NAME}(params, X, Y):", "    n = X.shape[0]"]
    lines.append(f"    {', '.join(parameter_names)}, = params")
    for layer in range(1, network.depth + 1):
        lines.append(f"    Bs_{layer} = b{layer}[:, None]")
        rows, cols = network.widths[layer], network.widths[layer - 1]
        weights = [network.w(layer, j, k) for j in range(rows) for k in range(cols)]
        if needed & set(weights):
            lines.append(f"    {_targets(weights)} = F.unpack(W{layer})")
    lines += ["    As_0 = X.T", "    Ys = Y.T"]
    scalars = _scalar_views(network)
    scalars[sp.Symbol("As_0")] = list(network.inputs)
    scalars[sp.Symbol("Ys")] = list(network.targets)
    inputs: list[tuple[sp.Symbol, sp.Expr | None]] = [
        (sp.Symbol("As_0"), None),
        (sp.Symbol("Ys"), None),
    ]
    for target, expr in [*inputs, *statements]:
        if expr is not None:
            lines.append(f"    {identifier(target)} = {printer.doprint(expr)}")
        views = scalars.get(target, [])
        if needed & set(views):
            lines.append(f"    {_targets(views)} = {identifier(target)}")
    pairs = []
    for layer in range(1, network.depth + 1):
        below = "As_0" if layer == 1 else f"As_{layer - 1}"
        pairs.append(f"(Rs_{layer}, {below})")
    lines.append(f"    return {identifier(program.loss)}, ({', '.join(pairs)},)")
    return "\n".join(lines) + "\n"


def _targets(symbols: list[sp.Symbol]) -> str:
    return ", ".join(identifier(s) for s in symbols) + ","


def _scalar_views(network: Network) -> dict[sp.Symbol, list[sp.Symbol]]:
    views: dict[sp.Symbol, list[sp.Symbol]] = {}
    for layer in range(1, network.depth + 1):
        width = range(network.widths[layer])
        views[_array(Kind.PREACTIVATION, layer)] = [network.z(layer, j) for j in width]
        views[_array(Kind.ACTIVATION, layer)] = [network.a(layer, j) for j in width]
        views[_array(Kind.ERROR, layer)] = [naming.error(layer, j) for j in width]
    return views


def _layer_loss(network: Network, loss: sp.Expr) -> sp.Expr:
    """C_0 = Σ_j f(z_j, y_j) as one call on the output arrays, ``f(Zs_L, Ys).sum(0)``, when every
    output's term has the same template (one kernel call instead of one per output); else as is."""
    depth = network.depth
    if network.widths[depth] < 2 or not isinstance(loss, sp.Add):
        return loss
    lifted = _Lifter(network, depth, 0).lift(loss)
    if not isinstance(lifted, LayerSum) or _depends_on_layer(network, lifted, depth):
        return loss
    return lifted


def _statements(program: Program) -> list[tuple[sp.Symbol, sp.Expr]]:
    """(array, layer-level expression) in execution order; the loss is per-neuron code."""
    network = program.network
    definitions = dict(program.assignments)
    full: dict[sp.Symbol, sp.Expr] = {}
    statements: list[tuple[sp.Symbol, sp.Expr]] = []
    emitted: set[sp.Symbol] = set()

    def temporaries(expr: sp.Expr) -> list[sp.Symbol]:
        found = [s for s in expr.free_symbols if naming.label_of(s) is None and s in definitions]
        return sorted(found, key=lambda s: s.name)

    def expanded(symbol: sp.Symbol) -> sp.Expr:
        """A temporary's definition with every temporary in it inlined."""
        if symbol not in full:
            value = definitions[symbol]
            full[symbol] = value.xreplace({t: expanded(t) for t in temporaries(value)})
        return full[symbol]

    def inline(expr: sp.Expr, layer: int) -> sp.Expr:
        """Inline the temporaries that differ between the layer's neurons; the others (a chain's
        shared tail through later layers) stay one per-sample statement, computed once."""
        mapping = {}
        for symbol in temporaries(expr):
            if _depends_on_layer(network, expanded(symbol), layer):
                mapping[symbol] = inline(definitions[symbol], layer)
            else:
                emit(symbol)
        return expr.xreplace(mapping) if mapping else expr

    def emit(symbol: sp.Symbol) -> None:
        if symbol in emitted:
            return
        for needed in temporaries(definitions[symbol]):
            emit(needed)
        emitted.add(symbol)
        statements.append((symbol, definitions[symbol]))

    for layer in range(1, network.depth + 1):
        width = range(network.widths[layer])
        pre = [definitions[network.z(layer, j)] for j in width]
        statements.append((_array(Kind.PREACTIVATION, layer), _template(network, layer, pre)))
        activation = network.activation_of(layer)
        zs = _array(Kind.PREACTIVATION, layer)
        if activation.elementwise:
            outs = [definitions[network.a(layer, j)] for j in width]
            statements.append((_array(Kind.ACTIVATION, layer), _template(network, layer, outs)))
        elif activation.kernel:
            call = LayerActivation(sp.Symbol(activation.kernel), zs)
            statements.append((_array(Kind.ACTIVATION, layer), call))
        else:
            raise _CannotStack(activation.name)
    statements.append((program.loss, _layer_loss(network, definitions[program.loss])))
    errors: dict[int, list[sp.Symbol]] = {}
    for symbol, _ in program.assignments:
        label = naming.label_of(symbol)
        if label is not None and label.kind is Kind.ERROR:
            assert label.layer is not None
            errors.setdefault(label.layer, []).append(symbol)
    error_templates: dict[int, sp.Expr] = {}
    for layer in sorted(errors, reverse=True):
        symbols = errors[layer]
        indices = [label.j for label in map(naming.label_of, symbols) if label is not None]
        if indices != list(range(network.widths[layer])):
            raise _CannotStack(f"δ of layer {layer}")
        values = [inline(definitions[s], layer) for s in symbols]
        error_templates[layer] = _template(network, layer, values)
        statements.append((_array(Kind.ERROR, layer), error_templates[layer]))
    for signal in program.layers:
        values = [
            inline(definitions[r], signal.layer) if r in definitions else r for r in signal.rows
        ]
        template = _template(network, signal.layer, values)
        if error_templates.get(signal.layer) == template:
            template = _array(Kind.ERROR, signal.layer)
        statements.append((sp.Symbol(f"Rs_{signal.layer}"), template))
    return statements
