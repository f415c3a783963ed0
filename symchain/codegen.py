"""Code generation from the matrix form: a readable, standalone module for NumPy, JAX or PyTorch.

The module needs only its array library at run time. It exposes
``loss_and_gradients(params, X, Y) -> (loss, grads)`` with ``params``/``grads`` keyed ``W1``,
``b1``, ... in the layout of ``torch.nn.Linear`` (``W1`` of shape (n_1, n_0)), ``X`` of shape
(batch, n_0) and ``Y`` of shape (batch, n_L); the loss is the batch mean of C_0 and the gradients
are batch-averaged. Each line computes one equation of the matrix form, quoted in the comment
above it (samples as columns there; rows are samples in the code, so each line is its transpose).

Every function the module calls is a stable kernel of :mod:`symchain.kernels`, printed for the
backend by SymPy's code printers: the same kernels :mod:`symchain.numeric` runs, so the two
agree; fused (output activation, loss) pairs (:mod:`symchain.pairs`) compute the loss from Z.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from . import kernels, naming
from .activations import Activation
from .derivation import Derivation
from .errors import UnknownNameError
from .forms.matrix import unicode_equations
from .kernels import chunk_rows
from .network import Network
from .pairs import get_pair, record_kernels

BACKENDS = ("numpy", "jax", "torch")
__all__ = ["BACKENDS", "chunk_rows", "compile_matrix", "generate_module"]


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise UnknownNameError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


def generate_module(network: Network, backend: str = "numpy") -> str:
    """The source of a standalone module computing the loss and its gradients for ``network``.

    Every function it calls is a kernel of :mod:`symchain.kernels` printed for ``backend``: the
    same stable forms :func:`symchain.numeric.compile_gradient` runs.
    """
    _check_backend(backend)
    L = network.depth
    widths = network.widths
    acts = [network.activation_of(layer) for layer in range(1, L + 1)]
    loss = network.loss
    pair = get_pair(acts[-1], loss)
    comments, loss_text = unicode_equations(network, "absolute")
    comment = _Comments(comments)
    inplace = backend != "jax"
    used: list[str] = ["total"] + ([] if backend == "numpy" else ["colsum"])
    primes: dict[int, str] = {}  # layer -> σ'(Z) computed with σ in the forward pass

    def kernel(name: str, *args: str) -> str:
        used.append(name)
        return f"_{name}({', '.join(args)})"

    lines: list[str] = []
    emit = lines.append
    numpy = backend == "numpy"
    # NumPy: one pass over the batch in blocks of CHUNK rows; Z, Δ and the weight-gradient
    # products go into buffers allocated once per call and reused by every block (out=), and the
    # later blocks' gradients are added in place to the first block's.
    pad = "        " if numpy else "    "
    names = ", ".join(f"W{layer}, b{layer}" for layer in range(1, L + 1))
    keys = ", ".join(f'params["W{layer}"], params["b{layer}"]' for layer in range(1, L + 1))
    emit(f"    {names} = {keys}")
    if backend != "jax":  # JAX: a block's function, told the batch size n
        emit("    n = X.shape[0]")
    if numpy:
        emit("    rows = min(n, CHUNK)")
        emit("    dtype = numpy.result_type(X, W1)")
        emit("    ones = numpy.ones(rows, dtype)  # column sums as 1ᵀ Δ (a reduction down narrow")
        emit("    # columns is several times slower than this product)")
        for layer in range(1, L + 1):
            emit(f"    Zb{layer} = numpy.empty((rows, {widths[layer]}), dtype)")
        for layer in range(1, L):
            emit(f"    Db{layer} = numpy.empty((rows, {widths[layer]}), dtype)")
        emit("    if n > CHUNK:  # the later blocks' weight-gradient products go here")
        for layer in range(1, L + 1):
            emit(f"        tW{layer} = numpy.empty(({widths[layer]}, {widths[layer - 1]}), dtype)")
        emit("    loss = 0.0")
        emit("    for start in range(0, n, CHUNK):")
        emit("        m = min(n - start, CHUNK)")
        emit("        A0 = X[start : start + m]")
        emit("        Yb = Y[start : start + m]")
        target = "Yb"
    else:
        emit("    A0 = X")
        target = "Y"
    for layer in range(1, L + 1):
        act = acts[layer - 1]
        emit(pad + comment.next(f"Z{layer}").lstrip())
        if numpy:
            emit(f"{pad}Z{layer} = numpy.matmul(A{layer - 1}, W{layer}.T, out=Zb{layer}[:m])")
            emit(f"{pad}Z{layer} += b{layer}")
        elif inplace:
            emit(f"{pad}Z{layer} = A{layer - 1} @ W{layer}.T")
            emit(f"{pad}Z{layer} += b{layer}")
        else:
            emit(f"{pad}Z{layer} = A{layer - 1} @ W{layer}.T + b{layer}")
        joint = pair is not None and pair.joint_kernel and layer == L
        if joint:
            continue  # the pair's joint kernel gives C_0's terms and Δ from Z directly
        emit(pad + comment.next(f"A{layer}").lstrip())
        if not act.kernel:
            forward = f"Z{layer}"
        elif act.elementwise and act.joint_kernel and act.derivative_kernel:
            forward = kernel(act.joint_kernel, f"Z{layer}")  # σ and σ' from one pass
            primes[layer] = f"P{layer}"
            emit(f"{pad}A{layer}, P{layer} = {forward}")
            continue
        elif act.elementwise:
            forward = kernel(act.kernel, f"Z{layer}")
        else:
            forward = kernel(act.kernel, f"Z{layer}", "1")
        emit(f"{pad}A{layer} = {forward}")
    out_a, out_z = f"A{L}", f"Z{L}"
    layer_args = (target,) if acts[-1].elementwise else (target, "1")
    emit(f"{pad}# C = (1/n) Σ_i C_i with C_0 = {loss_text}")
    if pair is not None and pair.joint_kernel:
        emit(f"{pad}T, D{L} = {kernel(pair.joint_kernel, out_z, *layer_args)}")
        total = "T"
    elif pair is not None:
        total = kernel(pair.loss_kernel, out_z, *layer_args)
    else:
        total = kernel(loss.kernel, out_a, target)
    emit(f"{pad}loss += _total({total})" if numpy else f"    loss = _total({total}) / n")
    emit(pad + comment.next(f"D{L}").lstrip() + "   (1/n folded in here)")
    if pair is not None and pair.joint_kernel:
        delta = ""
    elif pair is not None:
        delta = kernel(pair.delta_kernel, out_z, out_a, *layer_args)
    else:
        emit(f"{pad}G = {kernel(loss.derivative_kernel, out_a, target)}")
        if not acts[-1].elementwise:  # Jᵀ g with J = diag(a) - a aᵀ, sample by sample
            delta = f"{out_a} * (G - {kernel('rowsum', f'{out_a} * G')})"
        elif L in primes:
            delta = f"G * {primes[L]}"
        elif acts[-1].derivative_kernel:
            delta = f"G * {_derivative(acts[-1], L, kernel)}"
        else:
            delta = "G"
    if delta:
        emit(f"{pad}D{L} = {delta}")
    emit(f"{pad}D{L} /= n" if inplace else f"    D{L} = D{L} / n")
    for layer in range(L, 0, -1):
        if layer < L:
            emit(pad + comment.next(f"D{layer}").lstrip())
            if numpy:
                emit(f"{pad}D{layer} = numpy.matmul(D{layer + 1}, W{layer + 1}, out=Db{layer}[:m])")
            else:
                emit(f"    D{layer} = D{layer + 1} @ W{layer + 1}")
            act = acts[layer - 1]
            if act.derivative_kernel:
                factor = primes.get(layer) or _derivative(act, layer, kernel)
                emit(f"{pad}D{layer} *= {factor}" if inplace
                     else f"    D{layer} = D{layer} * {factor}")
        if numpy:  # the first block's sums start the gradients, the later ones add to them
            emit(pad + comment.next(f"gb{layer}").lstrip())
            emit(pad + comment.next(f"gW{layer}").lstrip())
            emit(f"{pad}if start:  # a later block: add to the sums")
            emit(f"{pad}    gb{layer} += numpy.matmul(ones[:m], D{layer})")
            emit(f"{pad}    gW{layer} += numpy.matmul(D{layer}.T, A{layer - 1}, out=tW{layer})")
            emit(f"{pad}else:")
            emit(f"{pad}    gb{layer} = numpy.matmul(ones[:m], D{layer})")
            emit(f"{pad}    gW{layer} = D{layer}.T @ A{layer - 1}")
        else:
            emit(comment.next(f"gb{layer}"))
            emit(f"    gb{layer} = _colsum(D{layer})")
            emit(comment.next(f"gW{layer}"))
            emit(f"    gW{layer} = D{layer}.T @ A{layer - 1}")
    if numpy:
        emit("    loss /= n")
    grads = ", ".join(f'"W{layer}": gW{layer}, "b{layer}": gb{layer}' for layer in range(1, L + 1))
    emit(f"    return loss, {{{grads}}}")

    title = "-".join(map(str, widths))
    extra = record_kernels(network.activations, loss)
    scipy = backend == "numpy" and kernels.uses_scipy(kernels.needed(used, extra))
    needs = backend + (" and scipy" if scipy else "")
    header = (
        f'"""Loss and batch-averaged gradients of the {title} network '
        f"({', '.join(dict.fromkeys(a.name for a in acts))}; {loss.name}),\n"
        "generated by symchain from the matrix form.\n\n"
        "Parameters as torch.nn.Linear: W<l> of shape (n_l, n_(l-1)), b<l> of shape (n_l,).\n"
        "X has shape (batch, n_0) and Y (batch, n_L): rows are samples, so each line computes the\n"
        "transpose of the equation above it (written with samples as columns).\n"
        f"Needs only {needs} at run time."
        + ("\nRun it under jax.jit (as symchain's compile_matrix does): one XLA program per shape."
           if backend == "jax" else "")
        + '\n"""\n\n'
    )
    body = "\n".join(lines)
    if backend == "jax":
        signature = (
            "def _block(params, X, Y, n):\n"
            '    """The rows X, Y\'s share of (C, {"W1": ∂C/∂W1, ...}) for a batch of n."""\n'
        )
    else:
        signature = (
            "def loss_and_gradients(params, X, Y):\n"
            '    """(C, {"W1": ∂C/∂W1, "b1": ∂C/∂b1, ...}) for a batch X, Y'
            + (' (blocks of CHUNK rows)."""\n' if numpy else '."""\n')
        )
    return (
        header
        + kernels.source(backend, used, extra)
        + f"\n\nWIDTHS = {tuple(widths)!r}\n"
        + (f"CHUNK = {chunk_rows(widths)}  # rows per block: its arrays stay in the CPU caches\n"
           if backend != "torch" else "")
        + "\n\n"
        + signature
        + body
        + "\n"
        + (_JAX_BLOCKS if backend == "jax" else "")
    )


