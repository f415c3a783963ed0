"""Network specifications: widths, activations, losses and TOML files, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from symchain.errors import (
    InputFileError,
    SpecError,
    SymchainError,
    TooLargeError,
    UnknownNameError,
)
from symchain.spec import (
    NetworkSpec,
    check_unrolled_size,
    load_spec,
    parse_activations,
    parse_widths,
)


def test_default_is_the_seed() -> None:
    spec = NetworkSpec()
    assert spec.widths == (1, 1, 1, 1)
    assert spec.activations == ("sigmoid",) * 3
    assert spec.loss == "squared_error"
    assert spec.parameter_count == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,1", "width 0 at position 0"),
        ("2,-1", "'-1' is not a positive whole number"),
        ("3", "at least 2 widths"),
        ("2,x,1", "'x' is not a positive whole number"),
        ("2,,1", "'' is not a positive whole number"),
        ("5000,1", "exceeds 4096"),
    ],
)
def test_bad_widths(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_widths(text)


def test_unrolled_size_limit() -> None:
    spec = NetworkSpec.build(parse_widths("784,512,512,10"))  # fine for the matrix form
    with pytest.raises(TooLargeError, match="too large for the unrolled form"):
        check_unrolled_size(spec)
    check_unrolled_size(NetworkSpec.build((64, 128, 128, 32)))


def test_widths_parse() -> None:
    assert parse_widths(" 2, 3 ,2") == (2, 3, 2)


def test_activation_lists() -> None:
    assert parse_activations("tanh,sigmoid") == ("tanh", "sigmoid")
    known = "known: sigmoid, tanh, relu, linear, softplus"
    with pytest.raises(UnknownNameError, match=f"unknown activation 'swish'; {known}"):
        parse_activations("swish")
    spec = NetworkSpec.build((2, 3, 2), ("tanh",))
    assert spec.activations == ("tanh", "tanh")
    with pytest.raises(SpecError, match="3 activations given for 2 layers"):
        NetworkSpec.build((2, 3, 2), ("tanh", "tanh", "tanh"))


def test_unknown_loss() -> None:
    with pytest.raises(UnknownNameError, match="unknown loss 'hinge'"):
        NetworkSpec.build((1, 1), "sigmoid", "hinge")


def test_load_spec(tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(
        'layers = [2, 3, 2]\nactivation = ["tanh", "sigmoid"]\nloss = "half_squared_error"\n'
        'notation = "absolute"\n'
    )
    spec, notation = load_spec(path)
    assert spec == NetworkSpec((2, 3, 2), ("tanh", "sigmoid"), "half_squared_error")
    assert notation == "absolute"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("layers = [2, 3", "not valid TOML"),
        ("widths = [2, 3]", "unknown key 'widths'"),
        ("activation = 'tanh'", "missing key 'layers'"),
        ("layers = '2,3'", "'layers' must be a list of whole numbers"),
        ("layers = [2, 0]", "width 0 at position 1"),
        ("layers = [2, 1]\nactivation = 3", "'activation' must be a name or a list"),
        ("layers = [2, 1]\nloss = 'hinge'", "unknown loss 'hinge'"),
        ("layers = [2, 1]\nnotation = 'weird'", "'notation' must be 'relative' or 'absolute'"),
    ],
)
def test_bad_spec_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "net.toml"
    path.write_text(content)
    with pytest.raises(SymchainError, match=message):
        load_spec(path)


def test_missing_and_binary_spec_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        load_spec(tmp_path / "absent.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputFileError, match="cannot read spec file"):
        load_spec(binary)


MISH_SPEC = """layers = [2, 3, 1]
activation = ["mish", "sigmoid"]
loss = "binary_cross_entropy"

[activations.mish]
formula = 'z \\tanh(\\ln(1 + e^{z}))'
latex = '\\operatorname{mish}'
"""


def test_spec_defined_activation_works_in_eval_and_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np
    import sympy as sp
    from click.testing import CliRunner

    from symchain.activations import ACTIVATIONS
    from symchain.cli import cli

    monkeypatch.setitem(ACTIVATIONS, "mish", ACTIVATIONS["linear"])  # removed after the test
    spec = tmp_path / "mish.toml"
    spec.write_text(MISH_SPEC, encoding="utf-8")
    loaded, _ = load_spec(spec)
    assert loaded.activations == ("mish", "sigmoid")
    z = sp.Symbol("z", real=True)
    mish = ACTIVATIONS["mish"]
    assert sp.simplify(mish.elementary(z) - z * sp.tanh(sp.log(1 + sp.exp(z)))) == 0
    assert mish.latex == r"\operatorname{mish}"
    runner = CliRunner()
    check = runner.invoke(cli, ["check", "--spec", str(spec)])
    assert check.exit_code == 0, check.output
    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    rows = [f"{a},{b},{c}" for a, b, c in zip(rng.normal(size=4), rng.normal(size=4),
                                               [0, 1, 1, 0], strict=True)]
    data.write_text("x0,x1,y0\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--spec", str(spec), "--init", "0", "--data", str(data),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    derive_text = runner.invoke(cli, ["derive", "--spec", str(spec), "--format", "latex"])
    assert r"\operatorname{mish}'(z" in derive_text.output


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (r"z \\tanh(\\ln(1 + e^{z})", "column 23: the formula ends too early"),
        ("z + q", "column 5: unknown variable 'q'"),
        ("z +* 2", "column 4: unexpected '*'"),
        (r"\\foo(z)", "column 1: unexpected character"),
        ("__import__('os')", "column 1: unexpected character '_'"),
    ],
)
def test_bad_formula_one_line_with_the_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formula: str, message: str
) -> None:
    from click.testing import CliRunner

    from symchain.activations import ACTIVATIONS
    from symchain.cli import cli

    monkeypatch.setitem(ACTIVATIONS, "mish", ACTIVATIONS["linear"])
    spec = tmp_path / "bad.toml"
    spec.write_text(
        f'layers = [2, 1]\nactivation = "mish"\n[activations.mish]\nformula = "{formula}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["derive", "--spec", str(spec)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "[activations.mish] formula" in lines[0]
