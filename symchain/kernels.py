"""The one stable array implementation: kernels as SymPy expressions, printed for each backend.

A kernel is a small function of arrays (``_sigmoid(z)``, ``_bce_logits(z, y)``) written as SymPy
expressions over a few array primitives (:class:`Where`, :class:`Maximum`, :class:`Amax`, ...).
SymPy's own code printers (``NumPyPrinter``, ``JaxPrinter``, ``TorchPrinter``) print the table
once per backend; the unrolled compiler (:mod:`symchain.numeric`) executes that source and the
matrix module generator (:mod:`symchain.codegen`) embeds the same text, so they cannot drift.

Activation and loss records (:mod:`symchain.activations`, :mod:`symchain.losses`) and fused pairs
(:mod:`symchain.pairs`) name their kernels here; a record made from a SymPy expression gets a
kernel printed from that expression, with known unstable patterns replaced by stable kernels
(``1/(1 + e^{-u})`` by ``_sigmoid(u)``, ``ln(1 + e^u)`` by ``_softplus(u)``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .errors import UnknownNameError

BACKENDS = ("numpy", "jax", "torch")

# The arguments kernels take: pre-activations z, activations a, targets y, any array x, an axis.
z, a, y, x = (sp.Symbol(name, real=True) for name in ("z", "a", "y", "x"))
axis = sp.Symbol("axis", integer=True)
_e, _r, _m, _s, _t, _w = (sp.Symbol(name, real=True) for name in ("e", "r", "m", "s", "t", "w"))
_q = sp.Symbol("q", real=True)


class Where(sp.Function):
    """``where(condition, then, otherwise)``, elementwise."""

    nargs = 3


class Maximum(sp.Function):
    """The elementwise maximum of an array and a number."""

    nargs = 2


class Positive(sp.Function):
    """1.0 where x > 0, else 0.0, in the array's dtype."""

    nargs = 1


class Direction(sp.Function):
    """1.0 where x ≥ +0, -1.0 where x < 0 or x = -0.0 (``copysign(1, x)``): a selector made of
    arithmetic, no branch (NumPy's ``where`` and ``heaviside`` cost several exps per element)."""

    nargs = 1


class Logistic(sp.Function):
    """σ(x) = 1/(1 + e^(-x)) as the array library's own op (``jax.nn.sigmoid``): only for
    backends that fuse elementwise chains (:data:`FUSING_BACKENDS`)."""

    nargs = 1


class Amax(sp.Function):
    """The maximum along an axis, keeping it (for broadcasting)."""

    nargs = 2


class Total(sp.Function):
    """The sum along an axis, keeping it."""

    nargs = 2


class SumAll(sp.Function):
    """The sum of every entry."""

    nargs = 1


class Sum(sp.Function):
    """The sum along an axis, dropping it."""

    nargs = 2


class Call(sp.Function):
    """A call of another kernel: ``Call(Symbol('sigmoid'), z)`` prints ``_sigmoid(z)``."""


def call(name: str, *args: sp.Expr) -> sp.Expr:
    """``_<name>(*args)`` inside a kernel."""
    return Call(sp.Symbol(name), *args)


@dataclass(frozen=True)
class Kernel:
    """One array function: ``def _<name>(*params)``, its steps, then ``return result``."""

    name: str
    params: tuple[sp.Symbol, ...]
    result: sp.Expr
    steps: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    doc: str = ""


def _exp_abs(scale: int = 1) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    return ((_e, sp.exp(-scale * sp.Abs(z))),)


# σ from one exponential: e = e^(-|z|), q = 1/(1 + e) ≥ 1/2, p = e·q ≤ 1/2; σ(z) = q for z ≥ 0
# and p for z < 0, i.e. max(p, q·d) with d = ±1 the direction of z (no branch, no second exp).
# From the same arrays: σ'(z) = p·q, and p, the smaller of σ(z) and 1 - σ(z) = σ(-z), exact
# (fused pairs build a - y from it).
_p, _d = sp.Symbol("p", real=True), sp.Symbol("d", real=True)
SIGMOID_PARTS: tuple[tuple[sp.Symbol, sp.Expr], ...] = (
    *_exp_abs(), (_q, 1 / (1 + _e)), (_p, _e * _q), (_d, Direction(z))
)
SIGMOID_FROM_PARTS = Maximum(_p, _q * _d)
SIGMOID_PRIME_FROM_PARTS = _p * _q
SIGMOID_SMALL_SIDE = _p
SIGMOID_DIRECTION = _d

