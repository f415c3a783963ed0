"""Layer-stacked code from the layer rules: one array statement per layer quantity (z, a, δ).

The chain rule of a dense layer is the same for every neuron, so the per-neuron program is not
needed to write the stacked one: Z^(l) = A^(l-1) W^(l)ᵀ + b^(l), A^(l) = σ(Z^(l)), δ^(L) from the
output pair's (or the loss's) kernel, δ^(l) = (δ^(l+1) W^(l+1)) ⊙ σ'(Z^(l)) — samples as rows,
σ and σ' as the activation record writes them (the functions the deriver puts in every chain), each
display function computed by its stable kernel of :mod:`symchain.kernels`, the same the
per-neuron program and the matrix module call. Where a record has a joint kernel, σ and σ' (or C_0
and δ^(L) of a fused pair) come from one pass sharing the exponentials.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..activations import Activation, DisplayFunction
from ..network import Network
from ..pairs import get_pair
from .codegen import FUNCTION_NAME, SAMPLE_NAME, STEP_NAME, ProgramPrinter


def generate_stacked_source(
    network: Network,
    parameter_names: tuple[str, ...],
    inplace: bool = True,
    step: bool = False,
    sample: bool = False,
    dot: bool = False,
) -> str:
    """Source of ``_symchain_gradient(params, X, Y, scale)``, samples as rows.

    It returns the loss terms (shape (batch, k): row i sums to sample i's loss C_0) and, per
    layer l, the pair
    (δ^(l) · scale, A^(l-1)) of shapes (batch, n_l) and (batch, n_{l-1}): the weight gradient is
    ``δᵀ A``, the bias gradient the column sums of δ. ``inplace`` (NumPy, PyTorch) updates
    buffers in place; JAX needs ``inplace=False``.

    ``step`` adds ``_symchain_step(params, X, Y, scale, ones)``: the same statements, then the
    mean loss and the dictionary of gradients (``δᵀ A`` and ``ones δ``, ``ones`` a row of batch
    ones) in one return, for a batch taken in one call (no Python loop over layers afterwards).
    ``sample`` (NumPy) adds ``_symchain_sample(params, X, Y)`` for a batch of one sample: no
    scale, no in-place updates (NumPy's in-place and mixed-rank operations cost three times
    the plain ones on a single row), ``δᵀ a`` as an outer product and δ itself as the bias
    gradient; the same numbers, each a single product or the value itself.

    ``dot`` (NumPy) writes every product as the array method ``A.dot(B)`` instead of
    ``F.matmul(A, B)``: the same BLAS call without the generalized ufunc's dispatch, about
    0.6 µs less per product (a third of a 64 × 32 product; nine products per 3-layer step).
    """
    depth = network.depth
    product = _dot if dot else _matmul
    body = _body(network, parameter_names, inplace, single=False, product=product)
    signals = ", ".join(f"(D{layer}, A{layer - 1})" for layer in range(1, depth + 1))
    lines = [f"def {FUNCTION_NAME}(params, X, Y, scale):", *body, f"    return T, ({signals},)"]
    if step:
        lines += ["", "", f"def {STEP_NAME}(params, X, Y, scale, ones):", *body,
                  "    return T.sum() / X.shape[0], {"]
        for layer in range(1, depth + 1):
            weight, bias = parameter_names[2 * layer - 2 : 2 * layer]
            lines.append(f"        {weight!r}: {product(f'D{layer}.T', f'A{layer - 1}')},")
            lines.append(f"        {bias!r}: {product('ones', f'D{layer}')},")
        lines.append("    }")
    if sample:
        lines += ["", "", f"def {SAMPLE_NAME}(params, X, Y):",
                  *_body(network, parameter_names, inplace, single=True, product=product),
                  "    return T.sum(), {"]
        for layer in range(1, depth + 1):
            weight, bias = parameter_names[2 * layer - 2 : 2 * layer]
            # δ^(L) comes from a kernel: copied, so that no gradient is a view of its arguments
            row = f"D{layer}[0].copy()" if layer == depth else f"D{layer}[0]"
            lines.append(f"        {weight!r}: D{layer}.T * A{layer - 1},")
            lines.append(f"        {bias!r}: {row},")
        lines.append("    }")
    return "\n".join(lines) + "\n"


def _matmul(left: str, right: str) -> str:
    return f"F.matmul({left}, {right})"


def _dot(left: str, right: str) -> str:
    return f"{left}.dot({right})"


def _body(
    network: Network,
    parameter_names: tuple[str, ...],
    inplace: bool,
    single: bool,
    product: Callable[[str, str], str] = _matmul,
) -> list[str]:
    """The statements from the parameters to T and every layer's D (δ · scale) and A
    (``single``: one sample, no scale, no in-place updates)."""
    depth = network.depth
    acts = [network.activation_of(layer) for layer in range(1, depth + 1)]
    lines: list[str] = []
    emit = lines.append
    emit(f"    {', '.join(parameter_names)}, = params")
    emit("    A0 = X")
    primes: dict[int, str] = {}  # layer -> σ'(Z) already computed in the forward pass
    for layer in range(1, depth + 1):
        act = acts[layer - 1]
        if single:
            emit(f"    Z{layer} = {product(f'A{layer - 1}', f'W{layer}.T')} + b{layer}[None]")
        elif inplace:
            emit(f"    Z{layer} = {product(f'A{layer - 1}', f'W{layer}.T')}")
            emit(f"    Z{layer} += b{layer}")
        else:
            emit(f"    Z{layer} = {product(f'A{layer - 1}', f'W{layer}.T')} + b{layer}")
        if layer == depth:
            break
        if _joint(act):
            emit(f"    A{layer}, P{layer} = F._{act.joint_kernel}(Z{layer})")
            primes[layer] = f"P{layer}"
        else:
            emit(f"    A{layer} = {_forward(act, layer)}")
    _output(network, acts[-1], emit, scaled=not single)
    for layer in range(depth - 1, 0, -1):
        back = product(f"D{layer + 1}", f"W{layer + 1}")
        factor = primes.get(layer) or _derivative(acts[layer - 1], layer)
        if single:
            emit(f"    D{layer} = {back} * {factor}" if factor else f"    D{layer} = {back}")
            continue
        emit(f"    D{layer} = {back}")
        if factor:
            emit(f"    D{layer} *= {factor}" if inplace else f"    D{layer} = D{layer} * {factor}")
    return lines


def _forward(act: Activation, layer: int) -> str:
    """σ(Z^(l)) as the record writes it: its kernel for a display function, else the expression."""
    z = sp.Symbol(f"Z{layer}", real=True)
    value = act.apply(z)
    if isinstance(value, DisplayFunction) and value.kernel:
        return f"F._{value.kernel}(Z{layer})"
    return str(ProgramPrinter({"order": "none"}).doprint(value))


def _derivative(act: Activation, layer: int) -> str:
    """σ'(Z^(l)) as the record writes it (the factor of every chain through the layer): its kernel
    for a display function (on A where the record computes it from a = σ(z)), else the
    expression; "" when σ' is 1."""
    z = sp.Symbol(f"Z{layer}", real=True)
    prime = act.derivative(z)
    if prime == 1:
        return ""
    if isinstance(prime, DisplayFunction) and act.derivative_kernel:
        arg = f"A{layer}" if act.derivative_from == "a" else f"Z{layer}"
        return f"F._{act.derivative_kernel}({arg})"
    return str(ProgramPrinter({"order": "none"}).doprint(prime))


def _joint(act: Activation) -> bool:
    """Whether σ and σ' may come from the record's joint kernel: both are its display functions
    computed by the kernels the joint one fuses."""
    if not (act.elementwise and act.joint_kernel and act.derivative_kernel):
        return False
    z = sp.Symbol("z", real=True)
    value, prime = act.apply(z), act.derivative(z)
    return (
        isinstance(value, DisplayFunction) and value.kernel == act.kernel
        and isinstance(prime, DisplayFunction) and act.derivative_from == "z"
    )


def _output(
    network: Network, act: Activation, emit: Callable[[str], None], scaled: bool
) -> None:
    """C_0's terms T and δ^(L)·scale: the fused pair's kernels where there is one, else the
    loss's (``scaled=False``: δ^(L) alone, for one sample)."""
    L = network.depth
    loss = network.loss
    pair = get_pair(act, loss)
    layer_args = "" if act.elementwise else ", 1"
    if pair is not None and pair.joint_kernel:
        emit(f"    T, D{L} = F._{pair.joint_kernel}(Z{L}, Y{layer_args})")
    elif pair is not None:
        emit(f"    A{L} = F._{act.kernel}(Z{L}{layer_args})")
        emit(f"    T = F._{pair.loss_kernel}(Z{L}, Y{layer_args})")
        emit(f"    D{L} = F._{pair.delta_kernel}(Z{L}, A{L}, Y{layer_args})")
    else:
        if not act.elementwise:
            emit(f"    A{L} = F._{act.kernel}(Z{L}, 1)")
            prime = ""
        elif _joint(act):
            emit(f"    A{L}, P{L} = F._{act.joint_kernel}(Z{L})")
            prime = f"P{L}"
        else:
            emit(f"    A{L} = {_forward(act, L)}")
            prime = _derivative(act, L)
        emit(f"    T = F._{loss.kernel}(A{L}, Y)")
        emit(f"    G = F._{loss.derivative_kernel}(A{L}, Y)")
        if not act.elementwise:  # Jᵀ g with J = diag(a) - a aᵀ, sample by sample
            emit(f"    D{L} = A{L} * (G - F._rowsum(A{L} * G))")
        elif prime:
            emit(f"    D{L} = G * {prime}")
        else:
            emit(f"    D{L} = G")
    if scaled:
        emit(f"    D{L} = D{L} * scale")
