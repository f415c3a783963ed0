"""Notation: layer labels, subscripts, symbol names and parameter spellings."""

from __future__ import annotations

import pytest

from symchain import naming
from symchain.naming import Kind, Label, Notation


@pytest.mark.parametrize(
    ("widths", "style", "label", "latex"),
    [
        ((1, 1, 1, 1), "relative", Label(Kind.WEIGHT, 3, 0, 0), "w^{(L)}"),
        ((1, 1, 1, 1), "relative", Label(Kind.ACTIVATION, 2, 0), "a^{(L-1)}"),
        ((1, 1, 1, 1), "relative", Label(Kind.BIAS, 1, 0), "b^{(L-2)}"),
        ((1, 1, 1, 1), "absolute", Label(Kind.WEIGHT, 3, 0, 0), "w^{(3)}"),
        ((1, 1, 1, 1), "relative", Label(Kind.INPUT, None, 0), "x"),
        ((1, 1, 1, 1), "relative", Label(Kind.TARGET, None, 0), "y"),
        ((2, 3, 2), "relative", Label(Kind.WEIGHT, 2, 1, 0), "w_{10}^{(L)}"),
        ((2, 3, 2), "absolute", Label(Kind.WEIGHT, 1, 2, 1), "w_{21}^{(1)}"),
        ((2, 3, 2), "relative", Label(Kind.ERROR, 2, 1), r"\delta_{1}^{(L)}"),
        ((2, 3, 2), "relative", Label(Kind.INPUT, None, 1), "x_{1}"),
        ((20, 13, 1), "relative", Label(Kind.WEIGHT, 1, 12, 3), "w_{12,3}^{(L-1)}"),
        ((3, 1), "relative", Label(Kind.WEIGHT, 1, 0, 2), "w_{02}^{(L)}"),
        ((3, 1), "relative", Label(Kind.BIAS, 1, 0), "b^{(L)}"),
        ((1, 3), "relative", Label(Kind.PREACTIVATION, 1, 2), "z_{2}^{(L)}"),
    ],
)
def test_latex_names(widths: tuple[int, ...], style: str, label: Label, latex: str) -> None:
    assert Notation(widths, style).latex(label) == latex


def test_unicode_names() -> None:
    notation = Notation((2, 3, 2))
    assert notation.unicode(Label(Kind.WEIGHT, 2, 1, 0)) == "w⁽ᴸ⁾₁₀"
    assert notation.unicode(Label(Kind.ACTIVATION, 1, 2)) == "a⁽ᴸ⁻¹⁾₂"
    assert Notation((1, 1, 1, 1)).unicode(Label(Kind.ERROR, 3, 0)) == "δ⁽ᴸ⁾"


def test_per_sample_latex() -> None:
    notation = Notation((1, 1))
    assert notation.latex(Label(Kind.ACTIVATION, 1, 0), sample="i") == "a^{(L)[i]}"
    assert notation.latex(Label(Kind.TARGET, None, 0), sample="i") == "y^{[i]}"


@pytest.mark.parametrize(
    "label",
    [
        Label(Kind.WEIGHT, 3, 1, 2),
        Label(Kind.BIAS, 1, 0),
        Label(Kind.PREACTIVATION, 2, 5),
        Label(Kind.ACTIVATION, 4, 0),
        Label(Kind.INPUT, None, 3),
        Label(Kind.TARGET, None, 1),
        Label(Kind.ERROR, 2, 7),
    ],
)
def test_symbol_round_trip(label: Label) -> None:
    symbol = label.symbol()
    assert naming.label_of(symbol) == label
    assert symbol.name.isidentifier()
    assert symbol == label.symbol()


def test_foreign_symbols_have_no_label() -> None:
    import sympy as sp

    assert naming.label_of(sp.Symbol("q")) is None
    assert naming.label_of(sp.Symbol("w_1_2")) is None
    assert naming.label_of(sp.Integer(3)) is None


def test_parameter_spellings_cover_both_notations_and_orders() -> None:
    names = Notation((2, 3, 2)).parameter_names(Label(Kind.WEIGHT, 2, 1, 0))
    for spelling in ("w_{10}^{(L)}", "w^{(L)}_{10}", "w^{(2)}_{10}", "w_{1,0}^{(2)}", "w_2_1_0"):
        assert spelling in names


def test_index_letters_do_not_clash() -> None:
    # samples use i, neurons j and k: the batch form never reuses a neuron letter
    assert naming.SAMPLE_INDEX.name == "i"
    assert naming.BATCH_SIZE.name == "n"
