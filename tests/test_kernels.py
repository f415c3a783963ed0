"""The kernel table printed per backend: JAX's σ parts from its logistic op equal NumPy's kernels
(relative 1e-14, every argument from -800 to 800), and steps a result does not use are left out."""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest
import sympy as sp
from tools import require

import symchain.pairs  # noqa: F401 - fills the table with the fused pairs' kernels
from symchain import kernels

HAVE_JAX = importlib.util.find_spec("jax") is not None
FUSED = sorted(
    name for name, kernel in kernels.KERNELS.items()
    if kernel.steps[: len(kernels.SIGMOID_PARTS)] == kernels.SIGMOID_PARTS
)
Z = np.array([-800.0, -700.0, -40.0, -3.0, -1e-3, -0.0, 0.0, 1e-3, 2.5, 40.0, 700.0, 800.0])


def test_the_sigmoid_kernels_share_the_parts() -> None:
    assert {"sigmoid", "sigmoid_prime", "sigmoid_and_prime", "sigmoid_bce_joint"} <= set(FUSED)


@pytest.mark.parametrize("name", FUSED)
def test_jax_takes_the_sigmoid_parts_from_its_logistic_and_agrees_with_numpy(name: str) -> None:
    require(HAVE_JAX, "jax is not installed")
    import jax

    jax.config.update("jax_enable_x64", True)
    source = kernels.source("jax", [name])
    assert "jax.nn.sigmoid(-abs(z))" in source and "jax.numpy.exp(-abs(z))" not in source
    numpy_kernel = kernels.namespace("numpy")[f"_{name}"]
    jax_kernel = jax.jit(kernels.namespace("jax")[f"_{name}"])
    arguments = list(inspect.signature(numpy_kernel).parameters)
    rng = np.random.default_rng(len(name))
    values = {"z": Z, "a": rng.uniform(0.01, 0.99, Z.size), "y": rng.uniform(0, 1, Z.size)}
    args = [values[argument] for argument in arguments]
    with np.errstate(under="ignore"):
        expected = numpy_kernel(*args)
    got = jax_kernel(*(jax.numpy.asarray(arg) for arg in args))
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    for want, have in zip(expected, got, strict=True):
        want, have = np.asarray(want), np.asarray(have)
        tiny = np.abs(want) < 1e-300  # underflow: the logistic op flushes these to 0
        assert np.all(np.abs(have[tiny]) < 1e-300)
        assert np.allclose(have[~tiny], want[~tiny], rtol=1e-14, atol=0), name


def test_steps_the_result_does_not_use_are_not_printed() -> None:
    x, unused, used = (sp.Symbol(name, real=True) for name in ("x", "u", "v"))
    kernel = kernels.Kernel("probe", (x,), used + 1, ((unused, sp.exp(x)), (used, 2 * x)))
    assert kernels.steps_for(kernel, "numpy") == ((used, 2 * x),)
    source = kernels.kernel_source(kernel, "numpy")
    assert "u = " not in source and "v = 2.0*x" in source
