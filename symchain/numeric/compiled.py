"""Compiled batch gradients: parameters and a batch in, the mean loss and mean gradients out.

Parameters use PyTorch's ``nn.Linear`` layout: ``W<l>`` of shape (n_l, n_{l-1}) and ``b<l>`` of
shape (n_l,), for absolute layers l = 1..L. A batch is ``X`` of shape (batch, n_0) and ``Y`` of
shape (batch, n_L). The generated code is vectorized over the batch (no Python loop over samples);
each layer's weight gradient is the product of its δ^(l) = ∂C_0/∂z^(l) and inputs a^(l-1).
By default the code is stacked, one array statement per layer quantity written from the layer
rules (:mod:`symchain.numeric.stacked`); ``stacked=False`` compiles the derivation's own
per-neuron program (:mod:`symchain.numeric.program`), one statement per neuron.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import numpy as np

from ..derivation import Derivation
from ..deriver import derive
from ..kernels import chunk_rows
from ..network import Network
from ..pairs import record_kernels
from .backends import NumericError, StableFunctions, make_ops
from .codegen import (
    FUNCTION_NAME,
    SAMPLE_NAME,
    STEP_NAME,
    generate_source,
    load_functions,
    load_source,
)
from .program import build_program
from .stacked import generate_stacked_source


def parameter_names(network: Network) -> tuple[str, ...]:
    """``W1, b1, ..., WL, bL``: the keys of parameters and gradients."""
    return tuple(
        name for layer in range(1, network.depth + 1) for name in (f"W{layer}", f"b{layer}")
    )


def parameter_shapes(network: Network) -> dict[str, tuple[int, ...]]:
    """The ``nn.Linear`` shape of every parameter array."""
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(1, network.depth + 1):
        rows, cols = network.widths[layer], network.widths[layer - 1]
        shapes[f"W{layer}"] = (rows, cols)
        shapes[f"b{layer}"] = (rows,)
    return shapes


def init_parameters(network: Network, seed: int, dtype: str = "float64") -> dict[str, np.ndarray]:
    """Parameters drawn like PyTorch's ``nn.Linear`` default: uniform(-1/√n_in, 1/√n_in).

    Drawn with ``numpy.random.default_rng(seed)``, layer by layer, weights (row-major) then
    biases, so a seed gives the same parameters on every machine.
    """
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for name, shape in parameter_shapes(network).items():
        fan_in = network.widths[int(name[1:]) - 1]
        bound = 1.0 / np.sqrt(fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape).astype(dtype)
    return params


_SHAPE = attrgetter("shape")
_DTYPE = attrgetter("dtype")
_NDARRAY = {np.ndarray}
_ndarray = np.ndarray
_tuple_new = tuple.__new__


class Gradients(NamedTuple):
    """The mean loss C over a batch and ∂C/∂θ per parameter array (backend arrays); unpacks as
    ``loss, gradients`` (a named pair: made in a fraction of a microsecond)."""

    loss: Any
    gradients: dict[str, Any]


@dataclass(frozen=True)
class SampleGradients:
    """Per-sample losses C_i (batch,) and per-sample gradients (batch, *shape) per parameter."""

    losses: Any
    gradients: dict[str, Any]


class CompiledGradient:
    """A derivation compiled to vectorized code for one backend and dtype.

    Call it with ``params`` (a mapping ``W1, b1, ...``), ``X`` and ``Y``; it returns
    :class:`Gradients`. ``source`` is the generated Python; ``compile_seconds`` the time it took;
    ``stacked`` whether each layer's neurons were re-rolled into one statement per quantity
    (``stacked=False`` asks for one statement per neuron).
    """

    def __init__(
        self,
        model: Derivation | Network,
        backend: str = "numpy",
        dtype: str = "float64",
        stacked: bool = True,
    ) -> None:
        start = time.perf_counter()
        if isinstance(model, Network) and not stacked:
            model = derive(model)  # the per-neuron code is the derivation's own program
        self.network = model.network if isinstance(model, Derivation) else model
        self.backend = backend
        self.dtype = dtype
        self.ops = make_ops(backend, dtype)
        self.names = parameter_names(self.network)
        self._keys = list(zip(self.names[::2], self.names[1::2], strict=True))
        self.shapes = parameter_shapes(self.network)
        self._shape_list = [self.shapes[name] for name in self.names]
        self.stacked = stacked
        inplace = backend != "jax"
        if isinstance(model, Derivation) and stacked:
            _check_complete(model)
        numpy = backend == "numpy"
        if isinstance(model, Derivation) and not stacked:
            self.source = generate_source(build_program(model), self.names)
        else:  # NumPy and PyTorch also get the whole step as one function
            self.source = generate_stacked_source(
                self.network, self.names, inplace, step=inplace, sample=numpy, dot=numpy
            )
        extra = record_kernels(self.network.activations, self.network.loss)
        functions = StableFunctions(self.ops, extra)
        self._step: Any = None
        self._sample: Any = None
        if stacked and numpy:
            self._function, self._step, self._sample = load_functions(
                self.source, functions, FUNCTION_NAME, STEP_NAME, SAMPLE_NAME
            )
        elif stacked and inplace:
            self._function, self._step = load_functions(
                self.source, functions, FUNCTION_NAME, STEP_NAME
            )
        else:
            self._function = self.ops.compile(load_source(self.source, functions))
        self.block_rows = chunk_rows(self.network.widths)  # arrays of a block stay in cache
        self._ones: dict[int, Any] = {}  # n -> a row of n ones: bias gradients as 1ᵀ δ
        # NumPy arrays of the right type, dtype and shapes are checked in a few C-level passes
        # (no conversion, no per-array Python); anything else takes the full check of _arrays.
        # What that check reads is in one tuple: a call touches few objects (a step of a few
        # microseconds is slowed most by what it has to bring back into the CPU caches).
        self._given = itemgetter(*self.names)
        self._dtypes = {np.dtype(dtype)}
        self._fast: tuple[Any, ...] | None = None
        if numpy and stacked:
            self._fast = (
                self._given, self._shape_list, np.dtype(dtype), self._dtypes,
                self.network.widths[0], self.network.widths[-1],
                self._sample, self._step, self.block_rows, self._ones,
            )
        self.compile_seconds = time.perf_counter() - start

    def _checked(self, params: Mapping[str, Any], X: Any, Y: Any) -> tuple[Any, Any, Any]:
        """The parameter arrays (in :attr:`names` order), X and Y, as the generated code takes
        them. Arrays already right (NumPy, exact ndarray type, the dtype, every shape) pass
        as given; anything else goes through :meth:`_arrays`, which converts or raises."""
        if self.ops.name == "numpy" and type(X) is np.ndarray and type(Y) is np.ndarray:
            try:
                given = self._given(params)
            except (KeyError, TypeError):
                given = ()
            widths = self.network.widths
            x_shape = X.shape
            if (
                len(given) == len(params)
                and {*map(type, given)} == _NDARRAY
                and {X.dtype, Y.dtype, *map(_DTYPE, given)} == self._dtypes
                and list(map(_SHAPE, given)) == self._shape_list
                and len(x_shape) == 2
                and x_shape[0] > 0
                and x_shape[1] == widths[0]
                and Y.shape == (x_shape[0], widths[-1])
            ):
                return given, X, Y
        return self._arrays(params, X, Y)

    def _arrays(self, params: Mapping[str, Any], X: Any, Y: Any) -> tuple[Any, Any, Any]:
        """Every array converted to the backend and dtype and checked; a clear error if not."""
        try:
            given = [params[name] for name in self.names]
        except KeyError:
            given = []
        if len(given) != len(self.names) or len(params) != len(self.names):
            self._name_error(params)
        asarray = self.ops.asarray
        arrays = tuple(asarray(value) for value in given)
        for name, array, shape in zip(self.names, arrays, self._shape_list, strict=True):
            if array.shape != shape:
                raise NumericError(f"{name} has shape {tuple(array.shape)}; expected {shape}")
        x, y = asarray(X), asarray(Y)
        widths = self.network.widths
        if x.ndim != 2 or x.shape[1] != widths[0]:
            raise NumericError(f"X has shape {tuple(x.shape)}; expected (batch, {widths[0]})")
        if y.ndim != 2 or y.shape[0] != x.shape[0] or y.shape[1] != widths[-1]:
            raise NumericError(
                f"Y has shape {tuple(y.shape)}; expected ({x.shape[0]}, {widths[-1]})"
            )
        if x.shape[0] == 0:
            raise NumericError("the batch is empty; give at least one sample")
        return arrays, x, y

    def _name_error(self, params: Mapping[str, Any]) -> None:
        missing = [name for name in self.names if name not in params]
        if missing:
            raise NumericError(
                f"parameters {', '.join(missing)} are missing; expected {', '.join(self.names)}"
            )
        extra = sorted(set(params) - set(self.names))
        expected = ", ".join(self.names)
        raise NumericError(f"unknown parameters {', '.join(extra)}; expected {expected}")

    def __call__(self, params: Mapping[str, Any], X: Any, Y: Any) -> Gradients:
        """The mean loss C and the batch-averaged gradient of every parameter array.

        NumPy and PyTorch work through a large batch in blocks of :attr:`block_rows` samples
        (each block vectorized; the blocks' sums added up), so intermediate arrays stay in the
        CPU caches; JAX takes the whole batch in one compiled call.
        """
        fast = self._fast
        if fast is not None and type(X) is _ndarray and type(Y) is _ndarray:  # see _checked
            given_of, shapes, dtype, dtypes, inputs, outputs, sample, step, rows, ones_of = fast
            try:
                given = given_of(params)
            except (KeyError, TypeError):
                given = ()
            x_shape = X.shape
            n = x_shape[0] if len(x_shape) == 2 else 0
            if (
                len(given) == len(params)
                and n > 0
                and x_shape[1] == inputs
                and Y.shape == (n, outputs)
                and X.dtype is dtype
                and Y.dtype is dtype
                and {*map(type, given)} == _NDARRAY
                and {*map(_DTYPE, given)} == dtypes
                and list(map(_SHAPE, given)) == shapes
            ):
                if n == 1:
                    return _tuple_new(Gradients, sample(given, X, Y))
                if n <= rows:
                    ones = ones_of.get(n)
                    if ones is None:
                        ones = self._ones_row(n)
                    return _tuple_new(Gradients, step(given, X, Y, 1.0 / n, ones))
        arrays, x, y = self._checked(params, X, Y)
        n = x.shape[0]
        if n == 1 and self._sample is not None:
            return Gradients(*self._sample(arrays, x, y))
        if n <= self.block_rows and self._step is not None:  # the whole step in one call
            ones = self._ones.get(n)
            if ones is None:
                ones = self._ones_row(n)
            return Gradients(*self._step(arrays, x, y, 1.0 / n, ones))
        matmul = self.ops.matmul
        gradients: dict[str, Any] = {}
        if n <= self.block_rows or self.ops.name == "jax":  # one call: no sums to carry
            terms, signals = self._function(arrays, x, y, 1.0 / n)
            ones = self._ones_row(n)
            for (weight, bias), (deltas, inputs) in zip(self._keys, signals, strict=True):
                gradients[weight] = matmul(deltas.T, inputs)
                gradients[bias] = matmul(ones, deltas)
            return Gradients(terms.sum() / n, gradients)
        step = self.block_rows
        loss: Any = 0.0
        sums: list[list[Any]] = []
        for start in range(0, n, step):
            terms, signals = self._function(
                arrays, x[start : start + step], y[start : start + step], 1.0 / n
            )
            loss = loss + terms.sum()
            ones = self._ones_row(terms.shape[0])
            if not sums:
                sums = [[matmul(deltas.T, inputs), matmul(ones, deltas)]
                        for deltas, inputs in signals]
                continue
            for total, (deltas, inputs) in zip(sums, signals, strict=True):
                total[0] += matmul(deltas.T, inputs)
                total[1] += matmul(ones, deltas)
        for (weight, bias), (weights, biases) in zip(self._keys, sums, strict=True):
            gradients[weight] = weights
            gradients[bias] = biases
        return Gradients(loss / n, gradients)

    def _ones_row(self, n: int) -> Any:
        ones = self._ones.get(n)
        if ones is None:
            if len(self._ones) > 8:
                self._ones.clear()
            ones = self._ones[n] = self.ops.ones(n)
        return ones

    def per_sample(self, params: Mapping[str, Any], X: Any, Y: Any) -> SampleGradients:
        """Each sample's loss C_i and gradient ∂C_i/∂θ (arrays with a leading batch axis)."""
        arrays, x, y = self._checked(params, X, Y)
        terms, signals = self._function(arrays, x, y, 1.0)
        gradients: dict[str, Any] = {}
        for layer, (deltas, inputs) in enumerate(signals, start=1):
            gradients[f"W{layer}"] = self.ops.einsum("bj,bk->bjk", deltas, inputs)
            gradients[f"b{layer}"] = deltas
        return SampleGradients(self.ops.row_sums(terms), gradients)

    def loss(self, params: Mapping[str, Any], X: Any, Y: Any) -> Any:
        """The mean loss C alone."""
        return self(params, X, Y).loss


def _check_complete(derivation: Derivation) -> None:
    """Compiling needs every parameter's gradient (the stacked code computes them all)."""
    network = derivation.network
    if len(derivation.parameters) != len(network.parameters) or {
        g.parameter for g in derivation.parameters
    } != set(network.parameters):
        raise NumericError(
            "compiling needs the gradient of every parameter; derive the network without "
            "selecting parameters"
        )


def compile_gradient(
    derivation: Derivation, backend: str = "numpy", dtype: str = "float64", stacked: bool = True
) -> CompiledGradient:
    """Compile a derivation's straight-line program to a vectorized batch gradient.

    Args:
        derivation: from :func:`symchain.derive` (every parameter).
        backend: ``numpy`` (default), ``torch`` or ``jax`` (JAX float64 needs ``jax_enable_x64``).
        dtype: ``float64`` (default) or ``float32``.
        stacked: one statement per layer quantity from the layer rules (default); False
            compiles the derivation's per-neuron program, one vectorized statement per neuron.
    """
    return CompiledGradient(derivation, backend, dtype, stacked)


def lambdify(
    model: Network | Derivation, backend: str = "numpy", dtype: str = "float64"
) -> CompiledGradient:
    """Compile a network (or a derivation) to its stacked gradient: ``lambdify(net)(params, X,
    Y)``. A network is compiled from the layer rules directly, without the per-parameter
    derivation the stacked code does not need (784-128-10 in about 0.1 s)."""
    return CompiledGradient(model, backend, dtype)


def _compile_unrolled(derivation: Derivation, backend: str, dtype: str) -> CompiledGradient:
    return compile_gradient(derivation, backend, dtype)
