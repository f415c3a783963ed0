"""``--graph FILE`` on derive, eval, check and codegen, through click's CliRunner."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner, Result

from symchain.cli import cli
from symchain.graphs import derive_graph
from symchain.graphs.codegen import compile_graph
from symchain.graphs.reference import torch_gradients
from symchain.graphs.spec import load_graph

EXAMPLES = Path(__file__).parent.parent / "examples"
RNN = EXAMPLES / "rnn.toml"
PARAMS = {"w_x": 0.3, "w_h": -0.5, "b": 0.1, "v": 1.2}
DATA = {"x_1": [1.0, 2.0], "x_2": [0.5, 1.0], "x_3": [-1.0, 0.2], "y": [0.3, 0.1]}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["rnn", "batchnorm", "attention"])
def test_derive_json_has_loss_and_named_parameters_with_expressions(name: str) -> None:
    result = run("derive", "--graph", str(EXAMPLES / f"{name}.toml"), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    graph = load_graph(EXAMPLES / f"{name}.toml")
    derivation = derive_graph(graph)
    assert document["loss"] == sp.srepr(derivation.expanded_loss())
    assert [p["name"] for p in document["parameters"]] == [
        graph.names[s].latex for s in graph.parameters
    ]
    for entry, gradient in zip(document["parameters"], derivation, strict=True):
        assert entry["symbol"] == gradient.parameter.name
        assert entry["expression"] == sp.srepr(derivation.expanded(gradient.parameter))
        assert len(entry["uses"]) == len(gradient.uses)
    assert (document["parameters"][0]["batch"] is None) == (not graph.per_sample)


def test_derive_text_latex_markdown_show_each_use_and_the_batch_average() -> None:
    text = run("derive", "--graph", str(RNN))
    assert text.exit_code == 0
    assert "use in h₂: ∂h₂/∂w_x · ∂C₀/∂h₂ = x₂·(1 - h₂²) · ∂C₀/∂h₂" in text.output
    assert "∂C₀/∂h₁ = ∂h₂/∂h₁ · ∂C₀/∂h₂" in text.output
    assert "batch: ∂C/∂v = (1/n) Σᵢ₌₀ⁿ⁻¹ ∂Cᵢ/∂v" in text.output
    latex = run("derive", "--graph", str(RNN), "--format", "latex")
    assert r"\text{use in }h_1: \quad \frac{\partial h_1}{\partial w_x}" in latex.output
    assert latex.output.count(r"\begin{align*}") == latex.output.count(r"\end{align*}") == 6
    markdown = run("derive", "--graph", str(RNN), "--format", "markdown")
    assert markdown.output.count("$$") % 2 == 0 and "## Forward pass" in markdown.output


def test_derive_param_selects_by_name_as_written(tmp_path: Path) -> None:
    result = run(
        "derive",
        "--graph",
        str(EXAMPLES / "batchnorm.toml"),
        "--format",
        "json",
        "--param",
        r"\gamma",
        "--param",
        "beta",
    )
    assert [p["name"] for p in json.loads(result.output)["parameters"]] == [r"\gamma", r"\beta"]
    bad = run("derive", "--graph", str(RNN), "--param", "w_z")
    assert bad.exit_code == 2 and "no parameter 'w_z' in this graph" in bad.output


def _expected() -> tuple[float, dict[str, float]]:
    graph = load_graph(RNN)
    data = {k: np.array(v) for k, v in DATA.items()}
    return torch_gradients(graph, PARAMS, data)


@pytest.mark.parametrize("kind", ["json", "csv", "npz"])
def test_eval_reads_named_parameters_and_data(tmp_path: Path, kind: str) -> None:
    params = write(tmp_path / "p.json", json.dumps({**PARAMS, "w_x": PARAMS["w_x"]}))
    if kind == "json":
        data = write(tmp_path / "d.json", json.dumps(DATA))
    elif kind == "csv":
        rows = ["x_1, x_2, x_3, y"] + [
            ",".join(str(DATA[k][i]) for k in ("x_1", "x_2", "x_3", "y")) for i in range(2)
        ]
        data = write(tmp_path / "d.csv", "\n".join(rows) + "\n")
    else:
        data = tmp_path / "d.npz"
        np.savez(data, **{k: np.array(v) for k, v in DATA.items()})
    result = run(
        "eval",
        "--graph",
        str(RNN),
        "--params",
        str(params),
        "--data",
        str(data),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    loss, grads = _expected()
    assert document["loss"] == pytest.approx(loss, rel=1e-12)
    assert document["gradients"] == pytest.approx(grads, rel=1e-10)


def test_eval_text_and_init(tmp_path: Path) -> None:
    data = write(tmp_path / "d.json", json.dumps(DATA))
    result = run("eval", "--graph", str(RNN), "--init", "3", "--data", str(data))
    assert result.exit_code == 0 and "mean over 2 samples" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({**DATA, "z": [1, 2]}, "unknown key 'z'"),
        ({k: v for k, v in DATA.items() if k != "y"}, "missing y"),
        ({**DATA, "y": [1.0]}, "one common length"),
        ({**DATA, "y": ["a", "b"]}, "y is not a number"),
    ],
)
def test_eval_bad_data_is_one_line_exit_2(tmp_path: Path, content: object, message: str) -> None:
    params = write(tmp_path / "p.json", json.dumps(PARAMS))
    data = write(tmp_path / "d.json", json.dumps(content))
    result = run("eval", "--graph", str(RNN), "--params", str(params), "--data", str(data))
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1


def test_check_passes_and_fails_with_an_impossible_tolerance() -> None:
    for name in ("rnn", "batchnorm", "l2_penalty"):
        result = run("check", "--graph", str(EXAMPLES / f"{name}.toml"), "--batch", "3")
        assert result.exit_code == 0, result.output
        assert "all gradients agree" in result.output
    failing = run("check", "--graph", str(RNN), "--tolerance", "1e-30")
    assert failing.exit_code == 1 and "exceed the tolerance" in failing.output


def test_codegen_module_runs_alone_and_matches_eval(tmp_path: Path) -> None:
    target = tmp_path / "rnn_module.py"
    result = run("codegen", "--graph", str(RNN), "-o", str(target))
    assert result.exit_code == 0
    spec = importlib.util.spec_from_file_location("rnn_module", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PARAMETERS == ("w_x", "w_h", "b", "v")
    loss, grads = module.loss_and_gradients(PARAMS, DATA)
    expected_loss, expected_grads = _expected()
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert grads == pytest.approx(expected_grads, rel=1e-10)
    assert run("codegen", "--graph", str(RNN), "--backend", "jax").exit_code == 2


@pytest.mark.parametrize(
    ("equations", "message"),
    [
        (
            "'h = \\tanh(w x +)', 'C_0 = h^2'",
            "equation 1 'h = \\tanh(w x +)', column 16: unexpected ')'",
        ),
        ("'h = w u', 'C_0 = h^2'", "equation 1 'h = w u', column 7: u is not defined"),
        ("'h = w g', 'g = h', 'C_0 = g^2'", "cycle"),
        ("'h = w x', 'h = x', 'C_0 = h^2'", "h is defined twice"),
    ],
)
def test_bad_graph_files_are_one_line_exit_2(tmp_path: Path, equations: str, message: str) -> None:
    path = write(
        tmp_path / "g.toml", f"parameters = ['w']\ninputs = ['x']\nequations = [{equations}]\n"
    )
    result = run("derive", "--graph", str(path))
    assert result.exit_code == 2
    assert result.output.startswith(f"symchain: error: {path}: ")
    assert message in result.output and result.output.count("\n") == 1


def test_parameter_that_never_reaches_the_loss_warns_and_derives_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path / "g.toml",
        "parameters = ['w', 'u']\ninputs = ['x']\nequations = ['C_0 = (w x)^2']\n",
    )
    result = run("derive", "--graph", str(path), "--format", "json")
    assert result.exit_code == 0
    assert "symchain: warning: parameter u never reaches the loss C_0; its gradient is 0" in (
        result.stderr
    )
    document = json.loads(result.stdout)
    assert document["parameters"][1]["expression"] == "Integer(0)"
    assert (
        compile_graph(derive_graph(load_graph(path)))({"w": 1.0, "u": 2.0}, {"x": 3.0})[1]["u"]
        == 0.0
    )


def test_missing_graph_file_is_exit_2(tmp_path: Path) -> None:
    result = run("derive", "--graph", str(tmp_path / "none.toml"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_graph_picture_draws_every_use_and_highlights_a_parameters_paths() -> None:
    result = run("graph", "--graph", str(EXAMPLES / "residual.toml"), "--param", "w_2")
    assert result.exit_code == 0
    graph = load_graph(EXAMPLES / "residual.toml")
    edges = [line for line in result.output.splitlines() if "->" in line]
    assert len(edges) == sum(len(e.expr.free_symbols) for e in graph.equations)
    red = [line for line in edges if "penwidth" in line]
    # w_2 → h_2 → ŷ → C_0: three edges; h_1 → h_2 is not on w_2's path.
    assert len(red) == 3
    assert 'label="w₂", shape=box' in result.output and "shape=doublecircle" in result.output
    assert run("graph", "--graph", str(RNN), "--format", "tikz").exit_code == 2
