"""The one place where network symbols are made and named, in LaTeX and in Unicode.

Symbols carry a structured, identifier-safe name (``w_2_1_0`` is the weight of absolute layer 2
from neuron 0 of layer 1 to neuron 1 of layer 2). :class:`Notation` turns a symbol into the
notation of the seed: the layer as a superscript in parentheses, counted from the end by default
(``(L)``, ``(L-1)``) or absolute (``(1)`` .. ``(L)``), neuron subscripts 0-based, ``j`` for the
parameter's layer and ``k`` for the layer before.

Index letters never clash: ``j`` and ``k`` are neurons (``j`` in the later layer, ``k`` in the
earlier one), ``i`` is the sample in a batch of ``n`` samples, ``l`` a layer and ``n_l`` its width.
Per-sample quantities carry the sample as a bracketed superscript: ``a^{(L)[i]}``, ``y^{[i]}``.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sympy as sp
from sympy.printing.pretty.stringpict import prettyForm

from .errors import SpecError


class Kind(StrEnum):
    """What a network symbol stands for."""

    WEIGHT = "w"
    BIAS = "b"
    PREACTIVATION = "z"
    ACTIVATION = "a"
    INPUT = "x"
    TARGET = "y"
    ERROR = "δ"


_LATEX_BASE = {
    Kind.WEIGHT: "w",
    Kind.BIAS: "b",
    Kind.PREACTIVATION: "z",
    Kind.ACTIVATION: "a",
    Kind.INPUT: "x",
    Kind.TARGET: "y",
    Kind.ERROR: r"\delta",
}
_UNICODE_BASE = {**{kind: str(base) for kind, base in _LATEX_BASE.items()}, Kind.ERROR: "δ"}

_NAME_RE = re.compile(r"^(w|b|z|a|x|y|δ)((?:_\d+)*)$")

# Sample-independent symbols: the loss of one sample, the batch loss, batch size and sample index.
SAMPLE_LOSS = sp.Symbol("C_0")
BATCH_LOSS = sp.Symbol("C")
BATCH_SIZE = sp.Symbol("n", integer=True, positive=True)
SAMPLE_INDEX = sp.Symbol("i", integer=True, nonnegative=True)


@dataclass(frozen=True, order=True)
class Label:
    """The identity of a network symbol: its kind, absolute layer and neuron indices."""

    kind: Kind
    layer: int | None = None
    j: int | None = None
    k: int | None = None

    @property
    def indices(self) -> tuple[int, ...]:
        return tuple(i for i in (self.j, self.k) if i is not None)

    def symbol(self) -> NetworkSymbol:
        """The SymPy symbol for this label (real-valued; same label, same symbol)."""
        name = self.kind.value  # written out: 100k weights of 784-128-10 are named here
        for part in (self.layer, self.j, self.k):
            if part is not None:
                name = f"{name}_{part}"
        return NetworkSymbol(name, real=True)


class NetworkSymbol(sp.Symbol):
    """A network quantity's symbol: named for code (``w_3_1_0``), printed as math by SymPy.

    ``str()``, ``repr()`` and SymPy's code printers (lambdify for NumPy, SciPy, JAX, PyTorch)
    write the name, a Python identifier; ``sympy.latex`` and ``sympy.pretty`` write the seed's
    notation with absolute layers and every subscript (``w_{10}^{(3)}``, ``w⁽³⁾₁₀``), which is
    all a bare symbol knows. The lecture's ``(L)``/``(L-1)`` form needs the network's depth: see
    :meth:`symchain.Network.latex`.

    It holds nothing beyond its name (the label is read back from it), so SymPy's cache,
    pickling, ``copy``, ``subs`` and ``xreplace`` treat it as any symbol. It is not equal to a
    plain ``Symbol`` of the same name: make network symbols with :meth:`Label.symbol` (or
    :func:`network_symbol` for a plain one), never with ``sympy.Symbol``.
    """

    __slots__ = ()

    @property
    def label(self) -> Label:
        label = label_of(self)
        assert label is not None, self.name
        return label

    def _latex(self, printer: Any, **_: Any) -> str:
        name: str | None = printer._settings.get("symbol_names", {}).get(self)
        return name if name is not None else SYMBOL_NOTATION.latex(self.label)

    def _pretty(self, printer: Any, **_: Any) -> prettyForm:
        if not printer._use_unicode:
            return printer._print_Symbol(self)
        return prettyForm(SYMBOL_NOTATION.unicode(self.label))


# SymPy orders the arguments of sums and products (and hashes symbols) by class name: under
# Symbol's name a network symbol sorts, hashes, prints in srepr (and so in the JSON output) and
# canonicalises exactly as the plain symbols it replaces, so every derivation keeps its shape.
NetworkSymbol.__name__ = "Symbol"


def network_symbol(symbol: sp.Symbol) -> sp.Symbol:
    """The network symbol named like a plain ``Symbol('w_3_0_0')``; any other symbol as given."""
    label = label_of(symbol) if type(symbol) is sp.Symbol else None
    return symbol if label is None else label.symbol()


def network_symbols(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every plain symbol named like a network quantity as its network symbol.

    For expressions that kept only the names: back from symengine (``sympy.sympify`` of a
    symengine expression), built with ``sympy.Symbol`` or ``sympy.symbols``.
    """
    mapping = {s: network_symbol(s) for s in expr.free_symbols if type(s) is sp.Symbol}
    return expr.xreplace({s: t for s, t in mapping.items() if t is not s})


