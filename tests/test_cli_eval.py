"""``symchain eval`` through click's CliRunner: formats, files, seeds, per-sample, bad files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from symchain import Network, derive
from symchain.cli import cli
from symchain.numeric import compile_gradient, init_parameters

NET = ["--layers", "2,3,1", "--activation", "tanh,sigmoid", "--loss", "binary_cross_entropy"]
X = np.array([[0.5, 1.0], [-0.3, 0.2], [1.5, -2.0]])
Y = np.array([[1.0], [0.0], [1.0]])


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["eval", *args])


def expected(params: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    network = Network.from_widths((2, 3, 1), ("tanh", "sigmoid"), "binary_cross_entropy")
    result = compile_gradient(derive(network))(params, X, Y)
    return float(result.loss), result.gradients


def write_csv(path: Path, header: bool = True) -> Path:
    lines = ["x0,x1,y0"] if header else []
    lines += [",".join(repr(float(v)) for v in row) for row in np.hstack([X, Y])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def params_of(seed: int) -> dict[str, np.ndarray]:
    network = Network.from_widths((2, 3, 1), ("tanh", "sigmoid"), "binary_cross_entropy")
    return init_parameters(network, seed)


@pytest.mark.parametrize("header", [True, False])
def test_json_from_csv_and_json_params_matches_the_compiled_gradient(
    tmp_path: Path, header: bool
) -> None:
    params = params_of(3)
    params_file = tmp_path / "p.json"
    params_file.write_text(json.dumps({k: v.tolist() for k, v in params.items()}))
    data = write_csv(tmp_path / "d.csv", header)
    result = run(*NET, "--params", str(params_file), "--data", str(data), "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"loss", "gradients"}
    loss, gradients = expected(params)
    assert document["loss"] == pytest.approx(loss, rel=1e-15)
    assert list(document["gradients"]) == ["W1", "b1", "W2", "b2"]
    for name, value in gradients.items():
        np.testing.assert_allclose(np.array(document["gradients"][name]), value, rtol=1e-15)


def test_npz_params_and_data_give_the_same_numbers_as_json_and_csv(tmp_path: Path) -> None:
    params = params_of(4)
    np.savez(tmp_path / "p.npz", **params)
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    (tmp_path / "p.json").write_text(json.dumps({k: v.tolist() for k, v in params.items()}))
    write_csv(tmp_path / "d.csv")
    from_npz = run(
        *NET,
        "--params",
        str(tmp_path / "p.npz"),
        "--data",
        str(tmp_path / "d.npz"),
        "--format",
        "json",
    )
    from_text = run(
        *NET,
        "--params",
        str(tmp_path / "p.json"),
        "--data",
        str(tmp_path / "d.csv"),
        "--format",
        "json",
    )
    assert from_npz.exit_code == 0 and from_text.exit_code == 0
    assert from_npz.stdout == from_text.stdout


def test_init_seed_is_reproducible_and_documented_draw(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    first = run(*NET, "--init", "7", "--data", str(data), "--format", "json")
    again = run(*NET, "--init", "7", "--data", str(data), "--format", "json")
    other = run(*NET, "--init", "8", "--data", str(data), "--format", "json")
    assert first.exit_code == 0
    assert first.stdout == again.stdout != other.stdout
    loss, _ = expected(params_of(7))
    assert json.loads(first.stdout)["loss"] == pytest.approx(loss, rel=1e-15)


def test_text_format_prints_the_loss_and_a_table_per_parameter(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    result = run(*NET, "--init", "0", "--data", str(data))
    assert result.exit_code == 0
    loss, gradients = expected(params_of(0))
    assert f"C = {loss:.10g}" in result.stdout
    for name, label in [("W1", "W^(L-1)"), ("b1", "b^(L-1)"), ("W2", "W^(L)"), ("b2", "b^(L)")]:
        assert f"∂C/∂{name}  ({label}" in result.stdout
    assert f"{gradients['W2'][0, 2]:.8g}" in result.stdout
    assert result.stdout == run(*NET, "--init", "0", "--data", str(data)).stdout


def test_per_sample_gradients_average_to_the_batch_gradient(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    result = run(*NET, "--init", "1", "--data", str(data), "--per-sample", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    samples = document["samples"]
    assert len(samples) == 3
    assert np.mean([s["loss"] for s in samples]) == pytest.approx(document["loss"], rel=1e-14)
    for name in ("W1", "b1", "W2", "b2"):
        mean = np.mean([np.array(s["gradients"][name]) for s in samples], axis=0)
        np.testing.assert_allclose(mean, np.array(document["gradients"][name]), rtol=1e-13)
    text = run(*NET, "--init", "1", "--data", str(data), "--per-sample")
    assert "sample 2: C_2 = " in text.stdout and "∂C_2/∂W1" in text.stdout


def test_float32_on_request(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    single = json.loads(
        run(
            *NET, "--init", "0", "--data", str(data), "--dtype", "float32", "--format", "json"
        ).stdout
    )
    double = json.loads(run(*NET, "--init", "0", "--data", str(data), "--format", "json").stdout)
    assert single["loss"] != double["loss"]
    assert single["loss"] == pytest.approx(double["loss"], rel=1e-6)


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


BAD_PARAMS: list[tuple[str, Callable[[Path], None], str]] = [
    ("missing.json", lambda p: None, "does not exist"),
    ("p.json", lambda p: p.write_text("{not json"), "not valid JSON"),
    ("p.json", _garbage, "not UTF-8 text"),
    ("p.npz", _garbage, "not an NPZ archive"),
    ("p.txt", lambda p: p.write_text("{}"), "unknown parameter file type '.txt'"),
    ("p.json", lambda p: p.write_text("[1, 2]"), "expected a JSON object"),
    (
        "p.json",
        lambda p: p.write_text(
            json.dumps({k: v.tolist() for k, v in params_of(0).items() if k != "b2"})
        ),
        "missing parameters b2",
    ),
    (
        "p.json",
        lambda p: p.write_text(
            json.dumps({**{k: v.tolist() for k, v in params_of(0).items()}, "W3": [[1.0]]})
        ),
        "unknown keys W3",
    ),
    (
        "p.json",
        lambda p: p.write_text(
            json.dumps({**{k: v.tolist() for k, v in params_of(0).items()}, "W1": [[1.0, 2.0]]})
        ),
        "W1 has shape (1, 2); expected (3, 2)",
    ),
    (
        "p.npz",
        lambda p: np.savez(p, **{**params_of(0), "b1": np.array([1.0, np.nan, 0.0])}),
        "b1 contains NaN",
    ),
    (
        "p.json",
        lambda p: p.write_text(
            json.dumps({**{k: v.tolist() for k, v in params_of(0).items()}, "b2": ["a"]})
        ),
        "b2 is not an array of numbers",
    ),
]


def _one_error_line(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("symchain: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize(("name", "make", "message"), BAD_PARAMS)
def test_bad_parameter_files_give_one_line_and_exit_2(
    tmp_path: Path, name: str, make: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / name
    make(path)
    data = write_csv(tmp_path / "d.csv")
    _one_error_line(run(*NET, "--params", str(path), "--data", str(data)), message)


BAD_DATA: list[tuple[str, Callable[[Path], None], str]] = [
    ("missing.csv", lambda p: None, "does not exist"),
    ("d.csv", lambda p: p.write_text("x0,x1,y0\n1,2\n"), "line 2 has 2 columns; expected 3"),
    ("d.csv", lambda p: p.write_text("1,2,3,4\n"), "line 1 has 4 columns; expected 3"),
    ("d.csv", lambda p: p.write_text("1,2,1\n1,nan,0\n"), "line 2, column 2: 'nan' is not finite"),
    ("d.csv", lambda p: p.write_text("1,2,1\n1,x,0\n"), "line 2, column 2: 'x' is not a number"),
    ("d.csv", lambda p: p.write_text("x0,x1,y0\n"), "no samples"),
    ("d.csv", _garbage, "not UTF-8 text"),
    ("d.npz", _garbage, "not an NPZ archive"),
    ("d.npz", lambda p: np.savez(p, X=X), "missing array Y"),
    ("d.npz", lambda p: np.savez(p, X=X[:, :1], Y=Y), "X has shape (3, 1); expected (batch, 2)"),
    ("d.npz", lambda p: np.savez(p, X=X, Y=Y[:2]), "Y has shape (2, 1); expected (3, 1)"),
    ("d.npz", lambda p: np.savez(p, X=X, Y=Y + np.inf), "Y contains NaN or infinite values"),
    ("d.xlsx", lambda p: p.write_text("1"), "unknown data file type '.xlsx'; accepted: .csv, .npz"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_DATA)
def test_bad_data_files_give_one_line_and_exit_2(
    tmp_path: Path, name: str, make: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / name
    make(path)
    _one_error_line(run(*NET, "--init", "0", "--data", str(path)), message)


def test_params_and_init_are_exclusive(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    _one_error_line(run(*NET, "--data", str(data)), "exactly one of --params FILE and --seed SEED")
    np.savez(tmp_path / "p.npz", **params_of(0))
    _one_error_line(
        run(*NET, "--data", str(data), "--init", "1", "--params", str(tmp_path / "p.npz")),
        "exactly one of",
    )


def test_outputs_outside_the_loss_domain_give_one_line_and_exit_2(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    tanh_bce = ["--layers", "2,3,1", "--activation", "tanh", "--loss", "binary_cross_entropy"]
    result = run(*tanh_bce, "--init", "0", "--data", str(data), "--format", "json")
    _one_error_line(result, "output activation tanh (outputs in (-1, 1)) cannot feed the loss "
                    "binary_cross_entropy (defined for outputs in (0, 1)); output activations "
                    "that fit binary_cross_entropy: sigmoid")
    assert result.stdout == ""


def test_seed_is_the_spelling_shared_with_check_and_init_still_works(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    new = run(*NET, "--seed", "7", "--data", str(data), "--format", "json")
    old = run(*NET, "--init", "7", "--data", str(data), "--format", "json")
    assert new.exit_code == 0
    assert new.stdout == old.stdout
    loss, _ = expected(params_of(7))
    assert json.loads(new.stdout)["loss"] == pytest.approx(loss, rel=1e-15)