# Backends that fuse each layer's elementwise chain into one loop (JAX under jax.jit) take p
# from their own logistic op instead: XLA never fuses an exp into several consumers, so e^(-|z|)
# shared by q, p, σ and σ' made it keep three arrays per layer (16-32-32-8 at batch 4096: 11%
# slower; at 65536: 26%). q = 1 - p is exact to rounding (p ≤ 1/2), e = p/q; below z = -709, p
# underflows to 0 (its value is under 1e-300).
FUSING_BACKENDS = ("jax",)
SIGMOID_PARTS_FUSED: tuple[tuple[sp.Symbol, sp.Expr], ...] = (
    (_p, Logistic(-sp.Abs(z))), (_q, 1 - _p), (_e, _p / _q), (_d, Direction(z))
)


def _built_in() -> tuple[Kernel, ...]:
    """The built-in kernels. Records of activations, losses and fused pairs name them."""
    return (
        Kernel("exp", (x,), sp.exp(x)),
        Kernel("log", (x,), sp.log(x)),
        Kernel("tanh", (z,), sp.tanh(z)),
        Kernel(
            "sigmoid", (z,), SIGMOID_FROM_PARTS, SIGMOID_PARTS,
            "σ(z) = max(e q, q copysign(1, z)) with e = e^(-|z|), q = 1/(1 + e): one exp, never "
            "overflows, no branch",
        ),
        Kernel(
            "sigmoid_prime", (z,), SIGMOID_PRIME_FROM_PARTS, SIGMOID_PARTS,
            "σ'(z) = e q² with e = e^(-|z|), q = 1/(1 + e)",
        ),
        Kernel(
            "sigmoid_and_prime", (z,), sp.Tuple(SIGMOID_FROM_PARTS, SIGMOID_PRIME_FROM_PARTS),
            SIGMOID_PARTS, "(σ(z), σ'(z)) from one exp",
        ),
        Kernel("dsigmoid", (a,), a * (1 - a), doc="σ'(z) = a(1 - a) from a = σ(z)"),
        Kernel(
            "tanh_prime", (z,), 4 * _e / (1 + _e) ** 2, _exp_abs(2), "tanh'(z) through e^(-2|z|)"
        ),
        Kernel("dtanh", (a,), 1 - a * a, doc="tanh'(z) = 1 - a² from a = tanh(z)"),
        Kernel("relu", (z,), Maximum(z, 0)),
        Kernel("relu_prime", (z,), Positive(z), doc="ReLU'(z): 1 where z > 0, else 0 (as PyTorch)"),
        Kernel(
            "softplus", (z,), Maximum(z, 0) + log1p(sp.exp(-sp.Abs(z))),
            doc="ln(1 + e^z) = max(z, 0) + ln(1 + e^(-|z|)): never overflows",
        ),
        Kernel("softplus_prime", (z,), call("sigmoid", z)),
        Kernel(
            "log_softplus", (z,),
            Where(z > -20, sp.log(call("softplus", Maximum(z, -20))), z - _t / 2 + _t**2 / 3),
            ((_t, sp.exp(-Maximum(-z, 20))),),
            "ln softplus(z); below z = -20 the series z - e^z/2 + e^(2z)/3 (no log of 0)",
        ),
        Kernel(
            "sigmoid_over_softplus", (z,),
            Where(
                z > -20, call("sigmoid", _w) / call("softplus", _w), 1 / ((1 + _t) * (1 - _t / 2))
            ),
            ((_w, Maximum(z, -20)), (_t, sp.exp(-Maximum(-z, 20)))),
            "σ(z)/softplus(z); below z = -20 the series 1/((1 + e^z)(1 - e^z/2))",
        ),
        Kernel(
            "softmax", (z, axis), _e / Total(_e, axis), ((_e, sp.exp(z - Amax(z, axis))),),
            "e^(z_j)/Σ_k e^(z_k) along an axis, shifted by the maximum",
        ),
        Kernel(
            "log_softmax", (z, axis), _s - sp.log(Total(sp.exp(_s), axis)),
            ((_s, z - Amax(z, axis)),),
        ),
        Kernel(
            "logsumexp", (z, axis), _m + sp.log(Total(sp.exp(z - _m), axis)),
            ((_m, Amax(z, axis)),),
            "ln Σ_k e^(z_k) = m + ln Σ_k e^(z_k - m), m the maximum",
        ),
        # Layout helpers of generated code: sums over the whole batch, over samples, over outputs.
        Kernel("total", (x,), SumAll(x)),
        Kernel("colsum", (x,), Sum(x, 0)),
        Kernel("rowsum", (x,), Total(x, 1)),
        Kernel(
            "bce_logits", (z, y), _t + log1p(sp.exp(-sp.Abs(z))), ((_t, Maximum(z, 0) - y * z),),
            doc="-(y ln σ(z) + (1 - y) ln(1 - σ(z))) = max(z, 0) - y z + ln(1 + e^(-|z|))",
        ),
    )