def weight(layer: int, j: int, k: int) -> sp.Symbol:
    return Label(Kind.WEIGHT, layer, j, k).symbol()


def bias(layer: int, j: int) -> sp.Symbol:
    return Label(Kind.BIAS, layer, j).symbol()


def preactivation(layer: int, j: int) -> sp.Symbol:
    return Label(Kind.PREACTIVATION, layer, j).symbol()


def activation(layer: int, j: int) -> sp.Symbol:
    """a_j^(layer); layer 0 is the input x_j."""
    if layer == 0:
        return Label(Kind.INPUT, None, j).symbol()
    return Label(Kind.ACTIVATION, layer, j).symbol()


def target(j: int) -> sp.Symbol:
    return Label(Kind.TARGET, None, j).symbol()


def error(layer: int, j: int) -> sp.Symbol:
    return Label(Kind.ERROR, layer, j).symbol()


@functools.lru_cache(maxsize=1 << 16)  # printing asks it for every symbol of every formula
def label_of(symbol: sp.Basic) -> Label | None:
    """The label of a network symbol, or None for any other symbol."""
    if not isinstance(symbol, sp.Symbol):
        return None
    match = _NAME_RE.match(symbol.name)
    if match is None:
        return None
    kind = Kind(match.group(1))
    numbers = [int(part) for part in match.group(2).split("_")[1:]]
    if kind in (Kind.INPUT, Kind.TARGET):
        if len(numbers) != 1:
            return None
        return Label(kind, None, numbers[0])
    expected = 3 if kind is Kind.WEIGHT else 2
    if len(numbers) != expected:
        return None
    return Label(kind, *numbers)


_SUPERSCRIPT = str.maketrans("0123456789L-+()[]in", "⁰¹²³⁴⁵⁶⁷⁸⁹ᴸ⁻⁺⁽⁾⁽⁾ⁱⁿ")
_SUBSCRIPT = str.maketrans("0123456789jkin,", "₀₁₂₃₄₅₆₇₈₉ⱼₖᵢₙ,")


def unicode_superscript(text: str) -> str:
    """Text in Unicode superscript characters (digits, L, signs, parentheses, i, n)."""
    return text.translate(_SUPERSCRIPT)


def unicode_subscript(text: str) -> str:
    """Text in Unicode subscript characters (digits, j, k, i, n)."""
    return text.translate(_SUBSCRIPT)


