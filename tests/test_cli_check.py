"""``symchain check`` through click's CliRunner: verdicts, determinism, tolerance, wrong rules."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner, Result
from tools import require

from symchain import Network, derive
from symchain.activations import ACTIVATIONS
from symchain.cli import cli
from symchain.losses import LOSSES, Loss
from symchain.numeric import (
    backend_available,
    compare,
    compile_gradient,
    finite_differences,
    resolution,
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def rows(result: Result) -> list[list[str]]:
    """The table's data rows, split into cells."""
    found = []
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 6 and cells[0] and cells[0][0] in "Wb":
            found.append(cells)
    return found


@pytest.mark.parametrize(
    "network",
    [
        [],
        ["--layers", "3,4,2", "--activation", "relu,sigmoid", "--loss", "binary_cross_entropy"],
        ["--layers", "2,3,3", "--activation", "tanh,softmax", "--loss", "cross_entropy"],
        ["--layers", "2,2,2", "--activation", "softplus,linear", "--loss", "half_squared_error"],
    ],
)
def test_a_correct_derivation_passes_against_both_references(network: list[str]) -> None:
    require(backend_available("torch"), "torch is not installed")
    result = run(*network, "--batch", "5")
    assert result.exit_code == 0, result.output
    table = rows(result)
    depth = 3 if not network else 2
    assert len(table) == 2 * 2 * depth
    assert {row[1] for row in table} == {"finite diff", "torch autograd"}
    assert all(row[5] == "ok" for row in table)
    for row in table:
        assert float(row[3]) <= float(row[4])
    assert "all gradients agree" in result.stdout


def test_output_is_deterministic_and_seeded() -> None:
    args = ["--layers", "2,3,1", "--seed", "3", "--batch", "4"]
    first, again, other = run(*args), run(*args), run(*args[:-3], "4", "--batch", "4")
    assert first.exit_code == 0
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout
    assert "seed 3, batch 4, float64" in first.stdout


def test_an_impossible_tolerance_fails_with_exit_1() -> None:
    # float32 errors (about 1e-8) are far above what the float64 references resolve.
    result = run("--layers", "2,3,1", "--tolerance", "1e-300", "--dtype", "float32")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout
    assert "exceed the tolerance" in result.stdout


def test_a_wrong_loss_derivative_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = Loss(
        name="squared_error",
        term=lambda a, y: (a - y) ** 2,
        derivative=lambda a, y: a - y,  # forgot the 2
        description="wrong on purpose",
    )
    monkeypatch.setitem(LOSSES, "squared_error", wrong)
    result = run("--layers", "2,2,1")
    assert result.exit_code == 1
    finite = [row for row in rows(result) if row[1] == "finite diff"]
    assert finite and all(row[5] == "FAIL" for row in finite)
    assert all(float(row[3]) == pytest.approx(0.5, rel=1e-3) for row in finite)  # g = r/2


def test_a_wrong_activation_derivative_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    tanh = ACTIVATIONS["tanh"]
    wrong = type(tanh)(**{**tanh.__dict__, "derivative": lambda z: 1 - sp.tanh(z)})
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    result = run("--layers", "2,3,1", "--activation", "tanh")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout


def test_float32_uses_its_own_tolerances() -> None:
    result = run("--layers", "3,4,2", "--dtype", "float32", "--batch", "6")
    assert result.exit_code == 0, result.output
    assert "float32" in result.stdout
    assert {row[4] for row in rows(result)} <= {"1e-03", "1e-04"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "0"], "--batch"),
        (["--tolerance", "-1"], "--tolerance"),
        (["--dtype", "float16"], "--dtype"),
        (["--layers", "2,0"], "--layers"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_outputs_outside_the_loss_domain_give_one_line_and_exit_2() -> None:
    result = run("--layers", "2,2", "--activation", "tanh", "--loss", "binary_cross_entropy")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tanh (outputs in (-1, 1)) cannot feed the loss" in lines[0]


def test_json_format_holds_every_comparison_and_the_verdict() -> None:
    args = ["--layers", "2,3,1", "--seed", "2", "--batch", "4"]
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["network"] == {
        "layers": [2, 3, 1],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "squared_error",
    }
    assert (document["seed"], document["batch"], document["dtype"]) == (2, 4, "float64")
    assert document["ok"] is True
    comparisons = document["comparisons"]
    assert {c["parameter"] for c in comparisons} == {"W1", "b1", "W2", "b2"}
    assert all(c["max_rel_error"] <= c["tolerance"] and c["ok"] for c in comparisons)
    text = run(*args)
    assert f"C = {document['loss']:.10g}" in text.stdout
    finite = [c for c in comparisons if c["reference"] == "finite diff"]
    table = [row for row in rows(text) if row[1] == "finite diff"]
    assert [f"{c['max_rel_error']:.2e}" for c in finite] == [row[3] for row in table]


def test_json_format_reports_a_failure_with_exit_1() -> None:
    # float32 gradients differ from the float64 references by ~1e-7: far above what the
    # references resolve, so a tolerance of 1e-300 must fail them.
    result = run(
        "--layers", "2,2,1", "--dtype", "float32", "--tolerance", "1e-300", "--format", "json"
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert any(not c["ok"] for c in document["comparisons"])


def test_init_is_the_old_spelling_of_seed() -> None:
    args = ["--layers", "2,2,1", "--batch", "3", "--format", "json"]
    assert run(*args, "--seed", "5").stdout == run(*args, "--init", "5").stdout


def test_a_reference_of_exactly_zero_does_not_fail_a_correct_gradient() -> None:
    # A saturated sigmoid: the true ∂C/∂b is about 1e-13, below what finite differences resolve
    # at C ≈ 0.25, so their reference reads exactly 0 (and ∂C/∂w is mostly rounding noise).
    network = Network.from_widths((1, 1))
    gradient = compile_gradient(derive(network))
    params = {"W1": np.array([[30.0]]), "b1": np.array([0.0])}
    x, y = np.array([[1.0]]), np.array([[0.5]])
    result = gradient(params, x, y)
    reference = finite_differences(gradient, params, x, y)
    assert reference["b1"][0] == 0.0 and result.gradients["b1"][0] != 0.0
    comparisons = compare(network, result.gradients, reference)
    assert comparisons[1].max_rel == float("inf")  # relative to 0: what used to fail the check
    floor = resolution("finite diff", float(result.loss))
    assert all(c.max_abs <= floor for c in comparisons)  # both errors are below the resolution
    # A wrong gradient well above the resolution still fails.
    wrong = {"W1": result.gradients["W1"], "b1": result.gradients["b1"] + 1e-6}
    assert compare(network, wrong, reference)[1].max_abs > floor


def test_errors_below_the_references_resolution_pass_any_tolerance() -> None:
    result = run("--layers", "2,3,1", "--tolerance", "1e-300")
    assert result.exit_code == 0, result.stdout
    assert "FAIL" not in result.stdout
    assert max(float(row[3]) for row in rows(result)) > 1e-300  # errors exist, within resolution
