"""The kernel table printed per backend: JAX's σ parts from its logistic op equal NumPy's kernels
(relative 1e-14, every argument from -800 to 800), NumPy's σ kernels equal a 50-digit mpmath
reference from -1000 to 1000 without a warning, and steps a result does not use are left out."""

from __future__ import annotations

import importlib.util
import inspect
import warnings

import mpmath
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


SATURATING = [-1000.0, -745.5, -709.5, -709.0, -708.0, -700.0, -40.0, -1e-3, -0.0, 0.0, 1e-3, 3.0,
              40.0, 700.0, 709.5, 745.5, 1000.0]
SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)


def _sigmoid_reference(value: float) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """σ(z), 1 - σ(z) and σ'(z) to 50 digits."""
    with mpmath.workdps(50):
        sigma = 1 / (1 + mpmath.exp(-mpmath.mpf(value)))
        rest = 1 / (1 + mpmath.exp(mpmath.mpf(value)))
        return sigma, rest, sigma * rest


def _close(got: float, want: mpmath.mpf) -> bool:
    """A few ulps where the reference is a normal float64; below, the subnormal to within its
    spacing (or 0 where it underflows)."""
    if abs(want) < SMALLEST_NORMAL:
        return bool(abs(mpmath.mpf(got) - want) <= 5e-324)
    return bool(abs(mpmath.mpf(got) - want) <= 4e-16 * abs(want))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_sigmoid_kernels_are_exact_at_saturation_without_warnings(backend: str) -> None:
    if backend == "torch":
        require(importlib.util.find_spec("torch") is not None, "torch is not installed")
        import torch

        def convert(values: np.ndarray):  # type: ignore[no-untyped-def]
            return torch.as_tensor(values)
    else:
        def convert(values: np.ndarray):  # type: ignore[no-untyped-def]
            return values

    scope = kernels.namespace(backend)
    z = np.array(SATURATING)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        sigma, prime = (np.asarray(v) for v in scope["_sigmoid_and_prime"](convert(z)))
        alone = np.asarray(scope["_sigmoid"](convert(z)))
        prime_alone = np.asarray(scope["_sigmoid_prime"](convert(z)))
        # σ(-z) = 1 - σ(z) by the same kernel: exact where 1 - σ(z) would cancel
        rest = np.asarray(scope["_sigmoid"](convert(-z)))
    assert np.array_equal(sigma, alone) and np.array_equal(prime, prime_alone)
    for i, value in enumerate(SATURATING):
        want_sigma, want_rest, want_prime = _sigmoid_reference(value)
        assert _close(float(sigma[i]), want_sigma), (value, sigma[i])
        assert _close(float(rest[i]), want_rest), (value, rest[i])
        assert _close(float(prime[i]), want_prime), (value, prime[i])