def index_text(indices: tuple[int | str, ...]) -> str:
    """Neuron subscripts written together when all are single characters, else comma-separated."""
    texts = [str(i) for i in indices]
    if all(len(t) == 1 for t in texts):
        return "".join(texts)
    return ",".join(texts)


# The notation styles a Notation takes: layers counted back from L, or numbered from 1.
NOTATIONS = ("relative", "absolute")


@dataclass(frozen=True)
class Notation:
    """How a network's symbols are written: relative ((L), (L-1)) or absolute ((1)..(L)) layers.

    Subscripts are dropped where every layer a symbol touches has width 1. Without widths
    (:data:`SYMBOL_NOTATION`, how a bare symbol prints) layers are absolute and every subscript
    is shown.
    """

    widths: tuple[int, ...]
    style: str = "relative"

    def __post_init__(self) -> None:
        if not self.widths and self.style != "absolute":
            raise SpecError("layers counted from L need the widths; without them write absolute")

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def layer_text(self, layer: int) -> str:
        """The layer label without parentheses: ``L``, ``L-1`` or ``2``."""
        if self.style == "absolute":
            return str(layer)
        back = self.depth - layer
        return "L" if back == 0 else f"L-{back}"

    def _shown_indices(self, label: Label) -> tuple[int, ...]:
        widths = self.widths
        if not widths:  # widths unknown (SYMBOL_NOTATION): every subscript
            return label.indices
        if label.kind is Kind.WEIGHT:
            assert label.layer is not None
            single = widths[label.layer] == 1 and widths[label.layer - 1] == 1
        elif label.kind is Kind.INPUT:
            single = widths[0] == 1
        elif label.kind is Kind.TARGET:
            single = widths[-1] == 1
        else:
            assert label.layer is not None
            single = widths[label.layer] == 1
        return () if single else label.indices

    def latex(self, label: Label, sample: str | None = None) -> str:
        """LaTeX for a label, e.g. ``w_{10}^{(L)}``; with a sample index ``a^{(L)[i]}``."""
        text = _LATEX_BASE[label.kind]
        indices = self._shown_indices(label)
        if indices:
            text += "_{" + index_text(indices) + "}"
        sup = ""
        if label.layer is not None:
            sup += f"({self.layer_text(label.layer)})"
        if sample is not None:
            sup += f"[{sample}]"
        if sup:
            text += "^{" + sup + "}"
        return text

    def unicode(self, label: Label, sample: str | None = None) -> str:
        """Unicode for a label, e.g. ``w⁽ᴸ⁾₁₀``."""
        text = _UNICODE_BASE[label.kind]
        sup = ""
        if label.layer is not None:
            sup += f"({self.layer_text(label.layer)})"
        if sample is not None:
            sup += f"[{sample}]"
        text += unicode_superscript(sup)
        indices = self._shown_indices(label)
        if indices:
            text += unicode_subscript(index_text(indices))
        return text


# How a bare symbol prints through SymPy's own printers: it knows its absolute layer, not the
# network's depth or which layers have width 1.
SYMBOL_NOTATION = Notation((), "absolute")


def _inverse(table: dict[int, int], characters: str) -> dict[str, str]:
    """The printed digits, letters and signs of a translation ``table``, back to ASCII."""
    return {chr(table[ord(char)]): char for char in characters}


