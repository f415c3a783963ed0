"""Code generation from the matrix form: a readable, standalone module for NumPy, JAX or PyTorch.

The module needs only its array library at run time. It exposes
``loss_and_gradients(params, X, Y) -> (loss, grads)`` with ``params``/``grads`` keyed ``W1``,
``b1``, ... in the layout of ``torch.nn.Linear`` (``W1`` of shape (n_1, n_0)), ``X`` of shape
(batch, n_0) and ``Y`` of shape (batch, n_L); the loss is the batch mean of C_0 and the gradients
are batch-averaged. Each line computes one equation of the matrix form, quoted in the comment
above it (samples as columns there; rows are samples in the code, so each line is its transpose).

Stable forms: sigmoid through e^{-|z|} (no overflow at |z| = 1000), softplus and the sigmoid
binary cross-entropy through log(1 + e^{-|z|}), softmax and its cross-entropy through the shifted
log-sum-exp; other logarithms are clipped at the smallest positive float so log(0) never occurs.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import naming
from .derivation import Derivation
from .errors import UnknownNameError
from .forms.matrix import unicode_equations
from .network import Network

BACKENDS = ("numpy", "jax", "torch")


@dataclass(frozen=True)
class CodeActivation:
    """How the generated code computes an activation and its derivative.

    ``forward`` and ``derivative`` are format strings over ``{Z}`` and ``{A}`` (the layer's
    pre-activations and activations); ``derivative`` is empty for the identity.
    """

    forward: str
    derivative: str


CODE_ACTIVATIONS: dict[str, CodeActivation] = {
    "sigmoid": CodeActivation("_sigmoid({Z})", "_dsigmoid({A})"),
    "tanh": CodeActivation("_tanh({Z})", "_dtanh({A})"),
    "relu": CodeActivation("_relu({Z})", "_step({Z})"),
    "linear": CodeActivation("{Z}", ""),
    "softplus": CodeActivation("_softplus({Z})", "_sigmoid({Z})"),
    "softmax": CodeActivation("_softmax({Z})", ""),
}


@dataclass(frozen=True)
class CodeLoss:
    """How the generated code computes a loss: the batch sum of C_0 and ∇_A C_0.

    ``gradient`` times the number ``coefficient`` is ∇_A C_0; templates may use ``{R}``, the
    residual A - Y, computed once.
    """

    total: str
    gradient: str
    coefficient: str = "1.0"
    residual: bool = False


CODE_LOSSES: dict[str, CodeLoss] = {
    "squared_error": CodeLoss("_total({R} * {R})", "{R}", "2.0", True),
    "half_squared_error": CodeLoss("0.5 * _total({R} * {R})", "{R}", "1.0", True),
    "binary_cross_entropy": CodeLoss(
        "-_total(Y * _log({A}) + (1.0 - Y) * _log(1.0 - {A}))",
        "({A} - Y) / _clip({A} * (1.0 - {A}))",
    ),
    "cross_entropy": CodeLoss("-_total(Y * _log({A}))", "Y / _clip({A})", "-1.0"),
}

# Fused (output activation, loss) pairs: a stable loss from Z and a closed-form n Δ^(L).
FUSED: dict[tuple[str, str], tuple[str, str]] = {
    ("sigmoid", "binary_cross_entropy"): ("_total(_softplus({Z}) - Y * {Z})", "{A} - Y"),
    ("softmax", "cross_entropy"): ("-_total(Y * _log_softmax({Z}))", "{A} * _rowsum(Y) - Y"),
}

_PRELUDE: dict[str, str] = {
    "numpy": '''import numpy as xp

_TINY = 2.2250738585072014e-308


def _sigmoid(z):
    """σ(z) = 1/(1 + e^(-z)), z clamped at -700 so e^(-z) never overflows (σ(-700) < 1e-304)."""
    t = xp.maximum(z, -700.0)
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    t += 1.0
    xp.reciprocal(t, out=t)
    return t


def _sigmoid_(z):
    """σ(z) computed in the buffer of z (z is not needed afterwards)."""
    xp.maximum(z, -700.0, out=z)
    xp.negative(z, out=z)
    xp.exp(z, out=z)
    z += 1.0
    xp.reciprocal(z, out=z)
    return z


def _tanh_(z):
    """tanh(z) computed in the buffer of z."""
    return xp.tanh(z, out=z)


def _dsigmoid(a):
    """σ'(z) = σ(z)(1 - σ(z)) from a = σ(z)."""
    d = 1.0 - a
    d *= a
    return d


