"""``symchain derive`` through click's CliRunner: formats, --param, errors, determinism."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner, Result
from conftest import assert_same_value
from rich.console import Console

from symchain import Network, derive, naming
from symchain.cli import cli
from symchain.render.document import build_document
from symchain.render.json import derivation_data
from symchain.render.latex import latex_printer, section_latex
from symchain.render.markdown import render_markdown
from symchain.render.text import render_plain_text


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["derive", *args])


def test_default_prints_the_seed_derivation() -> None:
    result = CliRunner().invoke(cli, ["derive"], env={"COLUMNS": "200"})  # no line wraps
    assert result.exit_code == 0, result.output
    out = result.output
    assert "network 1-1-1-1, activation sigmoid, loss squared_error" in out
    assert "∂C₀/∂w⁽ᴸ⁾ = ∂z⁽ᴸ⁾/∂w⁽ᴸ⁾ · ∂a⁽ᴸ⁾/∂z⁽ᴸ⁾ · ∂C₀/∂a⁽ᴸ⁾" in out
    assert "= a⁽ᴸ⁻¹⁾ · σ'(z⁽ᴸ⁾) · 2·(a⁽ᴸ⁾ - y)" in out
    assert "∂z⁽ᴸ⁾/∂w⁽ᴸ⁾ = a⁽ᴸ⁻¹⁾" in out
    assert "∂a⁽ᴸ⁾/∂z⁽ᴸ⁾ = σ'(z⁽ᴸ⁾)" in out
    assert "∂C₀/∂a⁽ᴸ⁾ = 2·(a⁽ᴸ⁾ - y)" in out
    assert "= 1 · σ'(z⁽ᴸ⁾) · 2·(a⁽ᴸ⁾ - y)" in out  # ∂C₀/∂b⁽ᴸ⁾, the seed's 1 × ...
    assert "∂C/∂w⁽ᴸ⁾ = (1/n) Σᵢ₌₀ⁿ⁻¹ ∂Cᵢ/∂w⁽ᴸ⁾" in out
    assert "∇C = (∂C/∂w⁽ᴸ⁻²⁾, ∂C/∂b⁽ᴸ⁻²⁾, ∂C/∂w⁽ᴸ⁻¹⁾, ∂C/∂b⁽ᴸ⁻¹⁾, ∂C/∂w⁽ᴸ⁾, ∂C/∂b⁽ᴸ⁾)ᵀ" in out
    for name in ("w⁽ᴸ⁻²⁾", "b⁽ᴸ⁻²⁾", "w⁽ᴸ⁻¹⁾", "b⁽ᴸ⁻¹⁾", "w⁽ᴸ⁾", "b⁽ᴸ⁾"):
        assert f"\n∂C₀/∂{name}\n" in out


def test_latex_format() -> None:
    result = run("--format", "latex", "--param", "w^{(L)}")
    assert result.exit_code == 0
    out = result.output
    assert r"\frac{\partial C_0}{\partial w^{(L)}} &= \frac{\partial z^{(L)}}{\partial w^{(L)}} " \
        r"\frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\partial a^{(L)}}" in out
    assert r"&= a^{(L-1)} \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)" in out
    assert out.count(r"\begin{align*}") == out.count(r"\end{align*}") == 3


def test_markdown_format() -> None:
    result = run("--format", "markdown", "--layers", "2,3,2", "--param", "w^{(L-1)}_{10}")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("# Backpropagation: network 2-3-2")
    assert "## $w_{10}^{(L-1)}$" in out
    assert r"\delta_{0}^{(L)} &= \frac{\partial C_0}{\partial z_{0}^{(L)}}" in out
    assert out.count("$$") % 2 == 0


def test_absolute_notation() -> None:
    result = run("--format", "latex", "--notation", "absolute", "--param", "b^{(3)}")
    assert result.exit_code == 0
    assert r"\frac{\partial C_0}{\partial b^{(3)}}" in result.output
    assert "(L" not in result.output


def test_json_format_is_complete_and_true() -> None:
    result = run("--format", "json", "--layers", "2,2,1", "--activation", "tanh")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["network"] == {
        "layers": [2, 2, 1],
        "activations": ["tanh", "tanh"],
        "loss": "squared_error",
        "notation": "relative",
    }
    net = Network.from_widths((2, 2, 1), "tanh")
    names = [p["symbol"] for p in data["parameters"]]
    assert names == [s.name for s in net.parameters]
    # the srepr strings are symchain's own output, loaded here as a JSON consumer would; plain
    # symbols then, which naming maps back to the network's
    loss = naming.network_symbols(sp.sympify(data["loss"]))
    assert_same_value(loss, net.composed_loss())
    for entry in data["parameters"]:
        symbol = next(s for s in net.parameters if s.name == entry["symbol"])
        assert set(entry) >= {"name", "chain", "gradient", "batch", "expression"}
        assert all(set(f) == {"leibniz", "value"} for f in entry["chain"])
        expression = naming.network_symbols(sp.sympify(entry["expression"]))
        assert_same_value(expression, sp.diff(loss, symbol))
    first = data["parameters"][0]
    assert first["name"] == "w_{00}^{(L-1)}"
    assert first["chain"][0] == {
        "leibniz": r"\frac{\partial z_{0}^{(L-1)}}{\partial w_{00}^{(L-1)}}",
        "value": "x_{0}",
    }


def test_param_selects_and_repeats() -> None:
    result = run("--format", "json", "--param", "w^{(L)}", "--param", "b^{(2)}", "--param",
                 "w^{(L)}")
    assert result.exit_code == 0
    data = json.loads(result.output)
    # in the order given, each once
    assert [p["name"] for p in data["parameters"]] == ["w^{(L)}", "b^{(L-1)}"]


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [
        (["w^{(L)}", "b^{(L-1)}"], ["w^{(L)}", "b^{(L-1)}"]),
        (["w⁽ᴸ⁾", "w^(L-1)", "W1"], ["w^{(L)}", "w^{(L-1)}", "w^{(L-2)}"]),
        (["b2", "W3[0,0]", "w^{(1)}"], ["b^{(L-1)}", "w^{(L)}", "w^{(L-2)}"]),
    ],
)
def test_param_accepts_every_printed_spelling_and_keeps_the_order(
    spellings: list[str], expected: list[str]
) -> None:
    args = [arg for name in spellings for arg in ("--param", name)]
    result = run("--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in json.loads(result.output)["parameters"]] == expected


def test_param_key_of_a_whole_layer_and_unicode_names_on_a_wide_network() -> None:
    result = run("--layers", "2,3,2", "--format", "json", "--param", "W2", "--param", "b⁽ᴸ⁻¹⁾₂")
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.output)["parameters"]]
    weights = [f"w_{{{j}{k}}}^{{(L)}}" for j in range(2) for k in range(3)]
    assert names == [*weights, "b_{2}^{(L-1)}"]


def test_unknown_param_lists_close_matches() -> None:
    result = run("--layers", "2,3,2", "--param", "w^{(L)}_{30}")
    assert result.exit_code == 2
    assert "neuron 3 is outside 0..1" in result.stderr
    assert "closest: w_{" in result.stderr and "}^{(L)}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    result = run("-o", str(target))
    assert result.exit_code == 0
    assert result.output == ""
    text = target.read_text(encoding="utf-8")
    assert "∂C₀/∂w⁽ᴸ⁾" in text and "\x1b[" not in text


def test_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text('layers = [2, 1]\nactivation = "relu"\nloss = "half_squared_error"\n')
    result = run("--spec", str(spec), "--format", "latex")
    assert result.exit_code == 0
    assert "activation relu, loss half_squared_error" in result.output
    assert r"\operatorname{ReLU}'(z^{(L)})" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layers", "0,1"], "width 0 at position 0"),
        (["--layers", "-1,2"], "'-1' is not a positive whole number"),
        (["--layers", "abc"], "'abc' is not a positive whole number"),
        (["--activation", "swish"], "unknown activation 'swish'"),
        (["--activation", "tanh,tanh"], "2 activations for 3 layers"),
        (["--loss", "hinge"], "'hinge' is not one of"),
        (["--param", "w^{(L+1)}"], "no parameter 'w^{(L+1)}'"),
        (["--param", "v_3"], "no parameter 'v_3'"),
        (["--layers", "1000,1000,1000"], "too large for the unrolled form"),
        (["--spec", "/nonexistent/net.toml"], "does not exist"),
        (["--format", "pdf"], "'pdf' is not one of"),
        (["--notation", "sideways"], "'sideways' is not one of"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("symchain: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output + result.stderr


def test_bad_spec_file_contents(tmp_path: Path) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text("layers = [2,\n")
    result = run("--spec", str(spec))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not valid TOML" in result.stderr


def test_timeout_budget_end_to_end() -> None:
    # 28,960 parameters take seconds of work on any machine; the budget is a millisecond, and the
    # deriver checks it at the end whatever happens before, so no machine can finish in time.
    result = run("--layers", "64,128,128,32", "--timeout", "0.001", "--format", "latex")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("symchain: error: ")
    assert "time budget of 0.001 s" in lines[0]
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0", "soon", "1e9"])
def test_timeout_must_be_positive_and_finite(timeout: str) -> None:
    result = run("--timeout", timeout)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--timeout" in lines[0]
    assert "seconds" in lines[0]


def test_module_entry_point_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "symchain", "derive", "--help"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    for option in ("--layers", "--activation", "--loss", "--spec", "--param", "--notation",
                   "--format", "--output"):
        assert option in out


@pytest.mark.parametrize("output_format", ["latex", "markdown", "text", "json"])
def test_streamed_output_equals_the_written_file_and_the_whole_document(
    output_format: str, tmp_path: Path
) -> None:
    # standard output is written a section at a time as it is made; -o FILE gets the whole text
    args = ("--layers", "3,4,2", "--activation", "tanh", "--format", output_format)
    streamed = run(*args)
    assert streamed.exit_code == 0, streamed.stderr
    target = tmp_path / "out"
    assert run(*args, "-o", str(target)).exit_code == 0
    assert streamed.stdout == target.read_text(encoding="utf-8")
    derivation = derive(Network.from_widths((3, 4, 2), "tanh"))
    printer = latex_printer(derivation)
    sections = build_document(derivation, printer)
    if output_format == "latex":  # the document as one string, section by section
        title = "% derived by symchain: network 3-4-2, activation tanh, loss squared_error"
        parts = [f"{title}, relative notation"]
        for section in sections:
            parts += [f"% {section.title}", section_latex(section)]
        assert streamed.stdout == "\n".join(parts) + "\n"
    elif output_format == "json":
        whole = json.dumps(derivation_data(derivation), indent=2, ensure_ascii=False) + "\n"
        assert streamed.stdout == whole
    elif output_format == "markdown":
        assert streamed.stdout.count("\n## ") == len(sections)
        assert streamed.stdout == render_markdown(derivation)
    else:
        width = Console(file=io.StringIO()).width  # as the command's for a pipe
        assert streamed.stdout == render_plain_text(derivation, width=width)
