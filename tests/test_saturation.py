"""One numerics, exact at saturation: eval, compile_gradient and every codegen backend against a
100-digit mpmath reference at |z| up to 1000 with targets exactly 0 and 1, for every pair the
tool accepts; no RuntimeWarning on the way."""

from __future__ import annotations

import functools
import itertools
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from symchain import ACTIVATIONS, LOSSES, Network, derive
from symchain.activations import to_elementary
from symchain.codegen import compile_matrix
from symchain.numeric import compile_gradient
from symchain.pairs import fits

ZS = [-1000.0, -800.0, -150.0, -40.0, -3.0, 0.0, 2.0, 40.0, 150.0, 800.0, 1000.0]
# Reference values below float64's smallest normal number underflow to 0 (that is exact to
# float64); everything else must agree to 1e-12 relative.
TINY = 1e-300
RTOL = 1e-12

ACCEPTED = [
    (act, loss)
    for act, loss in itertools.product(ACTIVATIONS, LOSSES)
    if fits(ACTIVATIONS[act], LOSSES[loss])
]


def _network(act: str, loss: str) -> tuple[Network, np.ndarray, np.ndarray, np.ndarray]:
    """One layer from one input x: z = (x, -x) or, for softmax, (x, 0, -x); W, b and targets."""
    if act == "softmax":
        net = Network.from_widths((1, 3), act, loss)
        W, b = np.array([[1.0], [0.0], [-1.0]]), np.zeros(3)
        targets = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]
    else:
        net = Network.from_widths((1, 2), act, loss)
        W, b = np.array([[1.0], [-1.0]]), np.zeros(2)
        targets = [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)]
    rows = [(z, t) for z in ZS for t in targets]
    X = np.array([[z] for z, _ in rows])
    Y = np.array([t for _, t in rows])
    return net, {"W1": W, "b1": b}, X, Y  # type: ignore[return-value]


# The samples share their z: each special function is computed once per argument (erf at 1500
# digits takes 50 ms; the test calls it hundreds of times with 22 distinct arguments).
_MEMOIZED = ("erf", "erfc", "exp", "log", "log1p", "expm1", "tanh", "sqrt", "cosh")


def _mpmath_function(expr: sp.Expr, symbols: list[sp.Symbol], memo: dict[str, object]):  # type: ignore[no-untyped-def]
    """``expr`` as an mpmath function of ``symbols``, ReLU'(0) = 0 as in PyTorch (SymPy's
    Heaviside(0) is 1/2)."""
    exact = to_elementary(expr).replace(sp.Heaviside, lambda u, *h: sp.Heaviside(u, 0))
    return sp.lambdify(symbols, exact, modules=[memo, "mpmath"])


def _reference(net: Network, params: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    """(x, y) -> C_0 and ∂C_0/∂θ of one sample at 100 digits, from sympy.diff of the composed
    loss; the symbolic work is done once, each sample is computed by mpmath at 1500 digits
    (cancellation needs them: 1 - σ(1000) alone takes 435)."""
    composed = net.composed_loss()
    targets = [net.y(j) for j in range(net.widths[-1])]
    weights = [net.w(1, j, 0) for j in range(net.widths[1])]
    biases = [net.b(1, j) for j in range(net.widths[1])]
    symbols = [net.x(0), *targets, *weights, *biases]
    memo = {name: functools.lru_cache(maxsize=None)(getattr(mpmath, name)) for name in _MEMOIZED}
    loss = _mpmath_function(composed, symbols, memo)
    grads = {
        "W1": [_mpmath_function(sp.diff(composed, w), symbols, memo) for w in weights],
        "b1": [_mpmath_function(sp.diff(composed, b), symbols, memo) for b in biases],
    }
    fixed = [int(params["W1"][j, 0]) for j in range(len(weights))] + [0] * len(biases)

    def at(x: float, y: tuple[float, ...]):  # type: ignore[no-untyped-def]
        with mpmath.workdps(1500):
            args = [mpmath.mpf(int(v)) for v in (x, *y, *fixed)]
            return (sp.Float(loss(*args), 100),
                    {k: [sp.Float(f(*args), 100) for f in fs] for k, fs in grads.items()})

    return at


def _error(got: float, ref: sp.Float) -> float:
    """|got - ref| relative to |ref| (0 when both are below float64's normal range)."""
    ref_f = float(ref)
    if not np.isfinite(got):
        return float("inf")
    if abs(ref_f) < TINY and abs(got) < TINY:
        return 0.0
    if ref == 0:
        return float("inf")
    return float(abs(sp.Float(got, 100) - ref) / abs(ref))


BACKENDS = ["numpy", "jax", "torch"]


def _codegen(net: Network, backend: str):  # type: ignore[no-untyped-def]
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    function = compile_matrix(net, backend)

    def run(params, X, Y):  # type: ignore[no-untyped-def]
        if backend == "torch":
            import torch

            params = {k: torch.as_tensor(v) for k, v in params.items()}
            X, Y = torch.as_tensor(X), torch.as_tensor(Y)
        loss, grads = function(params, X, Y)
        return float(loss), {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}

    return run


MEASURED: dict[str, float] = {}


@pytest.mark.parametrize(("act", "loss"), ACCEPTED, ids=[f"{a}-{b}" for a, b in ACCEPTED])
def test_eval_and_codegen_equal_the_mpmath_reference_at_saturation(act: str, loss: str) -> None:
    net, params, X, Y = _network(act, loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        with np.errstate(all="raise"):
            np.seterr(under="ignore")
            gradient = compile_gradient(derive(net))
            samples = gradient.per_sample(params, X, Y)
            codegens = {backend: _codegen(net, backend) for backend in BACKENDS}
            reference = _reference(net, params)
            worst = 0.0
            for i in range(X.shape[0]):
                ref_loss, ref_grads = reference(float(X[i, 0]), tuple(Y[i]))
                got = {"eval": (float(samples.losses[i]),
                                {k: np.asarray(v[i]).reshape(-1)
                                 for k, v in samples.gradients.items()})}
                for backend, run in codegens.items():
                    value, grads = run(params, X[i:i + 1], Y[i:i + 1])
                    got[backend] = (value, {k: v.reshape(-1) for k, v in grads.items()})
                for source, (value, grads) in got.items():
                    errors = [_error(value, ref_loss)]
                    for name, refs in ref_grads.items():
                        errors += [_error(float(g), r) for g, r in zip(grads[name], refs,
                                                                      strict=True)]
                    where = f"{source} at z={X[i, 0]}, y={tuple(Y[i])}"
                    assert max(errors) <= RTOL, (where, [f"{e:.2g}" for e in errors])
                    worst = max(worst, *errors)
    MEASURED[f"{act}-{loss}"] = worst
