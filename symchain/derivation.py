"""What a derivation holds: chain factors, error terms, per-parameter gradients and batch forms.

These are plain frozen dataclasses of SymPy objects; renderers, numeric code and verify read them.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from . import naming
from .activations import to_elementary
from .display import Shown, capped, html_display, latex_display, markdown_display, one_line
from .errors import TooLargeError, UnknownNameError
from .limits import MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES
from .network import Network
from .nodes import Partial, Sampled
from .printing import NotationLatexPrinter, NotationUnicodePrinter

# Numeric compilers by form: (module, function), imported on first use so that deriving never
# imports NumPy. Each function takes (derivation, backend, dtype) and returns a callable
# f(params, X, Y) whose result unpacks as (loss, gradients).
COMPILERS: dict[str, tuple[str, str]] = {
    "unrolled": ("symchain.numeric.compiled", "_compile_unrolled"),
    "matrix": ("symchain.codegen", "_compile_matrix_form"),
}


@dataclass(frozen=True)
class Factor:
    """One factor of a chain: its Leibniz form (``∂z^(L)/∂w^(L)``) and its value (``a^(L-1)``)."""

    leibniz: sp.Expr
    value: sp.Expr


@dataclass(frozen=True)
class Chain:
    """∂C_0/∂(target) as a sum of products of factors (one product unless a sum is needed).

    ``terms[t]`` is one product; a chain through layers of width 1 has a single term, the
    derivative of an activation feeding several neurons has one term per neuron it feeds.
    """

    numerator: sp.Expr
    target: sp.Symbol
    terms: tuple[tuple[Factor, ...], ...]

    @property
    def leibniz(self) -> Partial:
        """The left side, ∂C_0/∂(target)."""
        return Partial(self.numerator, self.target)

    @property
    def factors(self) -> tuple[Factor, ...]:
        """The factors of a single-product chain (the usual case for parameters)."""
        if len(self.terms) != 1:
            raise ValueError("this chain is a sum; read .terms")
        return self.terms[0]

    @property
    def value(self) -> sp.Expr:
        """The product of the evaluated factors, summed over the terms."""
        return sp.Add(*(sp.Mul(*(f.value for f in term)) for term in self.terms))

    def latex(self, printer: NotationLatexPrinter) -> str:
        """``∂C_0/∂θ = Leibniz product = product of values`` in LaTeX."""
        leibniz = " + ".join(printer.product([f.leibniz for f in t]) for t in self.terms)
        values = " + ".join(printer.product([f.value for f in t]) for t in self.terms)
        return f"{printer.doprint(self.leibniz)} = {leibniz} = {values}"


class Displayed:
    """Notebook display (Jupyter's ``_repr_*_``) of anything with a title and rows to show."""

    def _shown(self) -> Shown:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _repr_latex_(self) -> str:
        return latex_display(self._shown())

    def _repr_markdown_(self) -> str:
        return markdown_display(self._title(), self._shown())

    def _repr_html_(self) -> str:
        return html_display(self._title(), self._shown())


@dataclass(frozen=True)
class ErrorTerm(Displayed):
    """δ_j^(l) = ∂C_0/∂z_j^(l), defined once by its chain and reused by earlier layers."""

    symbol: sp.Symbol
    chain: Chain
    widths: tuple[int, ...] = ()

    def _shown(self) -> Shown:
        printer = NotationLatexPrinter({"notation": _notation(self.widths)})
        row = f"{printer.doprint(self.symbol)} &= {self.chain.latex(printer)}"
        return capped([row], 1, "terms", "the chain's terms")

    def _title(self) -> str:
        return f"error term {_unicode(self.symbol, self.widths)}"

    def __repr__(self) -> str:
        printer = NotationUnicodePrinter({"notation": _notation(self.widths)})
        equation = f"{printer.doprint(self.symbol)} = {printer.doprint(self.value)}"
        return one_line(f"<ErrorTerm {equation}>")

    @property
    def value(self) -> sp.Expr:
        return self.chain.value


@dataclass(frozen=True)
class ParameterGradient(Displayed):
    """Everything symchain says about one parameter θ.

    Attributes:
        parameter: the weight or bias symbol θ.
        chain: ∂C_0/∂θ factor by factor.
        gradient: the product of the evaluated factors, in the network's quantities (a, z, w, b,
            y, and δ of a later layer where the chain continues through a layer of several neurons).
    """

    parameter: sp.Symbol
    chain: Chain
    gradient: sp.Expr
    widths: tuple[int, ...] = ()

    def _shown(self) -> Shown:
        printer = NotationLatexPrinter({"notation": _notation(self.widths)})
        return capped([self.latex(printer).replace(" = ", " &= ", 1)], 1, "rows", "latex()")

    def _title(self) -> str:
        return f"∂C₀/∂{_unicode(self.parameter, self.widths)}"

    def __repr__(self) -> str:
        printer = NotationUnicodePrinter({"notation": _notation(self.widths)})
        return one_line(f"<ParameterGradient {self._title()} = {printer.doprint(self.gradient)}>")

    @property
    def batch(self) -> sp.Expr:
        """∂C/∂θ = (1/n) Σ_i ∂C_i/∂θ with the per-sample gradient written out."""
        i, n = naming.SAMPLE_INDEX, naming.BATCH_SIZE
        return sp.Sum(sample_quantities(self.gradient), (i, 0, n - 1)) / n

    @property
    def label(self) -> naming.Label:
        label = naming.label_of(self.parameter)
        assert label is not None
        return label

    @property
    def leibniz(self) -> Partial:
        return Partial(naming.SAMPLE_LOSS, self.parameter)

    @property
    def batch_leibniz(self) -> sp.Expr:
        """(1/n) Σ_{i=0}^{n-1} ∂C_i/∂θ."""
        i, n = naming.SAMPLE_INDEX, naming.BATCH_SIZE
        sampled = Partial(Sampled(naming.SAMPLE_LOSS, i), self.parameter)
        return sp.Sum(sampled, (i, 0, n - 1)) / n

    def latex(self, printer: NotationLatexPrinter | None = None) -> str:
        """The chain, factor by factor, then the evaluated product (default: the lecture's
        notation for this network's widths, as ``symchain derive --format latex``)."""
        if printer is None:
            printer = NotationLatexPrinter({"notation": _notation(self.widths)})
        return self.chain.latex(printer)

    def sampled_factors(self) -> tuple[sp.Expr, ...]:
        """The chain's factor values with every per-sample quantity taken at sample i."""
        return tuple(sample_quantities(f.value) for f in self.chain.factors)


@functools.lru_cache(maxsize=1 << 14)  # the same factors recur across a network's parameters
def sample_quantities(expr: sp.Expr, index: sp.Expr = naming.SAMPLE_INDEX) -> sp.Expr:
    """``expr`` with x, y, z, a and δ replaced by their values on sample ``index``."""
    per_sample = {
        naming.Kind.INPUT,
        naming.Kind.TARGET,
        naming.Kind.PREACTIVATION,
        naming.Kind.ACTIVATION,
        naming.Kind.ERROR,
    }
    mapping = {}
    for symbol in expr.free_symbols:
        label = naming.label_of(symbol)
        if label is not None and label.kind in per_sample:
            mapping[symbol] = Sampled(symbol, index)
    return _replace_keeping_shape(expr, mapping)


def _replace_keeping_shape(expr: sp.Expr, mapping: dict[sp.Basic, sp.Basic]) -> sp.Expr:
    """``xreplace`` that keeps an unevaluated product such as 2(a - y) as it is written."""
    if isinstance(expr, sp.Mul):
        args = [_replace_keeping_shape(arg, mapping) for arg in expr.args]
        return sp.Mul(*args, evaluate=False)
    return expr.xreplace(mapping)


def tree_size(expr: sp.Basic) -> int:
    """How many nodes ``expr`` has when printed (shared subexpressions counted every time)."""
    sizes: dict[sp.Basic, int] = {}

    def size(node: sp.Basic) -> int:
        known = sizes.get(node)
        if known is None:
            known = 1 + sum(size(arg) for arg in node.args)
            sizes[node] = known
        return known

    return size(expr)


def tree_depth(expr: sp.Basic) -> int:
    """How deeply ``expr`` nests (a leaf: 1), walked without recursion."""
    depths: dict[sp.Basic, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in depths:
            continue
        if ready or not node.args:
            depths[node] = 1 + max((depths[arg] for arg in node.args), default=0)
            continue
        stack.append((node, True))
        stack.extend((arg, False) for arg in node.args if arg not in depths)
    return depths[expr]


@dataclass(frozen=True)
class Derivation(Displayed):
    """The derivation of a network: error terms, one :class:`ParameterGradient` per parameter."""

    network: Network
    parameters: tuple[ParameterGradient, ...]
    errors: tuple[ErrorTerm, ...]
    _expanded: dict[sp.Symbol, sp.Expr] = field(default_factory=dict, repr=False, compare=False)
    _composed_errors: dict[sp.Symbol, sp.Expr] = field(
        default_factory=dict, repr=False, compare=False
    )

    def printer(self, style: str = "relative") -> NotationLatexPrinter:
        """A LaTeX printer in this network's notation."""
        return NotationLatexPrinter({"notation": naming.Notation(self.network.widths, style)})

    def lambdify(
        self, form: str = "unrolled", backend: str = "numpy", dtype: str = "float64"
    ) -> Callable[..., Any]:
        """Compile to ``f(params, X, Y)`` returning the mean loss and batch-averaged gradients.

        Args:
            form: ``unrolled`` (this derivation's program, :mod:`symchain.numeric`) or
                ``matrix`` (the matrix form's generated module, :mod:`symchain.codegen`).
            backend: ``numpy``, ``torch`` or ``jax``.
            dtype: ``float64`` or ``float32``.

        The result unpacks as ``loss, grads`` with ``grads`` keyed ``W1, b1, ...`` in the layout
        of ``torch.nn.Linear``.
        """
        where = COMPILERS.get(form)
        if where is None:
            known = ", ".join(sorted(COMPILERS))
            raise UnknownNameError(f"unknown form {form!r} to compile; known: {known}")
        module, function = where
        compiler = getattr(importlib.import_module(module), function)
        return compiler(self, backend, dtype)  # type: ignore[no-any-return]

    def _shown(self) -> Shown:
        printer = self.printer()
        rows = (g.latex(printer).replace(" = ", " &= ", 1) for g in self.parameters)
        hint = "derivation['w^{(L)}'] for one parameter, render_latex(derivation) for all"
        return capped(rows, len(self.parameters), "parameters", hint)

    def _title(self) -> str:
        spec = self.network.spec
        widths = "-".join(map(str, self.network.widths))
        activations = ",".join(dict.fromkeys(spec.activations))
        count = len(self.parameters)
        noun = "parameter" if count == 1 else "parameters"
        return f"Derivation {widths} {activations}/{spec.loss}: {count} {noun}"

    def __repr__(self) -> str:
        return f"<{self._title()}>"

    def __iter__(self) -> Iterator[ParameterGradient]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def __getitem__(self, key: str | sp.Symbol) -> ParameterGradient:
        """A parameter's gradient by symbol or by any name ``--param`` accepts (``w^{(L)}``)."""
        symbol = self.network_parameter(key)
        for gradient in self.parameters:
            if gradient.parameter == symbol:
                return gradient
        raise UnknownNameError(f"parameter {key!r} is not part of this derivation")

    def network_parameter(self, key: str | sp.Symbol) -> sp.Symbol:
        """Resolve a parameter name (as printed, in either notation) or symbol to its symbol.

        A plain ``sympy.Symbol('w_3_0_0', real=True)`` names the network's ``w_3_0_0``.
        """
        if isinstance(key, sp.Symbol):
            symbol = naming.network_symbol(key)
            if symbol in self.network.parameters:
                return symbol
            raise UnknownNameError(f"{key} is not a parameter of this network")
        return resolve_parameter(self.network, key)

    @property
    def error_map(self) -> dict[sp.Symbol, ErrorTerm]:
        return {term.symbol: term for term in self.errors}

    @property
    def sample_loss(self) -> sp.Expr:
        """C_0 in the outputs and targets."""
        return self.network.sample_loss()

    @property
    def gradient_vector(self) -> sp.Matrix:
        """∇C as a column of ∂C/∂θ, in ∇C order."""
        return sp.Matrix([Partial(naming.BATCH_LOSS, g.parameter) for g in self.parameters])

    def expanded(self, parameter: str | sp.Symbol) -> sp.Expr:
        """∂C_0/∂θ fully expanded in inputs, parameters and targets (elementary functions).

        Raises:
            TooLargeError: when the expanded form would have more than MAX_EXPANDED_NODES nodes.
        """
        symbol = self.network_parameter(parameter)
        if symbol not in self._expanded:
            check_estimate(self.network, str(symbol))
            gradient = self[symbol].gradient
            mapping = {**self.network.forward, **self._error_composition()}
            from_display = to_elementary(gradient)
            self._expanded[symbol] = check_size(from_display.xreplace(mapping), str(symbol))
        return self._expanded[symbol]

    def expanded_loss(self) -> sp.Expr:
        """C_0 fully composed in inputs, parameters and targets."""
        check_estimate(self.network, "C_0")
        return check_size(self.network.composed_loss(), "C_0")

    def _error_composition(self) -> dict[sp.Symbol, sp.Expr]:
        if not self._composed_errors:
            forward = self.network.forward
            composed = self._composed_errors
            for term in sorted(self.errors, key=_error_order, reverse=True):
                value = to_elementary(term.value)
                composed[term.symbol] = value.xreplace({**forward, **composed})
        return self._composed_errors


def _notation(widths: tuple[int, ...]) -> naming.Notation | None:
    """The notation of a network of these widths (None when unknown: plain symbol names)."""
    return naming.Notation(widths) if widths else None


def _unicode(symbol: sp.Symbol, widths: tuple[int, ...]) -> str:
    """A symbol as printed in Unicode, e.g. ``w⁽ᴸ⁾₁₀``."""
    return str(NotationUnicodePrinter({"notation": _notation(widths)}).doprint(symbol))


def _error_order(term: ErrorTerm) -> tuple[int, int]:
    """Error terms by (layer, neuron), so later layers compose first when reversed."""
    label = naming.label_of(term.symbol)
    assert label is not None and label.layer is not None and label.j is not None
    return (label.layer, label.j)


def check_estimate(network: Network, what: str) -> None:
    """Refuse an expanded form before building it when the widths alone show it is too large."""
    estimate = network.composed_size()
    if estimate > MAX_EXPANDED_NODES:
        raise TooLargeError(
            f"the expanded form of {what} would have about {estimate} nodes "
            f"(limit {MAX_EXPANDED_NODES}); the network is too large for the expanded form: "
            "use a smaller network or --format text/latex, which use the error terms δ"
        )


def check_size(expr: sp.Expr, what: str) -> sp.Expr:
    depth = tree_depth(expr)
    if depth > MAX_EXPANDED_DEPTH:
        raise TooLargeError(
            f"the expanded form of {what} nests {depth} levels deep (limit "
            f"{MAX_EXPANDED_DEPTH}); the network is too deep for the expanded form: use fewer "
            "layers or --format text/latex, which use the error terms δ"
        )
    size = tree_size(expr)
    if size > MAX_EXPANDED_NODES:
        raise TooLargeError(
            f"the expanded form of {what} has {size} nodes (limit {MAX_EXPANDED_NODES}); "
            "the network is too large for the expanded form: use a smaller network or "
            "--format text/latex, which use the error terms δ"
        )
    return expr


def resolve_parameters(network: Network, names: Iterable[str]) -> tuple[sp.Symbol, ...]:
    """The parameters named, in the order given, each once (``W3`` names a whole layer).

    Every spelling :class:`~symchain.naming.ParameterNames` reads is accepted: LaTeX and Unicode
    as printed, either notation, the symbol name and the params-file keys.

    Raises:
        UnknownNameError: for a name that is no parameter, listing the closest names.
    """
    reader = naming.ParameterNames(network.widths)
    chosen: dict[sp.Symbol, None] = {}
    for name in names:
        try:
            labels = reader.labels(name)
        except ValueError as error:
            widths, last = "-".join(map(str, network.widths)), network.depth
            parts = [f"no parameter {name!r} in this {widths} network ({error})"]
            close = reader.suggestions(name)
            if close:
                parts.append(f"closest: {', '.join(close)}")
            parts.append(
                "name one as printed (w^{(L)}_{10}, w⁽ᴸ⁾₁₀, w^(L-1)), by absolute layer "
                f"(w^{{({last})}}_{{10}}) or by params-file key (W{last}, W{last}[1,0], b{last})"
            )
            raise UnknownNameError("; ".join(parts)) from None
        chosen.update(dict.fromkeys(label.symbol() for label in labels))
    return tuple(chosen)


def resolve_parameter(network: Network, name: str) -> sp.Symbol:
    """The one parameter a user named, e.g. ``w^{(L)}``, ``b⁽ᴸ⁻¹⁾``, ``w^{(2)}_{10}``, ``W2[1,0]``.

    Raises:
        UnknownNameError: for an unknown name, or one naming several parameters (``W3``).
    """
    symbols = resolve_parameters(network, [name])
    if len(symbols) != 1:
        label = naming.label_of(symbols[-1])
        example = naming.Notation(network.widths).latex(label) if label else str(symbols[-1])
        raise UnknownNameError(
            f"{name!r} names {len(symbols)} parameters; name one, e.g. {example}"
        )
    return symbols[0]
