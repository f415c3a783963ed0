"""Ground truth for compiled gradients: central finite differences and PyTorch autograd.

Finite differences perturb one parameter at a time by h = step·max(1, |θ|), with the step chosen
per dtype (ε^{1/3}: 6.1e-6 for float64, 4.9e-3 for float32), and take (C(θ+h) - C(θ-h))/2h.
The PyTorch reference builds the same network from ``torch.nn.Linear`` layers and each record's
own torch reference (``torch.sigmoid``, ``torch.nn.functional.binary_cross_entropy``, ...; the
loss summed over outputs and averaged over the batch) and runs ``backward`` in float64.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..network import Network
from .backends import NumericError, backend_available
from .compiled import CompiledGradient, parameter_names

FD_STEPS = {dtype: float(np.finfo(dtype).eps) ** (1 / 3) for dtype in ("float64", "float32")}

def finite_differences(
    gradient: CompiledGradient, params: Mapping[str, Any], X: Any, Y: Any, step: float | None = None
) -> dict[str, np.ndarray]:
    """∂C/∂θ for every parameter by central differences of the compiled loss (in its dtype)."""
    h0 = FD_STEPS[gradient.dtype] if step is None else step
    ops = gradient.ops
    base = {name: ops.to_numpy(ops.asarray(params[name])).copy() for name in gradient.names}
    result: dict[str, np.ndarray] = {}
    for name in gradient.names:
        values = base[name]
        estimate = np.zeros_like(values)
        for index in np.ndindex(values.shape):
            theta = float(values[index])
            h = h0 * max(1.0, abs(theta))
            values[index] = theta + h
            up = float(ops.to_numpy(gradient.loss(base, X, Y)))
            values[index] = theta - h
            down = float(ops.to_numpy(gradient.loss(base, X, Y)))
            values[index] = theta
            estimate[index] = (up - down) / (2 * h)
        result[name] = estimate
    return result


def torch_gradients(
    network: Network, params: Mapping[str, Any], X: Any, Y: Any
) -> tuple[float, dict[str, np.ndarray]]:
    """The loss C and ∂C/∂θ from ``torch.autograd`` on the network built from ``torch.nn``.

    Raises:
        NumericError: when PyTorch is not installed, or has no module for an activation or loss.
    """
    if not backend_available("torch"):
        raise NumericError("the PyTorch reference needs torch (pip install torch==2.13.0)")
    torch = importlib.import_module("torch")
    nn = torch.nn
    linears: list[Any] = []
    for layer in range(1, network.depth + 1):
        linear = nn.Linear(network.widths[layer - 1], network.widths[layer]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(np.asarray(params[f"W{layer}"], np.float64)))
            linear.bias.copy_(torch.as_tensor(np.asarray(params[f"b{layer}"], np.float64)))
        if network.activation_of(layer).torch is None:
            name = network.activation_of(layer).name
            raise NumericError(f"no torch reference known for activation {name!r}")
        linears.append(linear)
    if network.loss.torch is None:
        raise NumericError(f"no torch reference known for the loss {network.loss.name!r}")
    x = torch.as_tensor(np.asarray(X, np.float64))
    y = torch.as_tensor(np.asarray(Y, np.float64))
    try:
        out = x
        for layer, linear in enumerate(linears, start=1):
            out = network.activation_of(layer).torch(torch, linear(out))  # type: ignore[misc]
        loss = network.loss.torch(torch, out, y) / x.shape[0]
        loss.backward()
    except RuntimeError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NumericError(f"torch could not evaluate this network: {first}") from None
    gradients: dict[str, np.ndarray] = {}
    for layer, linear in enumerate(linears, start=1):
        gradients[f"W{layer}"] = linear.weight.grad.numpy().copy()
        gradients[f"b{layer}"] = linear.bias.grad.numpy().copy()
    return float(loss.item()), gradients


@dataclass(frozen=True)
class Comparison:
    """How far a gradient array is from a reference.

    Attributes:
        name: the parameter array (``W1``).
        max_abs: max |g - r| over its entries.
        max_rel: max_abs / max |r| (relative to the array's largest reference entry; 0 when both
            are exactly 0).
    """

    name: str
    max_abs: float
    max_rel: float


def resolution(reference: str, loss: float) -> float:
    """The smallest gradient a reference resolves at loss value ``loss`` (float64).

    Finite differences cannot see a slope below about ε·|C|/h (C(θ+h) and C(θ-h) round to the
    same number), so a true gradient of 1e-20 reads as exactly 0; autograd resolves about ε·|C|.
    ``symchain check`` accepts an error below the resolution whatever the tolerance, so a correct
    gradient is never failed because its reference reads exactly 0.
    """
    eps = float(np.finfo(np.float64).eps)
    scale = max(abs(loss), float(np.finfo(np.float64).tiny))
    if reference == "finite diff":
        return 4 * eps * scale / FD_STEPS["float64"]
    return eps * scale


def compare(
    network: Network, tested: Mapping[str, Any], reference: Mapping[str, Any]
) -> list[Comparison]:
    """One :class:`Comparison` per parameter array, in ``W1, b1, ...`` order."""
    result = []
    for name in parameter_names(network):
        g = np.asarray(tested[name], dtype=np.float64)
        r = np.asarray(reference[name], dtype=np.float64)
        max_abs = float(np.max(np.abs(g - r)))
        scale = float(np.max(np.abs(r)))
        if max_abs == 0.0:
            max_rel = 0.0
        elif scale == 0.0:
            max_rel = float("inf")
        else:
            max_rel = max_abs / scale
        result.append(Comparison(name, max_abs, max_rel))
    return result
