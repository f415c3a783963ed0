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


@pytest.mark.parametrize("widths", NETWORKS)
@pytest.mark.parametrize("notation", ["relative", "absolute"])
def test_latex_document_verifies_clean(
    tmp_path: Path, widths: tuple[int, ...], notation: str
) -> None:
    path = tmp_path / "derivation.tex"
    path.write_text(derive_output(widths, "latex", "--notation", notation), encoding="utf-8")
    layers = ",".join(map(str, widths))
    result = CliRunner().invoke(
        cli, ["verify", "--layers", layers, "--file", str(path), "--format", "json"]
    )
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    checked = [r for r in report if r["verdict"] != "skipped"]
    assert checked and all(r["verdict"] == "holds" for r in checked)
    # Skipped: the forward pass (z and a per neuron), the loss C_0 and ∇C.
    skipped = [r for r in report if r["verdict"] == "skipped"]
    assert len(skipped) >= 2 * sum(widths[1:]) + 1
    reasons = {r["diagnosis"][0] for r in skipped}
    assert reasons <= {"no derivative on the left side", "no '='"}
