"""Round trip: the LaTeX that ``symchain derive`` prints parses back to the same expressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from symchain.activations import to_elementary
from symchain.cli import cli
from symchain.network import Network
from symchain.verify import Checker
from symchain.verify.ground import Ground, evaluate
from symchain.verify.resolve import Resolver, Scope
from symchain.verify.syntax import parse_expression

NETWORKS = [(1, 1, 1, 1), (2, 3, 2)]


def derive_output(widths: tuple[int, ...], output_format: str, *extra: str) -> str:
    """``symchain derive`` on ``widths`` in ``output_format`` (and any other options)."""
    layers = ",".join(map(str, widths))
    result = CliRunner().invoke(
        cli, ["derive", "--layers", layers, "--format", output_format, *extra]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def same_value(ground: Ground, left: sp.Expr, right: sp.Expr) -> None:
    """Equal at several points in float64, and symbolically once a = σ(z) is written out."""
    for seed in range(3):
        point = ground.point(seed)
        assert evaluate(left, point) == pytest.approx(evaluate(right, point), rel=1e-12, abs=1e-14)
    assert sp.expand(to_elementary(left - right)) == 0


@pytest.mark.parametrize("widths", NETWORKS)
def test_json_chain_and_gradient_latex_parse_back(widths: tuple[int, ...]) -> None:
    data = json.loads(derive_output(widths, "json"))
    network = Network.from_widths(widths)
    ground = Ground(network)
    resolver = Resolver(ground)
    scope = Scope()
    for entry in data["parameters"]:
        parameter = next(p for p in network.parameters if p.name == entry["symbol"])
        chain = ground.derivation[parameter].chain
        assert len(entry["chain"]) == len(chain.factors)
        for printed, factor in zip(entry["chain"], chain.factors, strict=True):
            value = resolver.value(parse_expression(printed["value"]), scope)
            same_value(ground, value, ground.without_errors(factor.value))
            # The Leibniz factor parses to a derivative whose true value is the factor's value.
            leibniz = resolver.value(parse_expression(printed["leibniz"]), scope)
            same_value(ground, leibniz, ground.without_errors(factor.value))
        parsed = resolver.value(parse_expression(entry["gradient"]), scope)
        same_value(ground, parsed, ground.without_errors(chain.value))
        left = resolver.value(parse_expression(entry["leibniz"]), scope)
        same_value(ground, left, parsed)


@pytest.mark.parametrize("widths", NETWORKS)
def test_json_batch_and_error_equations_hold(widths: tuple[int, ...]) -> None:
    data = json.loads(derive_output(widths, "json"))
    checker = Checker(Network.from_widths(widths))
    equations = [entry["batch"] for entry in data["parameters"]]
    equations += [entry["definition"] for entry in data["errors"]]
    for equation in equations:
        verdict = checker.check_text(equation)
        assert verdict.verdict == "holds", (equation, verdict)


# The grid: every activation and every loss appears, with both notations and both formats in
# every form; (widths, activation, loss, notation, format).
GRID = [
    ((1, 1, 1, 1), "sigmoid", "squared_error", "relative", "latex"),
    ((2, 3, 2), "tanh", "half_squared_error", "absolute", "markdown"),
    ((2, 2, 1), "relu", "squared_error", "absolute", "latex"),
    ((1, 2, 1), "linear", "half_squared_error", "relative", "markdown"),
    ((2, 2, 1), "softplus,sigmoid", "binary_cross_entropy", "relative", "latex"),
    ((1, 1, 1), "tanh,sigmoid", "binary_cross_entropy", "absolute", "latex"),
    ((2, 2, 1), "gelu,silu", "half_squared_error", "relative", "markdown"),
    ((1, 2, 1), "relu,sigmoid", "huber", "absolute", "markdown"),
    ((1, 2, 1), "leaky_relu,elu", "squared_error", "absolute", "latex"),
    ((2, 3, 3), "relu,softmax", "cross_entropy", "absolute", "markdown"),
    ((2, 2), "softmax", "cross_entropy", "relative", "latex"),
]
FORMS = ["unrolled", "index", "matrix"]
ROUND_TRIP_COUNT: list[int] = []


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("widths", "activation", "loss", "notation", "output_format"), GRID)
def test_every_formula_derive_emits_holds(
    tmp_path: Path,
    widths: tuple[int, ...],
    activation: str,
    loss: str,
    notation: str,
    output_format: str,
    form: str,
) -> None:
    layers = ",".join(map(str, widths))
    network = ["--layers", layers, "--activation", activation, "--loss", loss]
    text = derive_output(
        widths, output_format, *network[2:], "--notation", notation, "--form", form
    )
    path = tmp_path / ("derivation.tex" if output_format == "latex" else "derivation.md")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["verify", *network, "--notation", notation, "--file", str(path), "--format", "json"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    report = json.loads(result.stdout)
    problems = [(r["line"], r["verdict"], r["claim"], r["diagnosis"]) for r in report
                if r["verdict"] != "holds"]  # fmt: skip
    assert result.exit_code == 0 and not problems, problems
    # Every formula with '=' was read: the forward pass, δ, chains, batch means, ∇C.
    assert len(report) >= 2 * sum(widths[1:]) + 1
