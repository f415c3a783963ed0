"""One numerics, exact at saturation: eval, compile_gradient and every codegen backend against a
100-digit mpmath reference at |z| up to 1000 with targets exactly 0 and 1, for every pair the
tool accepts; no RuntimeWarning on the way."""

from __future__ import annotations

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


def _value(expr: sp.Expr, point: dict[sp.Symbol, sp.Expr]) -> sp.Float:
    """``expr`` at ``point`` to 100 digits, computed by mpmath at 1500 digits (cancellation
    needs them: 1 - σ(1000) alone takes 435)."""
    symbols = sorted(point, key=str)
    # ReLU'(0) = 0, as PyTorch (SymPy's Heaviside(0) is 1/2)
    exact = to_elementary(expr).replace(sp.Heaviside, lambda u, *h: sp.Heaviside(u, 0))
    function = sp.lambdify(symbols, exact, modules="mpmath")
    with mpmath.workdps(1500):
        value = function(*(mpmath.mpf(int(point[s])) for s in symbols))
    return sp.Float(value, 100)


def _reference(net: Network, params: dict[str, np.ndarray], x: float, y: tuple[float, ...]):
    """C_0 and ∂C_0/∂θ of one sample at 100 digits, from sympy.diff of the composed loss."""
    composed = net.composed_loss()
    point = {net.x(0): sp.Integer(int(x))}
    for j, value in enumerate(y):
        point[net.y(j)] = sp.Integer(int(value))
    for j in range(net.widths[1]):
        point[net.w(1, j, 0)] = sp.Integer(int(params["W1"][j, 0]))
        point[net.b(1, j)] = sp.Integer(0)
    loss = _value(composed, point)
    grads = {
        "W1": [_value(sp.diff(composed, net.w(1, j, 0)), point) for j in range(net.widths[1])],
        "b1": [_value(sp.diff(composed, net.b(1, j)), point) for j in range(net.widths[1])],
    }
    return loss, grads


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
            worst = 0.0
            for i in range(X.shape[0]):
                ref_loss, ref_grads = _reference(net, params, float(X[i, 0]), tuple(Y[i]))
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