# JAX: the batch in blocks of CHUNK rows, one jax.lax.scan step each (under jax.jit, one fused
# XLA loop whose arrays stay in the caches; the whole batch at once spills them to memory).
_JAX_BLOCKS = '''

def loss_and_gradients(params, X, Y):
    """(C, {"W1": ∂C/∂W1, "b1": ∂C/∂b1, ...}) for a batch X, Y (blocks of CHUNK rows)."""
    n = X.shape[0]
    full = n - n % CHUNK if n > CHUNK else 0  # rows in whole blocks, scanned
    total = _block(params, X[full:], Y[full:], n)  # the rest (every row when n ≤ CHUNK)
    if full:
        def add_block(total, rows):
            return jax.tree_util.tree_map(jax.numpy.add, total, _block(params, *rows, n)), None

        blocks = (X[:full].reshape(-1, CHUNK, X.shape[1]), Y[:full].reshape(-1, CHUNK, Y.shape[1]))
        total, _ = jax.lax.scan(add_block, total, blocks)
    return total
'''


def _derivative(act: Activation, layer: int, kernel: Callable[..., str]) -> str:
    """σ'(Z) of a layer as a kernel call (on A where the record computes it from a = σ(z))."""
    arg = f"A{layer}" if act.derivative_from == "a" else f"Z{layer}"
    return str(kernel(act.derivative_kernel, arg))


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

    For ``backend="jax"`` the function is wrapped in ``jax.jit`` (compiled once per shape of the
    arrays; float64 needs ``jax_enable_x64``). The source is generated from symchain's own
    templates (no user text reaches it).
    """
    source = generate_module(network, backend)
    module = types.ModuleType(f"symchain_generated_{backend}")
    code = compile(source, f"<symchain matrix form {'-'.join(map(str, network.widths))}>", "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own generated source, never user text
    function = module.__dict__["loss_and_gradients"]
    if backend == "jax":  # one XLA program per batch shape: the layer's elementwise chain fused
        return module.__dict__["jax"].jit(function)  # type: ignore[no-any-return]
    return function  # type: ignore[no-any-return]


def _compile_matrix_form(derivation: Derivation, backend: str, dtype: str) -> Callable[..., Any]:
    """The matrix form for :meth:`Derivation.lambdify`; arrays keep the dtype they come in."""
    if dtype not in ("float64", "float32"):
        raise UnknownNameError(f"unknown dtype {dtype!r}; known: float64, float32")
    return compile_matrix(derivation.network, backend)
