"""The worked examples in examples/: every gradient against sympy.diff and PyTorch autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import torch
from click.testing import CliRunner
from conftest import assert_same_value
from tools import KatexRenderer

from symchain.activations import to_elementary
from symchain.cli import cli
from symchain.graphs import derive_graph
from symchain.graphs.codegen import compile_graph
from symchain.graphs.render import latex_blocks
from symchain.graphs.spec import load_graph

EXAMPLES = Path(__file__).parent.parent / "examples"
NAMES = ["rnn", "residual", "autoencoder", "l2_penalty", "batchnorm", "attention"]


@pytest.mark.parametrize("name", NAMES)
def test_example_gradients_equal_sympy_diff_of_the_composed_loss(name: str) -> None:
    graph = load_graph(EXAMPLES / f"{name}.toml")
    derivation = derive_graph(graph)
    loss = to_elementary(graph.composed_loss())
    assert len(derivation) == len(graph.parameters) >= 2
    for gradient in derivation:
        assert gradient.uses, gradient.parameter
        assert_same_value(
            derivation.expanded(gradient.parameter), sp.diff(loss, gradient.parameter)
        )


def _torch_forward(
    name: str, params: dict[str, torch.Tensor], data: dict[str, np.ndarray]
) -> torch.Tensor:
    """The examples' forward pass written by hand in PyTorch (independent of the graph code)."""
    p, d = params, {k: torch.as_tensor(v) for k, v in data.items()}
    match name:
        case "rnn":
            h = torch.tanh(p["w_x"] * d["x_1"] + p["b"])
            h = torch.tanh(p["w_x"] * d["x_2"] + p["w_h"] * h + p["b"])
            h = torch.tanh(p["w_x"] * d["x_3"] + p["w_h"] * h + p["b"])
            return ((p["v"] * h - d["y"]) ** 2).mean()
        case "residual":
            h1 = d["x"] + torch.tanh(p["w_1"] * d["x"] + p["b_1"])
            h2 = h1 + torch.tanh(p["w_2"] * h1 + p["b_2"])
            return (0.5 * (p["v"] * h2 - d["y"]) ** 2).mean()
        case "autoencoder":
            w = torch.stack([p["w_1"], p["w_2"]])
            x = torch.stack([d["x_1"], d["x_2"]], dim=1)
            h = torch.sigmoid(x @ w + p["b"])
            x_hat = h[:, None] * w + torch.stack([p["c_1"], p["c_2"]])
            return ((x_hat - x) ** 2).sum(dim=1).mean()
        case "l2_penalty":
            z = p["w_1"] * d["x_1"] + p["w_2"] * d["x_2"] + p["b"]
            e = torch.nn.functional.binary_cross_entropy_with_logits(z, d["y"], reduction="none")
            return (e + 0.005 * (p["w_1"] ** 2 + p["w_2"] ** 2)).mean()
        case "batchnorm":
            z = p["w"] * torch.stack([d[f"x_{i}"] for i in range(1, 5)], dim=-1)
            norm = torch.nn.functional.batch_norm(
                z.reshape(-1, 4).T, None, None, training=True, eps=1e-5
            ).T.reshape(z.shape)
            y = p["gamma"] * norm + p["beta"]
            t = torch.stack([d[f"t_{i}"] for i in range(1, 5)], dim=-1)
            return ((y - t) ** 2).mean(dim=-1).mean()
        case "attention":
            q = p["w_q"] * d["x_0"]
            xs = torch.stack([d["x_1"], d["x_2"], d["x_3"]], dim=-1)
            alpha = torch.softmax(q[:, None] * p["w_k"] * xs, dim=-1)
            return (((alpha * p["w_v"] * xs).sum(dim=-1) - d["y"]) ** 2).mean()
    raise AssertionError(name)


@pytest.mark.parametrize("name", NAMES)
def test_example_module_equals_torch_autograd(name: str) -> None:
    graph = load_graph(EXAMPLES / f"{name}.toml")
    rng = np.random.default_rng(7)
    params = {graph.names[s].identifier: float(rng.uniform(-1, 1)) for s in graph.parameters}
    batch = 1 if not graph.per_sample else 5
    data = {graph.names[s].identifier: rng.normal(size=batch) for s in graph.inputs}
    data |= {graph.names[s].identifier: rng.uniform(size=batch) for s in graph.targets}
    loss, grads = compile_graph(derive_graph(graph))(params, data)
    leaves = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()
    }
    reference = _torch_forward(name, leaves, data)
    reference.backward()
    assert loss == pytest.approx(float(reference.detach()), rel=1e-12)
    for key, leaf in leaves.items():
        assert grads[key] == pytest.approx(float(leaf.grad), rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("name", NAMES)
def test_example_latex_renders_in_katex(name: str, katex: KatexRenderer) -> None:
    """Every block of the derivation (as in the docs and derive --format latex) is valid LaTeX."""
    derivation = derive_graph(load_graph(EXAMPLES / f"{name}.toml"))
    for block in latex_blocks(derivation):
        assert katex.render(r"\begin{aligned}" + block + r"\end{aligned}") is None, block


def test_readme_shows_the_rnn_example_and_its_current_derivation() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Networks as equations") :]
    blocks = section.split("```")
    toml_block, output_block = blocks[1], blocks[3]
    lines = [line for line in (EXAMPLES / "rnn.toml").read_text().splitlines() if line[:1] != "#"]
    assert "\n".join(lines).strip() in toml_block
    result = CliRunner().invoke(
        cli, ["derive", "--graph", str(EXAMPLES / "rnn.toml"), "--param", "w_h"]
    )
    assert result.exit_code == 0
    assert output_block.strip("\n") == result.output.strip("\n")
