"""Code generation from the matrix form: the module runs without symchain, matches the unrolled
gradients and PyTorch autograd (float64), stays finite at |z| = 1000, and the CLI writes it."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import evaluate
from tools import require

from symchain import ACTIVATIONS, Network, derive
from symchain.cli import cli
from symchain.codegen import compile_matrix, generate_module
from symchain.errors import SpecError
from symchain.losses import LOSSES as LOSSES_BY_NAME
from symchain.pairs import fits

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_JAX = importlib.util.find_spec("jax") is not None

HIDDEN = ["sigmoid", "tanh", "relu", "linear", "softplus"]
LOSSES = ["squared_error", "half_squared_error", "binary_cross_entropy", "cross_entropy"]
# every hidden activation and every loss, with sigmoid and softmax outputs
CASES = [
    ((3, 4, 2), (hidden, output), loss)
    for hidden in HIDDEN
    for output in ("sigmoid", "softmax")
    for loss in LOSSES
    if fits(ACTIVATIONS[output], LOSSES_BY_NAME[loss])
] + [((2, 3, 3, 2), ("tanh", "relu", "linear"), "half_squared_error"),
     ((1, 1, 1, 1), ("sigmoid",) * 3, "squared_error"),
     ((4, 2), ("softplus",), "cross_entropy")]


def _params(network: Network, seed: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, network.depth + 1):
        rows, cols = network.widths[layer], network.widths[layer - 1]
        params[f"W{layer}"] = scale * rng.normal(size=(rows, cols))
        params[f"b{layer}"] = scale * rng.normal(size=rows)
    return params


def _batch(network: Network, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(size, network.widths[0]))
    Y = rng.uniform(0.05, 0.95, size=(size, network.widths[-1]))
    return X, Y


def _close(ours: dict[str, np.ndarray], truth: dict[str, np.ndarray], rel: float) -> None:
    assert set(ours) == set(truth)
    for key in truth:
        scale = max(1.0, float(np.max(np.abs(truth[key]))))
        assert np.max(np.abs(np.asarray(ours[key]) - truth[key])) <= rel * scale, key


def _unrolled_numbers(network: Network, params: dict[str, np.ndarray], X: np.ndarray,
                      Y: np.ndarray) -> dict[str, np.ndarray]:
    """Batch-averaged gradients from the unrolled derivation, evaluated sample by sample."""
    derivation = derive(network)
    values = {}
    for layer in range(1, network.depth + 1):
        for j in range(network.widths[layer]):
            values[network.b(layer, j)] = params[f"b{layer}"][j]
            for k in range(network.widths[layer - 1]):
                values[network.w(layer, j, k)] = params[f"W{layer}"][j, k]
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    for x, y in zip(X, Y, strict=True):
        point = dict(values)
        point.update({network.x(k): x[k] for k in range(len(x))})
        point.update({network.y(j): y[j] for j in range(len(y))})
        for g in derivation:
            label = g.label
            value = evaluate(derivation.expanded(g.parameter), point) / len(X)
            if label.kind.value == "w":
                grads[f"W{label.layer}"][label.j, label.k] += value
            else:
                grads[f"b{label.layer}"][label.j] += value
    return grads


def _torch_reference(network: Network, params: dict[str, np.ndarray], X: np.ndarray,
                     Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """The same network built from torch.nn, its loss and autograd gradients (float64)."""
    import torch

    torch.set_num_threads(1)
    acts = {
        "sigmoid": torch.nn.Sigmoid(), "tanh": torch.nn.Tanh(), "relu": torch.nn.ReLU(),
        "linear": torch.nn.Identity(), "softplus": torch.nn.Softplus(),
        "softmax": torch.nn.Softmax(dim=1),
    }
    layers = []
    for layer in range(1, network.depth + 1):
        linear = torch.nn.Linear(network.widths[layer - 1], network.widths[layer]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(params[f"W{layer}"]))
            linear.bias.copy_(torch.from_numpy(params[f"b{layer}"]))
        layers += [linear, acts[network.spec.activations[layer - 1]]]
    model = torch.nn.Sequential(*layers)
    a = model(torch.from_numpy(X))
    y = torch.from_numpy(Y)
    per_sample = {
        "squared_error": lambda: ((a - y) ** 2).sum(dim=1),
        "half_squared_error": lambda: 0.5 * ((a - y) ** 2).sum(dim=1),
        "binary_cross_entropy": lambda: -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum(1),
        "cross_entropy": lambda: -(y * torch.log(a)).sum(dim=1),
    }[network.spec.loss]()
    loss = per_sample.mean()
    loss.backward()
    grads = {}
    for index, layer in enumerate(range(1, network.depth + 1)):
        linear = model[2 * index]
        grads[f"W{layer}"] = linear.weight.grad.numpy()
        grads[f"b{layer}"] = linear.bias.grad.numpy()
    return float(loss.detach()), grads


@pytest.mark.parametrize("widths,activations,loss", CASES)
def test_matches_the_unrolled_gradients(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    network = Network.from_widths(widths, activations, loss)
    params = _params(network, seed=len(widths))
    X, Y = _batch(network, 3, seed=7)
    _, grads = compile_matrix(network)(params, X, Y)
    _close(grads, _unrolled_numbers(network, params, X, Y), 1e-10)


@pytest.mark.parametrize("batch", [1, 17])
@pytest.mark.parametrize("widths,activations,loss", CASES)
def test_matches_torch_autograd(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str, batch: int
) -> None:
    require(HAVE_TORCH, "torch is not installed (pip install torch==2.13.0)")
    network = Network.from_widths(widths, activations, loss)
    params = _params(network, seed=batch)
    X, Y = _batch(network, batch, seed=batch)
    loss_value, grads = compile_matrix(network)(params, X, Y)
    torch_loss, torch_grads = _torch_reference(network, params, X, Y)
    assert loss_value == pytest.approx(torch_loss, rel=1e-10, abs=1e-12)
    _close(grads, torch_grads, 1e-10)


@pytest.mark.parametrize("backend,available", [("torch", HAVE_TORCH), ("jax", HAVE_JAX)])
def test_other_backends_agree_with_numpy(backend: str, available: bool) -> None:
    require(available, f"{backend} is not installed")
    network = Network.from_widths((3, 4, 4, 3), ("tanh", "relu", "softmax"), "cross_entropy")
    params = _params(network, seed=3)
    X, Y = _batch(network, 9, seed=3)
    loss_np, grads_np = compile_matrix(network, "numpy")(params, X, Y)
    f = compile_matrix(network, backend)
    if backend == "torch":
        import torch

        loss, grads = f({k: torch.from_numpy(v) for k, v in params.items()},
                        torch.from_numpy(X), torch.from_numpy(Y))
        grads = {k: v.numpy() for k, v in grads.items()}
    else:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        loss, grads = f({k: jnp.asarray(v) for k, v in params.items()}, jnp.asarray(X),
                        jnp.asarray(Y))
        grads = {k: np.asarray(v) for k, v in grads.items()}
    assert float(loss) == pytest.approx(loss_np, rel=1e-10)
    _close(grads, grads_np, 1e-10)


DRIVER = textwrap.dedent(
    """
    import sys
    sys.modules["symchain"] = None  # importing symchain now raises ImportError
    sys.path.insert(0, ".")  # -I leaves the script's folder off the path
    import numpy as np
    import generated
    data = np.load("data.npz")
    params = {k: data[k] for k in data.files if k not in ("X", "Y")}
    loss, grads = generated.loss_and_gradients(params, data["X"], data["Y"])
    np.savez("out.npz", loss=np.array(loss), **grads)
    print("ok", "symchain" in sys.modules and sys.modules["symchain"] is not None)
    """
)


def _run_driver(
    folder: Path,
    driver: str,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    printed: list[str],
) -> Any:
    """Run ``driver`` on the generated module in ``folder`` in a fresh isolated interpreter (no
    symchain importable) with the parameters and batch saved beside it; its saved results."""
    np.savez(folder / "data.npz", X=X, Y=Y, **params)
    (folder / "driver.py").write_text(driver, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-I", "driver.py"], cwd=folder, capture_output=True, text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == printed
    return np.load(folder / "out.npz")


@pytest.mark.parametrize(
    "widths,activations,loss",
    [((3, 4, 2), ("sigmoid", "softmax"), "cross_entropy"),
     ((2, 3, 3, 1), ("relu", "tanh", "sigmoid"), "binary_cross_entropy")],
)
def test_generated_module_runs_in_a_fresh_interpreter(
    tmp_path: Path, widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    network = Network.from_widths(widths, activations, loss)
    result = CliRunner().invoke(
        cli, ["codegen", "--layers", ",".join(map(str, widths)), "--activation",
              ",".join(activations), "--loss", loss, "-o", str(tmp_path / "generated.py")],
    )
    assert result.exit_code == 0, result.output
    source = (tmp_path / "generated.py").read_text(encoding="utf-8")
    imports = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    }
    assert imports == {"numpy"}
    params = _params(network, seed=11)
    X, Y = _batch(network, 5, seed=11)
    out = _run_driver(tmp_path, DRIVER, params, X, Y, ["ok", "False"])
    grads = {k: out[k] for k in params}
    _close(grads, _unrolled_numbers(network, params, X, Y), 1e-10)
    if HAVE_TORCH:
        torch_loss, torch_grads = _torch_reference(network, params, X, Y)
        assert float(out["loss"]) == pytest.approx(torch_loss, rel=1e-10)
        _close(grads, torch_grads, 1e-10)


def test_one_equation_per_line_with_the_equation_as_comment() -> None:
    network = Network.from_widths((2, 3, 2), ("tanh", "sigmoid"), "squared_error")
    source = generate_module(network)
    assert "def loss_and_gradients(params, X, Y):" in source
    assert "# Δ⁽¹⁾ = ((W⁽²⁾)ᵀ Δ⁽²⁾) ⊙ tanh'(Z⁽¹⁾)" in source
    assert "# ∂C/∂W⁽²⁾ = (1/n) Δ⁽²⁾ (A⁽¹⁾)ᵀ" in source
    # NumPy: blocks of rows into buffers reused across blocks; the products shaped for BLAS
    assert "gW2 += numpy.matmul(D2.T, A1, out=tW2)" in source
    assert "gW2 = D2.T @ A1" in generate_module(network, "jax")
    assert "WIDTHS = (2, 3, 2)" in source
    assert generate_module(network) == source  # deterministic


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy", "squared_error"])
def test_stable_at_large_pre_activations(output: str, loss: str) -> None:
    if not fits(ACTIVATIONS[output], LOSSES_BY_NAME[loss]):  # softmax before BCE is refused
        with pytest.raises(SpecError, match=f"output activation {output} .* cannot feed"):
            Network.from_widths((1, 2), (output,), loss)
        return
    network = Network.from_widths((1, 2), (output,), loss)
    params = {"W1": np.array([[1000.0], [-1000.0]]), "b1": np.zeros(2)}
    X = np.array([[1.0], [-1.0], [0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        loss_value, grads = compile_matrix(network)(params, X, Y)
    assert np.isfinite(loss_value)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    if output == "sigmoid" and loss == "binary_cross_entropy":
        # sample 0: z = (1000, -1000) with y = (1, 0): no loss; sample 1: y = (0, 1) at
        # z = (-1000, 1000): no loss; sample 2: z = 0, y = 0: 2 ln 2. Mean: (2 ln 2) / 3
        assert loss_value == pytest.approx(2 * np.log(2) / 3, rel=1e-12)
        # ∂C/∂W1 = mean over samples of (σ(z) - y) x: only sample 2 has σ - y ≠ 0, with x = 0
        assert np.allclose(grads["W1"], 0.0, atol=1e-300)


def test_codegen_cli_backends_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    for backend in ("numpy", "jax", "torch"):
        result = runner.invoke(cli, ["codegen", "--layers", "2,2", "--backend", backend])
        assert result.exit_code == 0
        assert {"numpy": "import numpy\n", "jax": "import jax.numpy\n",
                "torch": "import torch\n"}[backend] in result.output
        ast.parse(result.output)
    bad = runner.invoke(cli, ["codegen", "--backend", "tensorflow"])
    assert bad.exit_code == 2
    assert len(bad.output.strip().splitlines()) == 1 and "Traceback" not in bad.output
    bad = runner.invoke(cli, ["codegen", "--layers", "2,x"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_large_batches_go_through_in_blocks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network = Network.from_widths((3, 5, 4), ("relu", "softmax"), "cross_entropy")
    params = _params(network, seed=5)
    X, Y = _batch(network, 1000, seed=5)  # 256-row blocks: 3 full and a partial one
    whole = compile_matrix(network)(params, X, Y)
    import symchain.kernels as kernels

    monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", 256 * 5)
    source = generate_module(network)
    assert "CHUNK = 256" in source
    blocks = compile_matrix(network)(params, X, Y)
    assert blocks[0] == pytest.approx(whole[0], rel=1e-12)
    _close(blocks[1], whole[1], 1e-12)
    if HAVE_TORCH:
        torch_loss, torch_grads = _torch_reference(network, params, X, Y)
        assert blocks[0] == pytest.approx(torch_loss, rel=1e-10)
        _close(blocks[1], torch_grads, 1e-10)


def _jax_args(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> tuple[Any, ...]:
    import jax

    jax.config.update("jax_enable_x64", True)
    asarray = jax.numpy.asarray
    return {k: asarray(v) for k, v in params.items()}, asarray(X), asarray(Y)


@pytest.mark.parametrize("batch", [1, 50, 64, 128, 150])
def test_jax_module_is_jitted_and_equals_torch_in_blocks(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    require(HAVE_JAX and HAVE_TORCH, "jax and torch are needed")
    import symchain.kernels as kernels

    monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", 64 * 5)  # 64-row blocks: scanned from 65 rows
    network = Network.from_widths((3, 5, 4), ("tanh", "softmax"), "cross_entropy")
    assert "CHUNK = 64" in generate_module(network, "jax")
    step = compile_matrix(network, "jax")
    params = _params(network, seed=batch)
    X, Y = _batch(network, batch, seed=batch)
    args = _jax_args(params, X, Y)
    assert step.lower(*args).compile() is not None  # a jax.jit function: it lowers to XLA
    loss, grads = step(*args)
    torch_loss, torch_grads = _torch_reference(network, params, X, Y)
    assert float(loss) == pytest.approx(torch_loss, rel=1e-10)
    _close({k: np.asarray(v) for k, v in grads.items()}, torch_grads, 1e-10)


@pytest.mark.parametrize("backend,available", [("numpy", True), ("jax", HAVE_JAX),
                                               ("torch", HAVE_TORCH)])
def test_calls_with_other_batches_keep_no_state(backend: str, available: bool) -> None:
    """One compiled step called with a large batch, a small one and the large one again (new
    data each time): every call equals torch autograd, and earlier results stay unchanged."""
    require(available and HAVE_TORCH, f"{backend} and torch are needed")
    import torch

    network = Network.from_widths((3, 5, 4), ("sigmoid", "sigmoid"), "squared_error")
    step = compile_matrix(network, backend)
    results = []
    for seed, batch in enumerate([3000, 3, 3000, 1]):
        params = _params(network, seed=seed)
        X, Y = _batch(network, batch, seed=seed)
        if backend == "jax":
            args: tuple[Any, ...] = _jax_args(params, X, Y)
        elif backend == "torch":
            args = ({k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(X),
                    torch.from_numpy(Y))
        else:
            args = (params, X, Y)
        loss, grads = step(*args)
        truth = _torch_reference(network, params, X, Y)
        results.append((loss, grads, truth))
    for loss, grads, (torch_loss, torch_grads) in results:
        assert float(loss) == pytest.approx(torch_loss, rel=1e-10)
        _close({k: np.asarray(v) for k, v in grads.items()}, torch_grads, 1e-10)


JAX_DRIVER = textwrap.dedent(
    """
    import sys
    sys.modules["symchain"] = None  # importing symchain now raises ImportError
    sys.path.insert(0, ".")
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import generated
    data = np.load("data.npz")
    params = {k: jax.numpy.asarray(data[k]) for k in data.files if k not in ("X", "Y")}
    step = jax.jit(generated.loss_and_gradients)
    loss, grads = step(params, jax.numpy.asarray(data["X"]), jax.numpy.asarray(data["Y"]))
    np.savez("out.npz", loss=np.asarray(loss), **{k: np.asarray(v) for k, v in grads.items()})
    print("ok")
    """
)


def test_generated_jax_module_runs_under_jit_in_a_fresh_interpreter(tmp_path: Path) -> None:
    require(HAVE_JAX and HAVE_TORCH, "jax and torch are needed")
    widths, activations, loss = (3, 4, 2), ("sigmoid", "sigmoid"), "binary_cross_entropy"
    network = Network.from_widths(widths, activations, loss)
    result = CliRunner().invoke(
        cli, ["codegen", "--layers", "3,4,2", "--activation", "sigmoid,sigmoid", "--loss", loss,
              "--backend", "jax", "-o", str(tmp_path / "generated.py")],
    )
    assert result.exit_code == 0, result.output
    source = (tmp_path / "generated.py").read_text(encoding="utf-8")
    chunk = int(source.split("CHUNK = ", 1)[1].split()[0])
    params = _params(network, seed=13)
    X, Y = _batch(network, 2 * chunk + 3, seed=13)  # two scanned blocks and a rest
    out = _run_driver(tmp_path, JAX_DRIVER, params, X, Y, ["ok"])
    torch_loss, torch_grads = _torch_reference(network, params, X, Y)
    assert float(out["loss"]) == pytest.approx(torch_loss, rel=1e-10)
    _close({k: out[k] for k in params}, torch_grads, 1e-10)