def _tanh(z):
    return xp.tanh(z)


def _dtanh(a):
    """tanh'(z) = 1 - tanh(z)^2 from a = tanh(z)."""
    d = a * a
    xp.subtract(1.0, d, out=d)
    return d


def _relu(z):
    return xp.maximum(z, 0.0)


def _step(z):
    """ReLU'(z): 1 where z > 0, else 0 (0 at z = 0, as PyTorch)."""
    return (z > 0).astype(z.dtype)


def _softplus(z):
    """ln(1 + e^z) = max(z, 0) + ln(1 + e^(-|z|)): never overflows."""
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _softmax(z):
    """e^(z_j) / Σ_k e^(z_k) per sample (row), shifted by the row maximum."""
    e = xp.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - xp.log(xp.exp(s).sum(axis=1, keepdims=True))


def _clip(x):
    return xp.maximum(x, _TINY)


def _log(x):
    return xp.log(xp.maximum(x, _TINY))


def _total(x):
    return float(x.sum())


def _colsum(x):
    return x.sum(axis=0)


def _rowsum(x):
    return x.sum(axis=1, keepdims=True)
''',
    "jax": '''import jax.numpy as xp

_TINY = 2.2250738585072014e-308


def _sigmoid(z):
    """σ(z) = 1/(1 + e^(-z)) through e^(-|z|): never overflows."""
    e = xp.exp(-xp.abs(z))
    r = 1.0 / (1.0 + e)
    return xp.where(z >= 0, r, e * r)


def _dsigmoid(a):
    return a * (1.0 - a)


def _tanh(z):
    return xp.tanh(z)


def _dtanh(a):
    return 1.0 - a * a


def _relu(z):
    return xp.maximum(z, 0.0)


def _step(z):
    """ReLU'(z): 1 where z > 0, else 0 (0 at z = 0, as PyTorch)."""
    return (z > 0).astype(z.dtype)


def _softplus(z):
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _softmax(z):
    e = xp.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - xp.log(xp.exp(s).sum(axis=1, keepdims=True))


def _clip(x):
    return xp.maximum(x, _TINY)


def _log(x):
    return xp.log(xp.maximum(x, _TINY))


def _total(x):
    return x.sum()


def _colsum(x):
    return x.sum(axis=0)


def _rowsum(x):
    return x.sum(axis=1, keepdims=True)


_sigmoid_, _tanh_ = _sigmoid, _tanh  # arrays are immutable: no buffer to reuse
''',
    "torch": '''import torch as xp

_TINY = 2.2250738585072014e-308


def _sigmoid(z):
    """σ(z) = 1/(1 + e^(-z)) through e^(-|z|): never overflows."""
    e = xp.exp(-xp.abs(z))
    r = 1.0 / (1.0 + e)
    return xp.where(z >= 0, r, e * r)


def _dsigmoid(a):
    return a * (1.0 - a)


def _tanh(z):
    return xp.tanh(z)


def _dtanh(a):
    return 1.0 - a * a


def _relu(z):
    return xp.clamp(z, min=0.0)


def _step(z):
    """ReLU'(z): 1 where z > 0, else 0 (0 at z = 0, as PyTorch)."""
    return (z > 0).to(z.dtype)