# The table is built on first use (its SymPy expressions would slow every command's start by
# ~15 ms): the built-in kernels, then those of each module that extends it, in that order.
_TABLE: dict[str, Kernel] = {}
_PENDING: list[Callable[[], Iterable[Kernel]]] = [_built_in]


def extend_table(kernels: Callable[[], Iterable[Kernel]]) -> None:
    """Add the kernels ``kernels()`` makes to the table when it is first used (fused pairs)."""
    _PENDING.append(kernels)


def table() -> dict[str, Kernel]:
    """Every kernel by name, in order: built-ins first, then those added."""
    while _PENDING:
        for kernel in _PENDING.pop(0)():
            _TABLE[kernel.name] = kernel
    return _TABLE


def __getattr__(name: str) -> Any:
    if name == "KERNELS":  # the table, as a module attribute
        return table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# NumPy and PyTorch work through a large batch in blocks of rows, so that every array of a block
# stays in the CPU caches. A block holds about CHUNK_ELEMENTS numbers per layer array (the input
# rows are a view, so the widest layer after the input counts). Measured with the one-exp
# kernels on the issue-13 grid (one thread, interleaved medians against jax.jit): 16k and 32k
# numbers were within ±5% of each other; 8k was 1.1-1.25x slower (more Python per block), although
# σ alone on a lone 128 KiB array runs 6x slower per element than on 64 KiB (the allocator
# returns such blocks to the system and page-faults them back in).
CHUNK_ELEMENTS = 32768


def chunk_rows(widths: tuple[int, ...]) -> int:
    """Rows per block for a network's widths: a power of two in [64, 8192]."""
    rows = CHUNK_ELEMENTS // max(widths[1:])
    return int(min(8192, max(64, 1 << max(rows.bit_length() - 1, 0))))


def add_kernel(kernel: Kernel) -> Kernel:
    """Add (or replace) a kernel; records of new activations and losses call this."""
    table()[kernel.name] = kernel
    return kernel


def get_kernel(name: str) -> Kernel:
    known = table()
    try:
        return known[name]
    except KeyError:
        raise UnknownNameError(f"no numeric kernel {name!r}; known: {', '.join(known)}") from None


# Stable patterns ---------------------------------------------------------------------------------
_u = sp.Wild("u")


