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


def hand_numpy_softmax(
    params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, depth: int
) -> tuple[float, dict[str, np.ndarray]]:
    """The same by hand for ReLU hidden layers, a softmax output and cross-entropy (targets
    summing to 1): the softmax shifted by the row maximum, δ^(L) = (a - y)/n."""
    n = X.shape[0]
    activations = [X]
    for layer in range(1, depth + 1):
        z = activations[-1] @ params[f"W{layer}"].T + params[f"b{layer}"]
        if layer < depth:
            activations.append(np.maximum(z, 0.0))
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = float(-(Y * (shifted - np.log(total))).sum()) / n
    delta = (e / total - Y) / n
    grads = {}
    for layer in range(depth, 0, -1):
        grads[f"W{layer}"] = delta.T @ activations[layer - 1]
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            delta = (delta @ params[f"W{layer}"]) * (activations[layer - 1] > 0)
    return loss, grads
