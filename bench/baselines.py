"""The hand-written NumPy backprop both benchmarks compare against (one definition)."""

from __future__ import annotations

import numpy as np


def hand_numpy(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, depth: int
) -> tuple[float, dict[str, np.ndarray]]:
    """Backprop as one writes it by hand: sigmoid layers, squared error, batch mean, matmuls
    with samples as rows; returns the mean loss and every batch-averaged gradient."""
    n = X.shape[0]
    activations = [X]
    for layer in range(1, depth + 1):
        z = activations[-1] @ params[f"W{layer}"].T + params[f"b{layer}"]
        activations.append(1.0 / (1.0 + np.exp(-z)))
    a = activations[-1]
    loss = float(((a - Y) ** 2).sum()) / n
    delta = 2.0 * (a - Y) * a * (1.0 - a) / n
    grads = {}
    for layer in range(depth, 0, -1):
        grads[f"W{layer}"] = delta.T @ activations[layer - 1]
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            previous = activations[layer - 1]
            delta = (delta @ params[f"W{layer}"]) * previous * (1.0 - previous)
    return loss, grads
