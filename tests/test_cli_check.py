"""``symchain check`` through click's CliRunner: verdicts, determinism, tolerance, wrong rules."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sympy as sp
from click.testing import CliRunner, Result
from tools import require

from symchain.activations import ACTIVATIONS
from symchain.cli import cli
from symchain.losses import LOSSES, Loss
from symchain.numeric import backend_available


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


def test_output_is_identical_across_hash_seeds() -> None:
    outputs = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "NO_COLOR": "1", "COLUMNS": "100"}
        process = subprocess.run(
            [sys.executable, "-m", "symchain", "check", "--layers", "2,2,1", "--batch", "3"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(process.stdout)
    assert len(outputs) == 1


def test_an_impossible_tolerance_fails_with_exit_1() -> None:
    result = run("--layers", "2,3,1", "--tolerance", "1e-300")
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
