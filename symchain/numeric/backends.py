"""Array backends (NumPy, PyTorch, JAX) and the stable kernels generated code calls.

Every backend provides the same few layout primitives; :class:`StableFunctions` adds the kernels
of :mod:`symchain.kernels` printed for the backend (the same source the matrix modules of
:mod:`symchain.codegen` embed). PyTorch and JAX are optional: they are imported only when their
backend is asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from .. import kernels
from ..errors import SymchainError

DTYPES = ("float64", "float32")
BACKENDS = ("numpy", "torch", "jax")



class NumericError(SymchainError):
    """Arrays or options given to a compiled gradient are invalid (shape, dtype, backend)."""


def backend_available(name: str) -> bool:
    """Whether the backend's package is installed (NumPy always is)."""
    if name == "numpy":
        return True
    return importlib.util.find_spec(name) is not None


class NumpyOps:
    """NumPy primitives."""

    name = "numpy"

    def __init__(self, dtype: str) -> None:
        self.dtype = np.dtype(dtype)
        self.asarray = partial(np.asarray, dtype=self.dtype)
        self.matmul = np.matmul
        self.exp = np.exp
        self.abs = np.abs
        self.tanh = np.tanh
        self.log1p = np.log1p
        self.where = np.where
        self.einsum = np.einsum

    def sigmoid(self, z: Any) -> Any:
        """σ(z) = 1/(1 + e^{-z}): exact to rounding for every z; for z < -709, e^{-z} is +inf
        and 1/(1 + inf) = 0 exactly (the overflow is silenced, never a NaN), as PyTorch does."""
        t = np.negative(z)
        with np.errstate(over="ignore"):
            np.exp(t, out=t)
        t += 1
        return np.reciprocal(t, out=t)

    def log(self, x: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def maximum(self, x: Any, floor: float) -> Any:
        return np.maximum(x, floor)

    def positive(self, x: Any) -> Any:
        return (x > 0).astype(self.dtype)

    def ones(self, n: int) -> Any:
        return np.ones(n, dtype=self.dtype)

    def row_sums(self, x: Any) -> Any:
        return x.sum(axis=1)

    def unpack(self, array: Any) -> list[Any]:
        return array.ravel().tolist()  # Python floats: weak scalars keep the array dtype

    def columns(self, array: Any) -> tuple[Any, ...]:
        return tuple(np.ascontiguousarray(array.T))

    def rows(self, rows: Sequence[Any], n: int) -> Any:
        out = np.empty((len(rows), n), dtype=self.dtype)
        for i, row in enumerate(rows):
            out[i] = row
        return out

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def compile(self, function: Any) -> Any:
        return function

    def stack(self, rows: Sequence[Any]) -> Any:
        return np.stack(np.broadcast_arrays(*rows))

    def amax0(self, x: Any) -> Any:
        return x.max(axis=0)

    def sum0(self, x: Any) -> Any:
        return x.sum(axis=0)


class TorchOps:
    """PyTorch primitives (CPU tensors of the chosen dtype)."""

    name = "torch"

    def __init__(self, dtype: str) -> None:
        torch = importlib.import_module("torch")
        self.torch = torch
        self.dtype = getattr(torch, dtype)
        self.matmul = torch.matmul
        self.exp = torch.exp
        self.abs = torch.abs
        self.tanh = torch.tanh
        self.log1p = torch.log1p
        self.log = torch.log
        self.where = torch.where
        self.einsum = torch.einsum
        self.sigmoid = torch.sigmoid

    def maximum(self, x: Any, floor: float) -> Any:
        return self.torch.clamp(x, min=floor)

    def positive(self, x: Any) -> Any:
        return (x > 0).to(self.dtype)

    def asarray(self, value: Any) -> Any:
        if isinstance(value, self.torch.Tensor):
            return value.detach().to(self.dtype)
        return self.torch.as_tensor(np.asarray(value), dtype=self.dtype)

    def unpack(self, array: Any) -> list[Any]:
        return array.reshape(-1).tolist()

    def ones(self, n: int) -> Any:
        return self.torch.ones(n, dtype=self.dtype)

    def row_sums(self, x: Any) -> Any:
        return x.sum(dim=1)

    def columns(self, array: Any) -> tuple[Any, ...]:
        return tuple(array.T.contiguous().unbind(0))

    def rows(self, rows: Sequence[Any], n: int) -> Any:
        out = self.torch.empty((len(rows), n), dtype=self.dtype)
        for i, row in enumerate(rows):
            out[i] = row
        return out

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x.detach().cpu().numpy(), dtype=np.float64)

    def stack(self, rows: Sequence[Any]) -> Any:
        return self.torch.stack(self.torch.broadcast_tensors(*rows))

    def amax0(self, x: Any) -> Any:
        return x.amax(dim=0)

    def sum0(self, x: Any) -> Any:
        return x.sum(dim=0)

    def compile(self, function: Any) -> Any:
        return function


