"""Graph specs: the LaTeX equation grammar, names as written, and one-line errors for bad graphs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symchain.activations import ACTIVATIONS, Relu, Sigmoid, Softplus, to_elementary
from symchain.graphs import GraphError
from symchain.graphs.parser import function_table, parse_claim, parse_equation, parse_expression
from symchain.graphs.spec import graph_from_mapping, load_graph


def s(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\tanh(w_x x_1 + b)", sp.tanh(s("w_x") * s("x_1") + s("b"))),
        (r"(v h_3 - y)^2", (s("v") * s("h_3") - s("y")) ** 2),
        (
            r"\frac{x_1 - \mu}{\sqrt{\sigma^2 + \epsilon}}",
            (s("x_1") - s(r"\mu")) / sp.sqrt(s(r"\sigma") ** 2 + s(r"\epsilon")),
        ),
        (
            r"\sigma(z) + \operatorname{ReLU}(z) + \operatorname{softplus}(z)",
            Sigmoid(s("z")) + Relu(s("z")) + Softplus(s("z")),
        ),
        (r"e^{s_1} + \exp(s_2) + e", sp.exp(s("s_1")) + sp.exp(s("s_2")) + sp.E),
        (r"\ln(a) \cdot 0.5 / 2 - -x", sp.log(s("a")) / 4 + s("x")),
        (
            r"\hat{y}_1 \bar x \tilde{x}_{t} w_{hh}",
            s(r"\hat{y}_1") * s(r"\bar{x}") * s(r"\tilde{x}_t") * s("w_{hh}"),
        ),
        (r"W^{(1)}_{10} + W_{10}^{(1)} + x_{1}", 2 * s("W_{10}^{(1)}") + s("x_1")),
        (r"\gamma (x + 1) + \sigma_B^2", s(r"\gamma") * (s("x") + 1) + s(r"\sigma_B") ** 2),
        (r"\left( a \right)^{-1} \times [b]", s("b") / s("a")),
        (r"\alpha_1 \, \beta \; 3", 3 * s(r"\alpha_1") * s(r"\beta")),
    ],
)
def test_grammar_builds_sympy_objects(text: str, expected: sp.Expr) -> None:
    assert parse_expression(text).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\max(a, b) + \min(x, 0, y)", sp.Max(s("a"), s("b")) + sp.Min(s("x"), 0, s("y"))),
        (r"\max\left(w, 0\right)", sp.Max(s("w"), 0)),
        (r"|x - 1| + \left| y \right|^2 + \lvert z \rvert", sp.Abs(s("x") - 1) + s("y") ** 2
         + sp.Abs(s("z"))),
        (r"a \cdot |b| + |a - |b||", s("a") * sp.Abs(s("b")) + sp.Abs(s("a") - sp.Abs(s("b")))),
        (r"1e-5 x + 2.5E3 + .5e1 + 3e+2", s("x") / 100_000 + 2505 + 300),
        (r"2e^{x} + 2 e", 2 * sp.exp(s("x")) + 2 * sp.E),
        (r"\frac12 x + \frac a b + \dfrac34", s("x") / 2 + s("a") / s("b") + sp.Rational(3, 4)),
        (r"h' + h'_1 + h_1' + h''", s("h'") + 2 * s("h'_1") + s("h''")),
        ("σ_B + α x + Δ", s(r"\sigma_B") + s(r"\alpha") * s("x") + s(r"\Delta")),
        ("σ(z) + γ(x + 1) + x_α", Sigmoid(s("z")) + s(r"\gamma") * (s("x") + 1) + s(r"x_\alpha")),
    ],
)  # fmt: skip
def test_grammar_reads_max_bars_exponents_short_fractions_primes_and_unicode_greek(
    text: str, expected: sp.Expr
) -> None:
    assert sp.simplify(parse_expression(text).value - expected) == 0


def test_softmax_entries_are_read_counting_from_1() -> None:
    scores = [s("s_1"), s("s_2"), s("s_3")]
    for k in (1, 2, 3):
        parsed = parse_expression(rf"\operatorname{{softmax}}_{{{k}}}(s_1, s_2, s_3)").value
        expected = sp.exp(scores[k - 1]) / sum(sp.exp(v) for v in scores)
        assert sp.simplify(to_elementary(parsed) - expected) == 0


def test_primes_and_unicode_greek_name_the_same_quantity_as_their_latex() -> None:
    parsed = parse_expression(r"h_1' + h'_1 + σ_B + \sigma_B + φ")
    written = {n.latex: (n.unicode, n.identifier) for n in parsed.names.values()}
    assert written == {
        "h'_1": ("h′₁", "h_prime_1"),
        r"\sigma_B": ("σ_B", "sigma_B"),
        r"\varphi": ("φ", "varphi"),
    }


def test_names_print_as_written() -> None:
    parsed = parse_equation(r"\hat{y}_1 = \gamma \hat{x}^{(2)} + w_{hh} + \sigma_B + x_{1}")
    written = {n.latex: (n.unicode, n.identifier) for n in parsed.names.values()}
    assert written == {
        r"\hat{y}_1": (unicodedata.normalize("NFC", "y\u0302₁"), "hat_y_1"),
        r"\gamma": ("γ", "gamma"),
        r"\hat{x}^{(2)}": ("x\u0302⁽²⁾", "hat_x_2"),
        "w_{hh}": ("w_hh", "w_hh"),
        r"\sigma_B": ("σ_B", "sigma_B"),
        "x_1": ("x₁", "x_1"),
    }


def test_every_elementwise_activation_is_readable_by_name() -> None:
    table = function_table()
    for activation in ACTIVATIONS.values():
        if activation.elementwise:
            parsed = parse_expression(rf"\operatorname{{{activation.name}}}(z)").value
            assert parsed == activation.apply(s("z"))
            assert table[activation.name] is activation.apply


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"h = \foo(x)", r"column 5: unknown function \foo"),
        ("h = (x", "column 6: unexpected the end of the text"),
        ("h = x +", "column 7: unexpected the end of the text"),
        (r"h = x \% 2", "column 7: cannot read"),
        (r"h = \softmax(x)", "softmax acts on several scores"),
        ("= x", "column 1: unexpected '='"),
        ("h = x/0", "division by zero"),
        ("h = 2^{2^{5}}", "exponent 32 is larger than 16"),
        ("h = " + "(" * 70 + "x" + ")" * 70, "nested brackets"),
        (r"h = \operatorname{softmax}(s_1, s_2)", "write the entry you mean, counting from 1"),
        (r"h = \operatorname{softmax}_3(s_1, s_2)", "column 27: softmax entry 3 of 2 arguments"),
        (r"h = \tanh_1(x, y)", r"column 5: \tanh takes no index"),
        (r"h = \foo(x, y)", r"column 5: unknown function \foo"),
        (r"h = \tanh(x, y)", r"column 5: \tanh takes one argument"),
        ("h = 1e99", "the number 1e99 has a power of ten beyond ±30"),
        ("h = a |b|", "column 7: unexpected '|'"),
    ],
)
def test_unreadable_equations_name_the_column(text: str, message: str) -> None:
    with pytest.raises(GraphError, match="^equation 1 .*" + re.escape(message)):
        parse_equation(text, f"equation 1 {text!r}")


BASE = {"parameters": ["w", "v"], "inputs": ["x"], "targets": ["y"]}


@pytest.mark.parametrize(
    ("equations", "message"),
    [
        (["h = w u", "C_0 = (v h - y)^2"], r"equation 1 'h = w u', column 7: u is not defined"),
        (
            ["h = w g", "g = v h", "C_0 = (g - y)^2"],
            "equation 2 .g = v h., column 7: cycle h → g → h",
        ),
        (["h = w x", "h = v x", "C_0 = h^2"], "equation 2 'h = v x': h is defined twice"),
        (["x = w", "C_0 = x^2"], "x is defined twice .*declared as input"),
        ([], "at least one equation"),
    ],
)
def test_bad_graphs_are_one_line_errors(equations: list[str], message: str) -> None:
    with pytest.raises(GraphError, match=message) as error:
        graph_from_mapping({**BASE, "equations": equations})
    assert "\n" not in str(error.value)


def test_loss_used_by_another_equation_is_refused() -> None:
    with pytest.raises(GraphError, match="column 7: the loss C_0 .* is used here"):
        graph_from_mapping({**BASE, "equations": ["h = w x", "g = v C_0", "C_0 = (h - y)^2"]})


def test_spec_keys_and_types_are_checked(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="unknown keys layers"):
        graph_from_mapping({"layers": [1], "equations": ["C_0 = x"]})
    with pytest.raises(GraphError, match="parameters must be a list of strings"):
        graph_from_mapping({"parameters": "w", "equations": ["C_0 = w"]})
    with pytest.raises(GraphError, match=r"parameters\[1\] 'w x', column 3"):
        graph_from_mapping({"parameters": ["w x"], "equations": ["C_0 = w"]})
    bad = tmp_path / "bad.toml"
    bad.write_text("equations = [", encoding="utf-8")
    with pytest.raises(Exception, match="not valid TOML"):
        load_graph(bad)


def test_parameter_that_never_reaches_the_loss_is_a_warning() -> None:
    graph = graph_from_mapping({**BASE, "equations": ["C_0 = (w x - y)^2"]})
    assert graph.warnings == ("parameter v never reaches the loss C_0; its gradient is 0",)


def test_equations_may_be_written_in_any_order() -> None:
    graph = graph_from_mapping({**BASE, "equations": ["g = v h", "h = w x", "C_0 = (g - y)^2"]})
    assert [str(q) for q in graph.quantities] == ["h", "g", "C_0"]


TOKENS = [
    *"hwxyb_^{}()[]+-*/=.0123456789 '\n",
    r"\tanh",
    r"\sigma",
    r"\frac",
    r"\sqrt",
    r"\hat",
    r"\gamma",
    r"\cdot",
    r"\left(",
    r"\right)",
    r"\partial",
    r"\exp",
    r"\ln",
    "e",
    r"\operatorname{ReLU}",
    r"\foo",
    *"|,σα",
    r"\max",
    r"\left|",
    r"\right|",
    r"\frac12",
    "1e-5",
    "1e99",
    r"\operatorname{softmax}_2",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_text_parses_or_is_one_line_graph_error(text: str) -> None:
    for parse in (parse_equation, parse_expression, parse_claim):
        try:
            parse(text)
        except GraphError as error:
            assert "\n" not in str(error)


def test_graph_files_are_read_defensively(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from symchain.cli import cli

    rnn = str(Path(__file__).parent.parent / "examples" / "rnn.toml")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100 + "]" * 100 + "\n")
    huge = tmp_path / "params.json"
    huge.write_text('{"w_x": 1' + "0" * 400 + "}")
    data = tmp_path / "data.csv"
    data.write_text("x_1,x_2,x_3,y\n0.1,0.2,0.3,1\n")
    cases = [
        (["derive", "--graph", "/dev/zero"], "not a regular file"),
        (["derive", "--graph", str(deep)], "nests tables or arrays too deeply"),
        (["eval", "--graph", rnn, "--params", str(huge), "--data", str(data)], "float64"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