def _softplus(z):
    return xp.clamp(z, min=0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _softmax(z):
    return xp.softmax(z, dim=1)


def _log_softmax(z):
    return xp.log_softmax(z, dim=1)


def _clip(x):
    return xp.clamp(x, min=_TINY)


def _log(x):
    return xp.log(xp.clamp(x, min=_TINY))


def _total(x):
    return x.sum()


def _colsum(x):
    return x.sum(dim=0)


def _rowsum(x):
    return x.sum(dim=1, keepdim=True)


_sigmoid_, _tanh_ = _sigmoid, _tanh
''',
}


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise UnknownNameError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


def generate_module(network: Network, backend: str = "numpy") -> str:
    """The source of a standalone module computing the loss and its gradients for ``network``."""
    _check_backend(backend)
    L = network.depth
    widths = network.widths
    acts = [network.activation_of(layer).name for layer in range(1, L + 1)]
    loss = network.spec.loss
    comments, loss_text = unicode_equations(network, "absolute")
    comment = _Comments(comments)
    inplace = backend != "jax"

    lines: list[str] = []
    emit = lines.append
    names = ", ".join(f"W{layer}, b{layer}" for layer in range(1, L + 1))
    keys = ", ".join(f'params["W{layer}"], params["b{layer}"]' for layer in range(1, L + 1))
    emit(f"    {names} = {keys}")
    if backend != "numpy":
        emit("    n = X.shape[0]")
    emit("    A0 = X")
    for layer in range(1, L + 1):
        emit(comment.next(f"Z{layer}"))
        if inplace:
            emit(f"    Z{layer} = A{layer - 1} @ W{layer}.T")
            emit(f"    Z{layer} += b{layer}")
        else:
            emit(f"    Z{layer} = A{layer - 1} @ W{layer}.T + b{layer}")
        emit(comment.next(f"A{layer}"))
        forward = CODE_ACTIVATIONS[acts[layer - 1]].forward
        keeps_z = "{Z}" in CODE_ACTIVATIONS[acts[layer - 1]].derivative or (
            layer == L and (acts[-1], loss) in FUSED
        )
        if not keeps_z and forward in ("_sigmoid({Z})", "_tanh({Z})"):
            forward = forward.replace("(", "_(", 1)  # computed in Z's buffer: Z is not used again
        emit(f"    A{layer} = {forward.format(Z=f'Z{layer}')}")
    out_a, out_z = f"A{L}", f"Z{L}"
    fused = FUSED.get((acts[-1], loss))
    rule = CODE_LOSSES[loss]
    if rule.residual:
        emit(f"    # R = A{naming.unicode_superscript(f'({L})')} - Y")
        emit(f"    R = {out_a} - Y")
    total = fused[0] if fused else rule.total
    emit(f"    # C = (1/n) Σ_i C_i with C_0 = {loss_text}")
    emit(f"    loss = {total.format(A=out_a, Z=out_z, R='R')} / n")
    emit(comment.next(f"D{L}") + "   (1/n folded in here)")
    emit(f"    D{L} = {_output_delta(acts[-1], loss, out_a, out_z, fused)}")
    scale = "1.0" if fused else rule.coefficient
    if scale == "1.0":
        emit(f"    D{L} /= n" if inplace else f"    D{L} = D{L} / n")
    else:
        emit(f"    D{L} *= {scale} / n" if inplace else f"    D{L} = D{L} * ({scale} / n)")
    for layer in range(L, 0, -1):
        if layer < L:
            emit(comment.next(f"D{layer}"))
            emit(f"    D{layer} = D{layer + 1} @ W{layer + 1}")
            derivative = CODE_ACTIVATIONS[acts[layer - 1]].derivative
            if derivative:
                factor = derivative.format(Z=f"Z{layer}", A=f"A{layer}")
                emit(f"    D{layer} *= {factor}" if inplace
                     else f"    D{layer} = D{layer} * {factor}")
        emit(comment.next(f"gb{layer}"))
        emit(f"    gb{layer} = _colsum(D{layer})")
        emit(comment.next(f"gW{layer}"))
        emit(f"    gW{layer} = D{layer}.T @ A{layer - 1}")
    grads = ", ".join(f'"W{layer}": gW{layer}, "b{layer}": gb{layer}' for layer in range(1, L + 1))
    emit(f"    return loss, {{{grads}}}")

    title = "-".join(map(str, widths))
    header = (
        f'"""Loss and batch-averaged gradients of the {title} network '
        f"({', '.join(dict.fromkeys(acts))}; {loss}),\n"
        "generated by symchain from the matrix form.\n\n"
        "Parameters as torch.nn.Linear: W<l> of shape (n_l, n_(l-1)), b<l> of shape (n_l,).\n"
        "X has shape (batch, n_0) and Y (batch, n_L): rows are samples, so each line computes the\n"
        "transpose of the equation above it (written with samples as columns).\n"
        'Needs only ' + backend + ' at run time.\n"""\n\n'
    )
    body = "\n".join(lines)
    if backend == "numpy":
        signature = (
            "def _block(params, X, Y, n):\n"
            '    """C and the gradients from rows X, Y of a batch of n samples."""\n'
        )
        body += "\n\n\n" + _CHUNKED
    else:
        signature = (
            "def loss_and_gradients(params, X, Y):\n"
            '    """(C, {"W1": ∂C/∂W1, "b1": ∂C/∂b1, ...}) for a batch X, Y."""\n'
        )
    return (
        header
        + _PRELUDE[backend]
        + f"\nWIDTHS = {tuple(widths)!r}\n"
        + (f"CHUNK = {chunk_rows(widths)}  # rows per block: its arrays stay in the CPU caches\n"
           if backend == "numpy" else "")
        + "\n\n"
        + signature
        + body
        + "\n"
    )


# NumPy works through a large batch in blocks of rows: every array of a block stays in the CPU
# caches and memory is reused instead of fresh pages for each step (same sums, same result).
# A block holds about CHUNK_ELEMENTS numbers per layer (1024 rows at width 64: 0.6x the time of
# one pass over 65536 rows, measured on 32-64-64-16).
CHUNK_ELEMENTS = 65536


def chunk_rows(widths: tuple[int, ...]) -> int:
    """Rows per block for the generated NumPy code: a power of two in [256, 8192]."""
    rows = CHUNK_ELEMENTS // max(widths)
    return int(min(8192, max(256, 1 << max(rows.bit_length() - 1, 0))))

_CHUNKED = '''def loss_and_gradients(params, X, Y):
    """(C, {"W1": ∂C/∂W1, "b1": ∂C/∂b1, ...}) for a batch X, Y (blocks of CHUNK rows)."""
    n = X.shape[0]
    loss, grads = _block(params, X[:CHUNK], Y[:CHUNK], n)
    for start in range(CHUNK, n, CHUNK):
        part, more = _block(params, X[start : start + CHUNK], Y[start : start + CHUNK], n)
        loss += part
        for key, value in more.items():
            grads[key] += value
    return loss, grads'''


def _output_delta(
    activation: str, loss: str, a: str, z: str, fused: tuple[str, str] | None
) -> str:
    """n Δ^(L) as code: a fused closed form, the softmax Jacobian product, or ∇_A C ⊙ σ'(Z)."""
    if fused is not None:
        return fused[1].format(A=a, Z=z)
    rule = CODE_LOSSES[loss]
    gradient = rule.gradient.format(A=a, R="R")
    if activation == "softmax":
        return f"{a} * ({gradient} - _rowsum({a} * {gradient}))"
    derivative = CODE_ACTIVATIONS[activation].derivative
    if not derivative:
        return gradient
    return f"{gradient} * {derivative.format(Z=z, A=a)}"


class _Comments:
    """Hands out the matrix-form equations (batch section) in order, as comment lines."""

    def __init__(self, equations: list[str]) -> None:
        self.by_lhs: dict[str, str] = {}
        for text in equations:
            lhs = text.split(" = ", 1)[0]
            self.by_lhs[lhs] = text

    def next(self, variable: str) -> str:
        kind = variable.rstrip("0123456789")
        layer = variable[len(kind):]
        sup = naming.unicode_superscript(f"({layer})")
        lhs = {
            "Z": f"Z{sup}", "A": f"A{sup}", "D": f"Δ{sup}",
            "gb": f"∂C/∂b{sup}", "gW": f"∂C/∂W{sup}",
        }[kind]
        return f"    # {self.by_lhs.get(lhs, lhs)}"


def compile_matrix(network: Network, backend: str = "numpy") -> Callable[..., Any]:
    """``loss_and_gradients(params, X, Y)`` for ``network``, compiled from the generated module.

    The source is generated from symchain's own templates (no user text reaches it).
    """
    source = generate_module(network, backend)
    module = types.ModuleType(f"symchain_generated_{backend}")
    code = compile(source, f"<symchain matrix form {'-'.join(map(str, network.widths))}>", "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own generated source, never user text
    return module.__dict__["loss_and_gradients"]  # type: ignore[no-any-return]


def _compile_matrix_form(derivation: Derivation, backend: str, dtype: str) -> Callable[..., Any]:
    """The matrix form for :meth:`Derivation.lambdify`; arrays keep the dtype they come in."""
    if dtype not in ("float64", "float32"):
        raise UnknownNameError(f"unknown dtype {dtype!r}; known: float64, float32")
    return compile_matrix(derivation.network, backend)