# Unicode superscripts and subscripts as printed (unicode_superscript/unicode_subscript), back to
# ASCII, for reading a parameter name typed as printed (``w⁽ᴸ⁻¹⁾₁₀``).
_FROM_SUPERSCRIPT = _inverse(_SUPERSCRIPT, "0123456789L-+()")
_FROM_SUBSCRIPT = _inverse(_SUBSCRIPT, "0123456789")
# A layer superscript ``^{(L-1)}``, ``^(L-1)`` or ``^{L-1}``, and a subscript ``_{10}``, ``_{1,0}``
# or ``_10``; NAME is replaced by the group's name.
_LAYER = r"\^(?:\{\((?P<NAME>[^()]*)\)\}|\((?P<NAMEb>[^()]*)\)|\{(?P<NAMEc>[^(){}]*)\})"
_INDICES = r"_(?:\{(?P<NAME>[0-9,]+)\}|(?P<NAMEb>[0-9,]+))"
_PRINTED_RE = re.compile(
    r"^(?P<base>[wb])(?:"
    + _LAYER.replace("NAME", "l1")
    + "(?:"
    + _INDICES.replace("NAME", "i1")
    + ")?|"
    + _INDICES.replace("NAME", "i2")
    + _LAYER.replace("NAME", "l2")
    + ")$"
)
_KEY_RE = re.compile(r"^(?P<base>[Wb])(?P<layer>[0-9]+)(?:\[(?P<indices>[0-9]+(?:,[0-9]+)*)\])?$")
_SYMBOL_RE = re.compile(r"^(?P<base>[wb])_(?P<layer>[0-9]+)_(?P<indices>[0-9]+(?:_[0-9]+)*)$")
# Networks with more parameters than this suggest only layer-level names when a name is unknown.
MAX_SUGGESTION_NAMES = 5000


def _ascii_name(text: str) -> str:
    """``text`` without spaces, Unicode super/subscript runs written as ``^{...}`` / ``_{...}``."""
    out = []
    index = 0
    text = "".join(text.split()).replace("−", "-")
    while index < len(text):
        char = text[index]
        for table, mark in ((_FROM_SUPERSCRIPT, "^"), (_FROM_SUBSCRIPT, "_")):
            if char in table:
                run = ""
                while index < len(text) and (
                    text[index] in table or (mark == "_" and text[index] == ",")
                ):
                    run += table.get(text[index], ",")
                    index += 1
                out.append(mark + "{" + run + "}" if mark == "_" else mark + run)
                break
        else:
            out.append(char)
            index += 1
    return "".join(out)