class JaxOps:
    """JAX primitives; the generated function is compiled with ``jax.jit``."""

    name = "jax"

    def __init__(self, dtype: str) -> None:
        jax = importlib.import_module("jax")
        jnp = importlib.import_module("jax.numpy")
        if dtype == "float64" and not jax.config.read("jax_enable_x64"):
            raise NumericError(
                "backend 'jax' with dtype float64 needs 64-bit JAX: call "
                "jax.config.update('jax_enable_x64', True) first, or use dtype='float32'"
            )
        self.jax = jax
        self.jnp = jnp
        self.dtype = getattr(jnp, dtype)
        self.matmul = jnp.matmul
        self.exp = jnp.exp
        self.abs = jnp.abs
        self.tanh = jnp.tanh
        self.log1p = jnp.log1p
        self.log = jnp.log
        self.where = jnp.where
        self.einsum = jnp.einsum
        self.sigmoid = jax.nn.sigmoid

    def maximum(self, x: Any, floor: float) -> Any:
        return self.jnp.maximum(x, floor)

    def positive(self, x: Any) -> Any:
        return (x > 0).astype(self.dtype)

    def asarray(self, value: Any) -> Any:
        return self.jnp.asarray(value, dtype=self.dtype)

    def unpack(self, array: Any) -> list[Any]:
        return list(array.reshape(-1))

    def ones(self, n: int) -> Any:
        return self.jnp.ones(n, dtype=self.dtype)

    def row_sums(self, x: Any) -> Any:
        return x.sum(axis=1)

    def columns(self, array: Any) -> tuple[Any, ...]:
        return tuple(array.T)

    def rows(self, rows: Sequence[Any], n: int) -> Any:
        return self.jnp.stack([self.jnp.broadcast_to(row, (n,)) for row in rows])

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def compile(self, function: Any) -> Any:
        return self.jax.jit(function)

    def stack(self, rows: Sequence[Any]) -> Any:
        return self.jnp.stack(self.jnp.broadcast_arrays(*rows))

    def amax0(self, x: Any) -> Any:
        return x.max(axis=0)

    def sum0(self, x: Any) -> Any:
        return x.sum(axis=0)


Ops = NumpyOps | TorchOps | JaxOps
_OPS: dict[str, type[NumpyOps] | type[TorchOps] | type[JaxOps]] = {
    "numpy": NumpyOps,
    "torch": TorchOps,
    "jax": JaxOps,
}


def make_ops(backend: str, dtype: str) -> Ops:
    """The primitives of ``backend`` for ``dtype``; a :class:`NumericError` names what is known."""
    if dtype not in DTYPES:
        raise NumericError(f"unknown dtype {dtype!r}; known: {', '.join(DTYPES)}")
    if backend not in _OPS:
        raise NumericError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if not backend_available(backend):
        raise NumericError(
            f"backend {backend!r} needs the {backend} package, which is not installed "
            f"(pip install 'symchain[{backend}]')"
        )
    return _OPS[backend](dtype)


class StableFunctions:
    """What generated code calls as ``F.<name>``: every kernel of :mod:`symchain.kernels` printed
    for the backend (``F._sigmoid``), plus the layout helpers of the backend's primitives."""

    def __init__(self, ops: Ops, extra: tuple[kernels.Kernel, ...] = ()) -> None:
        self.ops = ops
        self.matmul = ops.matmul
        self.unpack = ops.unpack
        self.columns = ops.columns
        self.rows = ops.rows
        for name, function in _compiled_kernels(ops.name, extra).items():
            setattr(self, name, function)

    def layer_activation(self, kernel: str, zs: Any) -> Any:
        """A layer activation (softmax) of the rows ``zs``, as (n, batch) rows."""
        return getattr(self, f"_{kernel}")(self.ops.stack(zs), 0)

    def layer_loss(self, kernel: str, zs: Any, ys: Any) -> Any:
        """C_0 (batch,) of a fused layer pair from the rows of z and y."""
        return getattr(self, f"_{kernel}")(self.ops.stack(zs), self.ops.stack(ys), 0)[0]

    def layer_delta(self, kernel: str, zs: Any, outs: Any, ys: Any) -> Any:
        """δ^(L) rows (n, batch) of a fused layer pair."""
        stack = self.ops.stack
        return getattr(self, f"_{kernel}")(stack(zs), stack(outs), stack(ys), 0)


_KERNEL_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}


def _compiled_kernels(backend: str, extra: tuple[kernels.Kernel, ...]) -> dict[str, Any]:
    """The kernels compiled for ``backend`` (again only when the kernels have changed)."""
    key = (backend, tuple(kernels.KERNELS.values()), extra)
    if key not in _KERNEL_CACHE:
        scope = kernels.namespace(backend, extra)
        _KERNEL_CACHE[key] = {name: value for name, value in scope.items()
                              if name.startswith("_") and callable(value)}
    return _KERNEL_CACHE[key]
