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

import re
from dataclasses import dataclass
from enum import StrEnum

import sympy as sp


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

    def symbol(self) -> sp.Symbol:
        """The SymPy symbol for this label (real-valued; same label, same symbol)."""
        parts = [self.kind.value]
        if self.layer is not None:
            parts.append(str(self.layer))
        parts.extend(str(i) for i in self.indices)
        return sp.Symbol("_".join(parts), real=True)


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

    Subscripts are dropped where every layer a symbol touches has width 1.
    """

    widths: tuple[int, ...]
    style: str = "relative"

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

    def parameter_names(self, label: Label) -> tuple[str, ...]:
        """Every spelling accepted for a parameter on the command line (both notations)."""
        names = []
        for style in ("relative", "absolute"):
            notation = Notation(self.widths, style)
            base = _LATEX_BASE[label.kind]
            assert label.layer is not None
            sup = f"^{{({notation.layer_text(label.layer)})}}"
            subs = {""}
            shown = notation._shown_indices(label)
            for idx in (shown, label.indices):
                if idx:
                    subs.add("_{" + index_text(idx) + "}")
                    subs.add("_{" + ",".join(str(i) for i in idx) + "}")
                    if len(index_text(idx)) == 1:
                        subs.add("_" + index_text(idx))
            if shown:
                subs.discard("")
            for sub in sorted(subs):
                names.extend([base + sub + sup, base + sup + sub])
        names.append(label.symbol().name)
        return tuple(dict.fromkeys(names))