def stabilize(expr: sp.Expr) -> sp.Expr:
    """``expr`` with known unstable patterns replaced by stable kernels.

    ``1/(1 + e^u)`` becomes ``_sigmoid(-u)``, ``e^u/(1 + e^u)²`` becomes ``_sigmoid_prime(u)``,
    ``ln(1 + e^u)`` becomes ``_softplus(u)``, ``ln σ(u)`` becomes ``-_softplus(-u)``,
    ``ln cosh u`` becomes ``|u| + ln(1 + e^(-2|u|)) - ln 2`` and ``sinh u/cosh u`` ``tanh u``.
    """

    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, sp.log):
            match = node.args[0].match(1 + sp.exp(_u))
            if match is not None and match[_u] != 0:
                return call("softplus", match[_u])
        if isinstance(node, sp.Pow) and node.exp in (-1, -2):
            match = node.base.match(1 + sp.exp(_u))
            if match is not None and match[_u] != 0:
                sig = call("sigmoid", -match[_u])
                return sig if node.exp == -1 else sig**2
        return node

    def mul_rewrite(node: sp.Expr) -> sp.Expr:
        # e^u · σ(-u)² = σ'(u) written as e^u/(1 + e^u)²: keep the product bounded
        if not isinstance(node, sp.Mul):
            return node
        args = list(node.args)
        for i, factor in enumerate(args):
            if isinstance(factor, sp.exp):
                u = factor.args[0]
                square = call("sigmoid", -u) ** 2
                if square in args:
                    rest = [f for j, f in enumerate(args) if j != i]
                    rest.remove(square)
                    return sp.Mul(call("sigmoid_prime", u), *rest)
        return node

    def cosh_rewrite(node: sp.Expr) -> sp.Expr:
        # ln cosh u = |u| + ln(1 + e^(-2|u|)) - ln 2; sinh u / cosh u = tanh u
        if isinstance(node, sp.log) and isinstance(node.args[0], sp.cosh):
            u = sp.Abs(node.args[0].args[0])
            return u + log1p(sp.exp(-2 * u)) - sp.log(2)
        if isinstance(node, sp.Mul):
            args = list(node.args)
            for factor in args:
                if isinstance(factor, sp.sinh) and sp.cosh(factor.args[0]) ** -1 in args:
                    args.remove(factor)
                    args.remove(sp.cosh(factor.args[0]) ** -1)
                    return sp.Mul(sp.tanh(factor.args[0]), *args)
        return node

    def erf_rewrite(node: sp.Expr) -> sp.Expr:
        # k + k erf(u) = k erfc(-u): no cancellation for u ≪ 0 (GELU's Φ(z))
        if not isinstance(node, sp.Add):
            return node
        for term in node.args:
            k, factor = term.as_coeff_Mul()
            if isinstance(factor, sp.erf) and k in node.args:
                rest = [t for t in node.args if t is not term and t != k]
                complement = sp.erfc(-factor.args[0], evaluate=False)
                return sp.Add(sp.Mul(k, complement, evaluate=False), *rest)
        return node

    out = expr.replace(lambda n: isinstance(n, sp.Add), erf_rewrite)
    out = out.replace(lambda n: isinstance(n, sp.log | sp.Mul), cosh_rewrite)
    out = out.replace(lambda n: isinstance(n, sp.log | sp.Pow), rewrite)
    out = out.replace(lambda n: isinstance(n, sp.Mul), mul_rewrite)
    return out.replace(
        lambda n: isinstance(n, sp.log) and isinstance(n.args[0], Call)
        and n.args[0].args[0] == sp.Symbol("sigmoid"),
        lambda n: -call("softplus", -n.args[0].args[1]),
    )


# Printing ----------------------------------------------------------------------------------------
_IMPORTS = {
    "numpy": "import numpy\n",
    "jax": "import jax\nimport jax.numpy\nimport jax.scipy.special\n",
    "torch": "import torch\n",
}


def printer(backend: str) -> Any:
    """SymPy's code printer for ``backend`` with the kernel primitives added."""
    if backend not in BACKENDS:
        raise UnknownNameError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    # Imported on first print: deriving and printing formulas never need them, and SymPy's
    # PyTorch printer imports torch (over a second), which NumPy and JAX code never need.
    if backend == "torch":
        cls = importlib.import_module("symchain.kernel_printers_torch").TorchKernelPrinter
    else:
        cls = importlib.import_module("symchain.kernel_printers").PRINTERS[backend]
    return cls({"fully_qualified_modules": True, "strict": True})