class ParameterNames:
    """Reads every way a parameter of a network is written, back to its label(s).

    Accepted: LaTeX as printed in either notation and either order of sub- and superscript
    (``w^{(L)}_{10}``, ``w_{1,0}^{(2)}``, ``w^(L-1)_10``), Unicode as printed (``w⁽ᴸ⁾₁₀``), the
    symbol name (``w_2_1_0``) and the params-file keys: ``W3`` (every weight of absolute layer 3),
    ``W3[1,0]``, ``b2``, ``b2[1]``. Subscripts may be left out where the layers they index have
    width 1.
    """

    def __init__(self, widths: tuple[int, ...]) -> None:
        self.notation = Notation(widths)

    @property
    def depth(self) -> int:
        return self.notation.depth

    def labels(self, name: str) -> tuple[Label, ...]:
        """The parameters ``name`` denotes, in ∇C order (several only for ``W3``/``b2``).

        Raises:
            ValueError: with a message saying what is wrong (the caller adds close matches).
        """
        text = _ascii_name(name)
        match = _KEY_RE.match(text)
        if match:
            kind = Kind.WEIGHT if match["base"] == "W" else Kind.BIAS
            layer = self._absolute_layer(match["layer"])
            if match["indices"] is None:
                return self._whole_layer(kind, layer)
            numbers = tuple(int(i) for i in match["indices"].split(","))
            return (self._label(kind, layer, numbers, explicit=True),)
        match = _SYMBOL_RE.match(text)
        if match:
            kind = Kind(match["base"])
            layer = self._absolute_layer(match["layer"])
            numbers = tuple(int(i) for i in match["indices"].split("_"))
            return (self._label(kind, layer, numbers, explicit=True),)
        match = _PRINTED_RE.match(text)
        if match is None:
            raise ValueError("parameters are weights w and biases b")
        groups = {key: value for key, value in match.groupdict().items() if value is not None}
        layer_text = next(v for k, v in groups.items() if k.startswith("l"))
        index_text_ = next((v for k, v in groups.items() if k.startswith("i")), "")
        kind = Kind(match["base"])
        layer = self._layer(layer_text)
        return (self._label(kind, layer, self._indices(kind, index_text_), explicit=False),)

    def _absolute_layer(self, text: str) -> int:
        layer = int(text)
        if not 1 <= layer <= self.depth:
            raise ValueError(f"layer {layer} is not in 1..{self.depth}")
        return layer

    def _layer(self, text: str) -> int:
        """``L``, ``L-1`` (relative) or ``2`` (absolute) as an absolute layer."""
        relative = re.fullmatch(r"L(?:-([0-9]+))?", text)
        if relative:
            layer = self.depth - int(relative.group(1) or 0)
            if layer < 1:
                raise ValueError(f"layer ({text}) is before the first layer (L-{self.depth - 1})")
            return layer
        if text.isdigit():
            return self._absolute_layer(text)
        raise ValueError(f"({text}) is not a layer; write (L), (L-1), ... or (1) .. ({self.depth})")

    @staticmethod
    def _indices(kind: Kind, text: str) -> tuple[int, ...]:
        """Subscript digits: comma-separated, or one digit per index when written together."""
        if not text:
            return ()
        if "," in text:
            return tuple(int(part) for part in text.split(",") if part)
        if kind is Kind.WEIGHT and len(text) == 2:
            return (int(text[0]), int(text[1]))
        if kind is Kind.BIAS:
            return (int(text),)
        raise ValueError(f"subscript {text!r}: separate indices above 9 with a comma (w_{{12,3}})")

    def _label(self, kind: Kind, layer: int, numbers: tuple[int, ...], explicit: bool) -> Label:
        widths = self.notation.widths
        needed = 2 if kind is Kind.WEIGHT else 1
        if not numbers and not explicit:
            shown = self.notation._shown_indices(Label(kind, layer, 0, 0 if needed == 2 else None))
            if shown:
                raise ValueError(
                    f"layer {layer} has several {'weights' if needed == 2 else 'biases'}; "
                    "give the neuron subscript"
                )
            numbers = (0,) * needed
        if len(numbers) != needed:
            raise ValueError(f"a {'weight' if needed == 2 else 'bias'} has {needed} subscript(s)")
        limits = (widths[layer], widths[layer - 1])[:needed]
        for number, limit in zip(numbers, limits, strict=True):
            if number >= limit:
                raise ValueError(f"neuron {number} is outside 0..{limit - 1}")
        return Label(kind, layer, *numbers)

    def _whole_layer(self, kind: Kind, layer: int) -> tuple[Label, ...]:
        widths = self.notation.widths
        if kind is Kind.BIAS:
            return tuple(Label(kind, layer, j) for j in range(widths[layer]))
        return tuple(
            Label(kind, layer, j, k) for j in range(widths[layer]) for k in range(widths[layer - 1])
        )

    def suggestions(self, name: str, count: int = 3) -> list[str]:
        """The printed names closest to ``name`` (difflib), for an error message."""
        widths = self.notation.widths
        candidates = [
            key for layer in range(1, self.depth + 1) for key in (f"W{layer}", f"b{layer}")
        ]
        parameters = sum(widths[i] * widths[i - 1] + widths[i] for i in range(1, len(widths)))
        if parameters <= MAX_SUGGESTION_NAMES:
            relative, absolute = self.notation, Notation(widths, "absolute")
            for layer in range(1, self.depth + 1):
                for kind in (Kind.WEIGHT, Kind.BIAS):
                    for label in self._whole_layer(kind, layer):
                        candidates += [
                            relative.latex(label),
                            absolute.latex(label),
                            relative.unicode(label),
                        ]
        return difflib.get_close_matches("".join(name.split()), candidates, n=count, cutoff=0.5)
