"""The one expression grammar: its helpers, and the same arithmetic read by all three readers."""

from __future__ import annotations

import pytest
import sympy as sp

from symchain.errors import SpecError
from symchain.formula import parse_formula
from symchain.grammar import expected_text, nesting_column, split_number, written_name
from symchain.graphs import GraphError
from symchain.graphs.parser import parse_expression
from symchain.network import Network
from symchain.verify import Checker

Z = sp.Symbol("z", real=True)


@pytest.mark.parametrize(
    ("latex", "name"),
    [
        (r"\operatorname{ReLU}", "ReLU"),
        (r"\mathrm{relu}", "relu"),
        (r"\operatorname{ leaky_relu }", "leaky_relu"),
        (r"\tanh", "tanh"),
        ("", None),
        ("ReLU", None),
        (r"\operatorname{1x}", None),
    ],
)
def test_written_name_reads_a_record_latex_one_way(latex: str, name: str | None) -> None:
    assert written_name(latex) == name


def test_helpers() -> None:
    assert nesting_column("((a)(b))", 2) is None
    assert nesting_column("(((a)))", 2) == 3
    assert nesting_column("{{(a)}}", 1, "(") is None
    assert split_number("1.5e-3") == ("1.5", -3)
    assert split_number(".25") == (".25", 0)
    assert expected_text({"PLUS", "FOO"}, {"PLUS": "'+'"}) == ["'+'", "foo"]
    assert expected_text({"PLUS", "FOO"}, {"PLUS": "'+'"}, others=False) == ["'+'"]


# The shared rules read the same arithmetic in spec formulas, graph equations and claims.
SHARED = [
    (r"2 \cdot z − 1e-1 z", sp.Rational(19, 10) * Z),
    (r"\bigl(z + 1\bigr)^{2} / 4", (Z + 1) ** 2 / 4),
    (r"\frac{z}{2} \times 3 + .5", 3 * Z / 2 + sp.Rational(1, 2)),
    (r"-z \quad + z·z", -Z + Z**2),
]


@pytest.mark.parametrize(("text", "expected"), SHARED)
def test_spec_formulas_and_graph_equations_read_the_shared_arithmetic(
    text: str, expected: sp.Expr
) -> None:
    assert sp.expand(parse_formula(text, {"z": Z}, "formula") - expected) == 0
    assert sp.expand(parse_expression(text).value - expected) == 0


def test_claims_read_the_shared_arithmetic() -> None:
    checker = Checker(Network.from_widths((1, 1)))
    claim = r"\frac{\partial z^{(L)}}{\partial w^{(L)}} = 1e-1 \bigl(10 x\bigr) − 0 \cdot x"
    assert checker.check_text(claim).verdict == "holds"


def test_a_huge_power_of_ten_is_refused_everywhere() -> None:
    with pytest.raises(SpecError, match="column 1: the number 1e999 has a power of ten"):
        parse_formula("1e999 z", {"z": Z}, "formula")
    with pytest.raises(GraphError, match="power of ten beyond"):
        parse_expression("1e999 z")
    verdict = Checker(Network.from_widths((1, 1))).check_text("a^{(L)} = 1e999999999")
    assert verdict.verdict == "error" and "power of ten beyond" in verdict.diagnosis[0]
