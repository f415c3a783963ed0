"""Numbers from the formulas: derivations compiled to vectorized, numerically stable gradients.

from symchain import Network, derive
from symchain.numeric import compile_gradient, init_parameters

net = Network.from_widths((2, 3, 1), "sigmoid", "binary_cross_entropy")
grad = compile_gradient(derive(net))             # NumPy, float64
params = init_parameters(net, seed=0)            # W1 (3, 2), b1 (3,), W2 (1, 3), b2 (1,)
result = grad(params, X, Y)                      # result.loss, result.gradients["W1"]
"""

from __future__ import annotations

from .backends import BACKENDS, DTYPES, NumericError, backend_available
from .compiled import (
    CompiledGradient,
    Gradients,
    SampleGradients,
    compile_gradient,
    init_parameters,
    lambdify,
    parameter_names,
    parameter_shapes,
)
from .reference import (
    FD_STEPS,
    Comparison,
    compare,
    finite_differences,
    resolution,
    torch_gradients,
)

__all__ = [
    "BACKENDS",
    "DTYPES",
    "FD_STEPS",
    "CompiledGradient",
    "Comparison",
    "Gradients",
    "NumericError",
    "SampleGradients",
    "backend_available",
    "compare",
    "resolution",
    "compile_gradient",
    "finite_differences",
    "init_parameters",
    "lambdify",
    "parameter_names",
    "parameter_shapes",
    "torch_gradients",
]
