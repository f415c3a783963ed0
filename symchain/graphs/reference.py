"""References for a graph's gradients: PyTorch autograd of its forward equations, and central
finite differences of the compiled loss."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..activations import to_elementary
from .codegen import CodegenError
from .model import Graph

# Step of the central differences (float64).
FD_STEP = 1e-6


def torch_gradients(
    graph: Graph, params: Mapping[str, float], data: Mapping[str, np.ndarray]
) -> tuple[float, dict[str, float]]:
    """Mean loss and mean gradients by PyTorch autograd of the forward equations (float64)."""
    import torch  # optional dependency: only this reference needs it

    names = graph.names
    values: dict[sp.Basic, Any] = {}
    leaves = {}
    for s in graph.parameters:
        leaves[s] = torch.tensor(
            float(params[names[s].identifier]), dtype=torch.float64, requires_grad=True
        )
        values[s] = leaves[s]
    for s in (*graph.inputs, *graph.targets):
        values[s] = torch.as_tensor(np.asarray(data[names[s].identifier], np.float64))
    for equation in graph.equations:
        values[equation.target] = _evaluate(to_elementary(equation.expr), values, torch)
    loss = values[graph.loss]
    mean = loss.mean() if loss.dim() else loss
    grads = torch.autograd.grad(mean, list(leaves.values()), allow_unused=True)
    result = {
        names[s].identifier: 0.0 if g is None else float(g)
        for s, g in zip(leaves, grads, strict=True)
    }
    return float(mean.detach()), result


def _evaluate(expr: sp.Basic, values: dict[sp.Basic, Any], torch: Any) -> Any:
    """``expr`` with torch operations, each shared subexpression once."""
    memo: dict[sp.Basic, Any] = {}

    def value(node: sp.Basic) -> Any:
        if node in values:
            return values[node]
        if node in memo:
            return memo[node]
        if node.is_Number or node in (sp.E, sp.pi):
            result: Any = float(node)
        elif isinstance(node, sp.Add):
            result = sum((value(a) for a in node.args[1:]), value(node.args[0]))
        elif isinstance(node, sp.Mul):
            result = math.prod((value(a) for a in node.args[1:]), start=value(node.args[0]))
        elif isinstance(node, sp.Pow):
            result = value(node.base) ** value(node.exp)
        elif isinstance(node, sp.Max):
            args = [torch.as_tensor(value(a), dtype=torch.float64) for a in node.args]
            result = args[0]
            for arg in args[1:]:
                result = torch.maximum(result, arg)
        elif isinstance(node, sp.Heaviside):
            result = (torch.as_tensor(value(node.args[0])) > 0).to(torch.float64)
        elif type(node) in _TORCH:
            result = getattr(torch, _TORCH[type(node)])(
                torch.as_tensor(value(node.args[0]), dtype=torch.float64)
            )
        else:
            raise CodegenError(f"no PyTorch form for {type(node).__name__}")
        memo[node] = result
        return result

    return value(expr)


_TORCH: dict[type, str] = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh"}


def finite_differences(
    function: Callable[..., Any], params: Mapping[str, float], data: Mapping[str, Any]
) -> dict[str, float]:
    """Central differences of the mean loss in every parameter."""
    result = {}
    for key in params:
        up = {**params, key: params[key] + FD_STEP}
        down = {**params, key: params[key] - FD_STEP}
        result[key] = (function(up, data)[0] - function(down, data)[0]) / (2 * FD_STEP)
    return result