def steps_for(kernel: Kernel, backend: str) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    """The kernel's steps for ``backend``: σ's parts from the backend's logistic op where it
    fuses (:data:`SIGMOID_PARTS_FUSED`), and only the steps the result needs."""
    steps = kernel.steps
    if backend in FUSING_BACKENDS and steps[: len(SIGMOID_PARTS)] == SIGMOID_PARTS:
        steps = SIGMOID_PARTS_FUSED + steps[len(SIGMOID_PARTS):]
    needed = set(kernel.result.free_symbols)
    kept = []
    for symbol, value in reversed(steps):
        if symbol in needed:
            kept.append((symbol, value))
            needed |= value.free_symbols
    return tuple(reversed(kept))


def kernel_source(kernel: Kernel, backend: str) -> str:
    """``def _<name>(...)`` for one kernel, printed by SymPy's printer for ``backend``."""
    p = printer(backend)
    params = ", ".join(str(param) for param in kernel.params)
    lines = [f"def _{kernel.name}({params}):"]
    if kernel.doc:
        lines.append(f'    """{kernel.doc}"""')
    for symbol, value in steps_for(kernel, backend):
        lines.append(f"    {symbol} = {p.doprint(value)}")
    lines.append(f"    return {p.doprint(kernel.result)}")
    return "\n".join(lines) + "\n"


def _table(extra: Iterable[Kernel]) -> dict[str, Kernel]:
    known = dict(table())
    known.update((kernel.name, kernel) for kernel in extra)
    return known


def needed(names: Iterable[str], extra: Iterable[Kernel] = ()) -> list[Kernel]:
    """The kernels ``names`` and every kernel they call, in table order (``extra`` first)."""
    table = _table(extra)
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in table:
            raise UnknownNameError(f"no numeric kernel {name!r}; known: {', '.join(table)}")
        wanted.add(name)
        kernel = table[name]
        for expr in [kernel.result, *(value for _, value in kernel.steps)]:
            for node in sp.preorder_traversal(expr):
                if isinstance(node, Call):
                    todo.append(str(node.args[0]))
    return [kernel for name, kernel in table.items() if name in wanted]


def uses_scipy(chosen: Iterable[Kernel]) -> bool:
    """Whether the NumPy source of these kernels needs SciPy (for erf, erfc)."""
    return any(
        expr.has(sp.erf, sp.erfc)
        for kernel in chosen
        for expr in [kernel.result, *(value for _, value in kernel.steps)]
    )


def source(backend: str, names: Iterable[str] | None = None, extra: Iterable[Kernel] = ()) -> str:
    """The imports and the kernels ``names`` (all when None) with what they call, for a backend.

    ``extra`` are the kernels of records outside the table (a loss's own term and derivative).
    """
    extra = tuple(extra)
    chosen = needed(list(_table(extra)) if names is None else names, extra)
    header = _IMPORTS[backend] if backend in _IMPORTS else ""
    if backend == "numpy" and uses_scipy(chosen):
        header += "import scipy.special\n"
    return header + "\n\n" + "\n\n".join(kernel_source(k, backend) for k in chosen)


def namespace(backend: str, extra: Iterable[Kernel] = ()) -> dict[str, Any]:
    """Every kernel compiled for ``backend`` (source printed from symchain's own kernels)."""
    scope: dict[str, Any] = {}
    code = compile(source(backend, None, extra), f"<symchain kernels {backend}>", "exec")
    exec(code, scope)  # noqa: S102 - printed from symchain's kernel records, never user text
    return scope


def function(expr: sp.Expr, params: tuple[sp.Symbol, ...], backend: str) -> Any:
    """``expr`` as a function of ``params`` for ``backend``, printed as written (no rewriting):
    the reference that PyTorch autograd differentiates for a record made from an expression."""
    kernel = Kernel("reference", params, expr)
    scope: dict[str, Any] = {}
    code = compile(source(backend, ["reference"], (kernel,)), "<symchain reference>", "exec")
    exec(code, scope)  # noqa: S102 - printed from a SymPy expression, never from user text
    return scope["_reference"]
