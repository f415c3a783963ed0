"""Notation: layer labels, subscripts, symbol names and parameter spellings."""

from __future__ import annotations

import re

import pytest

from symchain import Network, derive, naming
from symchain.derivation import resolve_parameter
from symchain.errors import UnknownNameError
from symchain.naming import Kind, Label, Notation, ParameterNames


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
    reader = ParameterNames((2, 3, 2))
    for spelling in ("w_{10}^{(L)}", "w^{(L)}_{10}", "w^{(2)}_{10}", "w_{1,0}^{(2)}", "w_2_1_0"):
        assert reader.labels(spelling) == (Label(Kind.WEIGHT, 2, 1, 0),)


def test_index_letters_do_not_clash() -> None:
    # samples use i, neurons j and k: the batch form never reuses a neuron letter
    assert naming.SAMPLE_INDEX.name == "i"
    assert naming.BATCH_SIZE.name == "n"


WIDE = (2, 3, 2)


@pytest.mark.parametrize(
    ("widths", "name", "expected"),
    [
        (WIDE, "w^{(L)}_{10}", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w_{10}^{(L)}", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w⁽ᴸ⁾₁₀", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w^(L)_10", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w^{(2)}_{1,0}", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w _ {1, 0} ^ {(L)}", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "w_2_1_0", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "W2[1,0]", [(Kind.WEIGHT, 2, 1, 0)]),
        (WIDE, "b⁽ᴸ⁻¹⁾₂", [(Kind.BIAS, 1, 2, None)]),
        (WIDE, "b^(L-1)_2", [(Kind.BIAS, 1, 2, None)]),
        (WIDE, "b1[2]", [(Kind.BIAS, 1, 2, None)]),
        (WIDE, "b1", [(Kind.BIAS, 1, j, None) for j in range(3)]),
        (WIDE, "W2", [(Kind.WEIGHT, 2, j, k) for j in range(2) for k in range(3)]),
        ((1, 1, 1, 1), "w⁽ᴸ⁾", [(Kind.WEIGHT, 3, 0, 0)]),
        ((1, 1, 1, 1), "w^(L-2)", [(Kind.WEIGHT, 1, 0, 0)]),
        ((1, 1, 1, 1), "b^{(L-1)}", [(Kind.BIAS, 2, 0, None)]),
        ((1, 1, 1, 1), "b^{(L-1)}_0", [(Kind.BIAS, 2, 0, None)]),
        ((1, 1, 1, 1), "W3", [(Kind.WEIGHT, 3, 0, 0)]),
        ((12, 12, 1), "w^{(1)}_{11,3}", [(Kind.WEIGHT, 1, 11, 3)]),
        ((12, 12, 1), "w⁽ᴸ⁻¹⁾₁₁,₃", [(Kind.WEIGHT, 1, 11, 3)]),
    ],
)
def test_parameter_names_read_every_printed_spelling(
    widths: tuple[int, ...], name: str, expected: list[tuple[Kind, int, int, int | None]]
) -> None:
    assert ParameterNames(widths).labels(name) == tuple(Label(*e) for e in expected)


@pytest.mark.parametrize("style", ["relative", "absolute"])
@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 3, 2), (12, 2, 11)])
def test_every_printed_name_reads_back(widths: tuple[int, ...], style: str) -> None:
    notation, reader = Notation(widths, style), ParameterNames(widths)
    for layer in range(1, len(widths)):
        for j in range(widths[layer]):
            for label in [Label(Kind.BIAS, layer, j)] + [
                Label(Kind.WEIGHT, layer, j, k) for k in range(widths[layer - 1])
            ]:
                assert reader.labels(notation.latex(label)) == (label,)
                assert reader.labels(notation.unicode(label)) == (label,)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("w^{(L+1)}", "(L+1) is not a layer"),
        ("w^{(L-2)}_{00}", "before the first layer"),
        ("w^{(L)}", "give the neuron subscript"),
        ("w^{(L)}_{30}", "neuron 3 is outside 0..1"),
        ("W7", "layer 7 is not in 1..2"),
        ("a^{(L)}", "parameters are weights w and biases b"),
        ("w^{(L)}_{123}", "separate indices above 9 with a comma"),
    ],
)
def test_bad_parameter_names_say_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ParameterNames(WIDE).labels(name)


def test_suggestions_are_close_printed_names() -> None:
    reader = ParameterNames(WIDE)
    assert "w_{10}^{(L)}" in reader.suggestions("w_{10}^{(L+1)}")
    assert "W2" in reader.suggestions("W3")
    assert reader.suggestions("qqqq") == []


def test_one_parameter_lookups_refuse_a_whole_layer() -> None:
    network = Network.from_widths(WIDE)
    assert resolve_parameter(network, "W2[1,0]") == network.w(2, 1, 0)
    assert derive(network, (network.b(1, 2),))["b1[2]"].parameter == network.b(1, 2)
    with pytest.raises(UnknownNameError, match=r"'W2' names 6 parameters; name one, e.g. w_\{12\}"):
        resolve_parameter(network, "W2")
