"""Fused (output activation, loss) pairs, once: the closed δ^(L), the stable loss, the domains.

Some pairs cancel analytically (σ'(z)·(a - y)/(a(1 - a)) = a - y) or have a loss that is exact
only when computed from z (-ln σ(z) = softplus(-z)). A :class:`Pair` names the stable kernels
(:mod:`symchain.kernels`) both numeric compilers use for it, and the closed form of δ_j^(L) that
the deriver writes. :func:`check_pair` refuses an output activation whose range leaves the loss's
domain (tanh before binary cross-entropy) unless a pair record defines it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from . import kernels
from .activations import ACTIVATIONS, Activation
from .errors import SpecError
from .kernels import Amax, Kernel, Maximum, Total, Where, a, axis, call, y, z
from .losses import LOSSES, Loss


@dataclass(frozen=True)
class Pair:
    """Fused forms for an output activation and a loss.

    Attributes:
        activation, loss: the names.
        loss_kernel: C_0 from z: for an elementwise activation one output's term from (z, y);
            for a layer activation (softmax) the sum over outputs from (z, y, axis).
        delta_kernel: δ_j^(L) = σ'(z_j)·∂C_0/∂a_j closed: from (z, a, y), or (z, a, y, axis).
        display_delta: δ_j^(L) as the deriver writes it, from the lists a^(L), y and j
            (None: the deriver writes the chain σ'(z)·∂C_0/∂a).
        description: the closed form in words.
        delta_is_residual: δ^(L) = a - y (the matrix form shows it as a second side).
        joint_kernel: (C_0's terms, δ^(L)) from one pass over z and y, sharing the exponentials
            and the residual (for a layer activation C_0 itself, from (z, y, axis)); empty: the
            loss and δ kernels separately.
    """

    activation: str
    loss: str
    loss_kernel: str
    delta_kernel: str
    display_delta: Callable[[list[sp.Symbol], list[sp.Symbol], int], sp.Expr] | None = None
    description: str = ""
    delta_is_residual: bool = False
    joint_kernel: str = ""


def _softmax_cross_entropy(outputs: list[sp.Symbol], targets: list[sp.Symbol], j: int) -> sp.Expr:
    return outputs[j] * sp.Add(*targets) - targets[j]


_r, _w, _m, _e, _s, _rest, _g, _c = (
    sp.Symbol(name, real=True) for name in ("r", "w", "m", "e", "s", "rest", "g", "c")
)
# 1 - y, computed before anything is subtracted from it (0 exactly for y = 1)
_COMPLEMENT = ((_c, 1 - y),)
# Losses of the residual r = a - y: one output's term and ∂C_0/∂a, from r.
_HALF = sp.Rational(1, 2)
_SQUARED = {
    "squared_error": (_r**2, 2 * _r),
    "half_squared_error": (_HALF * _r**2, _r),
    "huber": (Where(sp.Abs(_r) < 1, _HALF * _r**2, sp.Abs(_r) - _HALF),
              Where(sp.Abs(_r) < 1, _r, sp.sign(_r))),
}


def _squared_kernels(
    activation: str, residual: tuple[tuple[sp.Symbol, sp.Expr], ...], prime: sp.Expr
) -> list[Kernel]:
    """C_0's term, δ^(L) and both at once for a bounded activation with a loss of a - y, through
    its exact residual (``residual`` are steps ending in r = a - y)."""
    out = []
    for loss, (term, gradient) in _SQUARED.items():
        name = f"{activation}_{loss}"
        out.append(Kernel(name, (z, y), term, residual))
        out.append(Kernel(f"{name}_delta", (z, a, y), gradient * prime, residual))
        out.append(Kernel(f"{name}_joint", (z, y), sp.Tuple(term, gradient * prime), residual))
    return out


# σ(z) - y from one exp: for z ≥ 0 as (1 - y) - σ(-z), for z < 0 as σ(z) - y (kernels.SIGMOID_*)
# with d = ±1 the direction of z and h = max(d, 0): r = (h - y) - d p, i.e. (1 - y) - p or p - y
_p, _d, _h = kernels.SIGMOID_SMALL_SIDE, kernels.SIGMOID_DIRECTION, sp.Symbol("h", real=True)
_SIGMOID_RESIDUAL = (
    *kernels.SIGMOID_PARTS,
    (_h, Maximum(_d, 0)),
    (_c, _h - y),
    (_r, _c - _d * _p),
)
_e_abs, _q = kernels.SIGMOID_PARTS[0][0], kernels.SIGMOID_PARTS[1][0]
_SIGMOID_PRIME = kernels.SIGMOID_PRIME_FROM_PARTS  # σ'(z) = e q²


# softmax: a_j, and 1 - a_max as the sum of the other entries (no cancellation near 1)
_SOFTMAX_STEPS = (
    (_m, Amax(z, axis)),
    (_e, sp.exp(z - _m)),
    (_s, Total(_e, axis)),
    (_w, _e / _s),
    (_rest, Total(Where(z >= _m, 0, _e), axis) / _s),
    *_COMPLEMENT,
    (_r, Where(_w > sp.Rational(1, 2), _c - _rest, _w - y)),
)


def _softmax_squared_kernels() -> list[Kernel]:
    out = []
    for loss, (term, gradient) in _SQUARED.items():
        out.append(Kernel(f"softmax_{loss}", (z, y, axis), Total(term, axis), _SOFTMAX_STEPS))
        # δ_j = a_j (g_j - Σ_i a_i g_i), for the largest a_j as g_j (1 - a_j) - Σ_{i≠j} a_i g_i
        steps = (*_SOFTMAX_STEPS, (_g, gradient))
        delta = _w * Where(
            _w > sp.Rational(1, 2),
            _g * _rest - Total(Where(z >= _m, 0, _w * _g), axis),
            _g - Total(_w * _g, axis),
        )
        out.append(Kernel(f"softmax_{loss}_delta", (z, a, y, axis), delta, steps))
    return out


# softmax with cross-entropy, loss and δ from one exp: m the row maximum, e = e^(z - m), c the
# number of maxima (e = 1 exactly there), u = Σ_(z_k < m) e_k; Σ_k e_k = c + u.
_u, _k, _total, _gy = (sp.Symbol(name, real=True) for name in ("u", "k", "total", "gy"))
_SOFTMAX_CE_STEPS = (
    (_m, Amax(z, axis)),
    (_s, z - _m),
    (_e, sp.exp(_s)),
    (_k, z >= _m),
    (_c, Total(Where(_k, _e, 0), axis)),
    (_u, Total(Where(_k, 0, _e), axis)),
    (_g, Total(y, axis)),
    (_total, _c + _u),
    (_w, _e / _total),
    (_gy, _g - y),
)
# -Σ_j y_j ln softmax_j(z) = (Σ_j y_j) ln(c + u) - Σ_j y_j (z_j - m), ln(c + u) = ln c + ln(1 + u/c)
_SOFTMAX_CE_LOSS = _g * (sp.log(_c) + log1p(_u / _c)) - Total(y * _s, axis)
# a_j Σ_i y_i - y_j; for the largest a_j as (Σ_i y_i - y_j) - (1 - a_j) Σ_i y_i, 1 - a_j = u/(c + u)
_SOFTMAX_CE_DELTA = Where(_w > sp.Rational(1, 2), _gy - _g * (_u / _total), _g * _w - y)


def _pair_kernels() -> tuple[Kernel, ...]:
    """The kernels of the fused pairs, added to the kernel table when it is first used."""
    return (
        Kernel("sigmoid_bce_delta", (z, a, y), _r, _SIGMOID_RESIDUAL, doc="σ(z) - y"),
        Kernel(
            "sigmoid_bce_joint", (z, y),
            sp.Tuple(Maximum(z, 0) - y * z + log1p(_e_abs), _r), _SIGMOID_RESIDUAL,
            doc="(max(z, 0) - y z + ln(1 + e^(-|z|)), σ(z) - y) from one exp",
        ),
        Kernel("sigmoid_residual", (z, y), _r, _SIGMOID_RESIDUAL,
               doc="σ(z) - y, with 1 - σ(z) = σ(-z) exact for z ≥ 0"),
        Kernel(
            "tanh_residual", (z, y), Where(z >= 0, _c - _w, _w - _g),
            ((_w, 2 * call("sigmoid", -2 * sp.Abs(z))), *_COMPLEMENT, (_g, 1 + y)),
            doc="tanh(z) - y, with 1 - tanh|z| = 2σ(-2|z|) exact",
        ),
        *_squared_kernels("sigmoid", _SIGMOID_RESIDUAL, _SIGMOID_PRIME),
        *_squared_kernels("tanh", ((_r, call("tanh_residual", z, y)),), call("tanh_prime", z)),
        *_softmax_squared_kernels(),
        Kernel("sigmoid_ce", (z, y), y * call("softplus", -z), doc="-y ln σ(z) = y softplus(-z)"),
        Kernel(
            "sigmoid_ce_delta", (z, a, y), -y * call("sigmoid", -z), doc="-y(1 - σ(z)) = -y σ(-z)"
        ),
        Kernel(
            "sigmoid_ce_joint", (z, y),
            sp.Tuple(
                y * (Maximum(-z, 0) + log1p(_e_abs)),
                -y * Maximum(_p, -_q * _d),
            ),
            kernels.SIGMOID_PARTS,
            doc="(y softplus(-z), -y σ(-z)) from one exp",
        ),
        Kernel("softplus_ce", (z, y), -y * call("log_softplus", z), doc="-y ln softplus(z)"),
        Kernel(
            "softplus_ce_delta", (z, a, y), -y * call("sigmoid_over_softplus", z),
            doc="-y σ(z)/softplus(z)",
        ),
        Kernel(
            "softmax_ce", (z, y, axis), _SOFTMAX_CE_LOSS, _SOFTMAX_CE_STEPS,
            doc="-Σ_j y_j ln softmax_j(z) = (Σ_j y_j) ln Σ_k e^(z_k - m) - Σ_j y_j (z_j - m), with "
            "ln Σ_k e^(z_k - m) = ln c + ln(1 + Σ_(z_k < m) e^(z_k - m)/c), c the number of maxima",
        ),
        Kernel(
            "softmax_ce_delta", (z, a, y, axis), _SOFTMAX_CE_DELTA, _SOFTMAX_CE_STEPS,
            doc="a_j Σ_i y_i - y_j; for the largest a_j as (Σ_i y_i - y_j) - (1 - a_j) Σ_i y_i",
        ),
        Kernel(
            "softmax_ce_joint", (z, y, axis), sp.Tuple(_SOFTMAX_CE_LOSS, _SOFTMAX_CE_DELTA),
            _SOFTMAX_CE_STEPS, doc="(C_0, δ^(L)) of softmax with cross-entropy from one exp",
        ),
    )


kernels.extend_table(_pair_kernels)


PAIRS: dict[tuple[str, str], Pair] = {
    (pair.activation, pair.loss): pair
    for pair in (
        Pair(
            "sigmoid", "binary_cross_entropy", "bce_logits", "sigmoid_bce_delta",
            description="δ_j^(L) = a_j^(L) - y_j", delta_is_residual=True,
            joint_kernel="sigmoid_bce_joint",
        ),
        Pair(
            "sigmoid", "cross_entropy", "sigmoid_ce", "sigmoid_ce_delta",
            description="δ_j^(L) = -y_j (1 - a_j^(L))", joint_kernel="sigmoid_ce_joint",
        ),
        Pair(
            "softplus", "cross_entropy", "softplus_ce", "softplus_ce_delta",
            description="δ_j^(L) = -y_j σ(z_j)/a_j^(L)",
        ),
        *(
            Pair(act, loss, f"{act}_{loss}", f"{act}_{loss}_delta",
                 description=f"{act} outputs with {loss}, through the exact residual a - y",
                 joint_kernel=f"{act}_{loss}_joint" if act != "softmax" else "")
            for act in ("sigmoid", "tanh", "softmax")
            for loss in _SQUARED
        ),
        Pair(
            "softmax", "cross_entropy", "softmax_ce", "softmax_ce_delta",
            display_delta=_softmax_cross_entropy,
            description="δ_j^(L) = a_j^(L) Σ_i y_i - y_j, i.e. a_j^(L) - y_j when the targets sum "
            "to 1",
            joint_kernel="softmax_ce_joint",
        ),
    )
}


# The records each pair was written for: a pair applies to those records only (a record
# replaced under the same name, e.g. a loss with another derivative, goes the general way).
_WRITTEN_FOR: dict[tuple[str, str], tuple[Activation, Loss]] = {
    key: (ACTIVATIONS[key[0]], LOSSES[key[1]]) for key in PAIRS
}


def get_pair(activation: Activation, loss: Loss) -> Pair | None:
    """The fused pair record for these records, if there is one."""
    key = (activation.name, loss.name)
    written = _WRITTEN_FOR.get(key)
    if written is None or written[0] is not activation or written[1] is not loss:
        return None
    return PAIRS[key]


def set_text(values: sp.Set) -> str:
    """An interval as on paper: ``(0, 1)``, ``[0, ∞)``, ``ℝ``."""
    if values == sp.S.Reals:
        return "ℝ"
    if isinstance(values, sp.Interval):
        left = "(" if values.left_open or values.start == -sp.oo else "["
        right = ")" if values.right_open or values.end == sp.oo else "]"

        def end(v: sp.Expr) -> str:
            return "∞" if v == sp.oo else "-∞" if v == -sp.oo else str(v)

        return f"{left}{end(values.start)}, {end(values.end)}{right}"
    return str(values)


def fits(activation: Activation, loss: Loss) -> bool:
    """Whether outputs of ``activation`` stay in the domain of ``loss`` (or a pair defines it)."""
    if get_pair(activation, loss) is not None:
        return True
    return bool(activation.output_range.is_subset(loss.domain) is True)


def check_pair(activation: Activation, loss: Loss) -> None:
    """Refuse an output activation whose outputs can leave the loss's domain.

    Raises:
        SpecError: one line naming both, the range and the domain, and the activations that fit.
    """
    if fits(activation, loss):
        return
    fitting = [name for name, act in ACTIVATIONS.items() if fits(act, loss)]
    fitting_losses = [name for name, other in LOSSES.items() if fits(activation, other)]
    raise SpecError(
        f"output activation {activation.name} (outputs in {set_text(activation.output_range)}) "
        f"cannot feed the loss {loss.name} (defined for outputs in {set_text(loss.domain)}); "
        f"output activations that fit {loss.name}: {', '.join(fitting) or 'none'}; "
        f"losses that fit {activation.name}: {', '.join(fitting_losses) or 'none'}"
    )


def record_kernels(activations: tuple[Activation, ...], loss: Loss) -> tuple[Kernel, ...]:
    """The kernels of a network's records outside the shared table (its loss's, and those of
    registered activations)."""
    own = list(loss.own_kernels)
    for activation in activations:
        own.extend(k for k in activation.own_kernels if k not in own)
    return tuple(own)
