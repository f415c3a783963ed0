"""The index form: the general formulas with symbolic widths n_l and explicit sums.

It depends only on the depth, the activations and the loss. Quantities are SymPy ``Indexed``
objects (``w_jk^(l)`` is ``w_l[j, k]``) and sums are ``Sum`` over symbolic ranges, so the form can
be instantiated for concrete widths (substitute n_l, expand the sums, map every ``Indexed`` to the
network's symbol) and compared with the unrolled derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from .. import naming
from ..activations import Activation, get_activation
from ..losses import get_loss
from ..network import Network
from ..nodes import Partial
from ..pairs import get_pair
from ..printing import NotationLatexPrinter, NotationUnicodePrinter
from .document import FormDocument, FormEquation, FormSection, render_form_latex

J = sp.Symbol("j", integer=True, nonnegative=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
M = sp.Symbol("m", integer=True, nonnegative=True)

_BASE_LATEX = {"w": "w", "b": "b", "z": "z", "a": "a", "x": "x", "y": "y", "d": r"\delta"}
_BASE_UNICODE = {"w": "w", "b": "b", "z": "z", "a": "a", "x": "x", "y": "y", "d": "δ"}


def width(layer: int) -> sp.Symbol:
    """n_l, the width of absolute layer ``layer`` (n_0: the inputs)."""
    return sp.Symbol(f"nwidth_{layer}", integer=True, positive=True)


def base(kind: str, layer: int | None = None) -> sp.IndexedBase:
    """The indexed quantity ``kind`` (w, b, z, a, y, d for δ) of an absolute layer."""
    if kind == "a" and layer == 0:
        return sp.IndexedBase("idx_x")
    return sp.IndexedBase(f"idx_{kind}" + ("" if layer is None else f"_{layer}"))


def _parse(name: str) -> tuple[str, int | None]:
    parts = name.split("_")[1:]
    return parts[0], (int(parts[1]) if len(parts) > 1 else None)


class IndexLatexPrinter(NotationLatexPrinter):
    """LaTeX of the index form: ``w_{jk}^{(L)}``, ``n_{L-1}``, ``[m = j]``."""

    _default_settings: dict[str, Any] = {**NotationLatexPrinter._default_settings, "order": "none"}

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:  # noqa: N802
        # products and sums over indices keep the order written (Σ_k w_jk a_k + b_j); other
        # sums print as SymPy orders them (a_j - y_j)
        return str(super()._print_Add(expr, "none" if expr.has(sp.Sum) else "lex"))

    def _print_Indexed(self, expr: sp.Indexed) -> str:  # noqa: N802
        kind, layer = _parse(expr.base.label.name)
        indices = naming.index_text(tuple(self._print(i) for i in expr.indices))
        text = f"{_BASE_LATEX[kind]}_{{{indices}}}"
        if layer is not None:
            text += f"^{{({self.notation.layer_text(layer)})}}"
        return text

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802
        if expr.name.startswith("nwidth_"):
            layer = int(expr.name.split("_")[1])
            return "n_{0}" if layer == 0 else f"n_{{{self.notation.layer_text(layer)}}}"
        return super()._print_Symbol(expr, style)

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: Any = None) -> str:  # noqa: N802
        return f"[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"


class IndexUnicodePrinter(NotationUnicodePrinter):
    """Unicode of the index form: ``w⁽ᴸ⁾ⱼₖ``, ``n_(L-1)``, ``[m = j]``."""

    _default_settings: dict[str, Any] = {**NotationUnicodePrinter._default_settings,
                                         "order": "none"}

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:  # noqa: N802
        return str(super()._print_Add(expr, "none" if expr.has(sp.Sum) else "lex"))

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed prints itself (_sympystr) otherwise
            return self._print_Indexed(expr)
        return str(super()._print(expr, **kwargs))

    def _print_Indexed(self, expr: sp.Indexed) -> str:  # noqa: N802
        kind, layer = _parse(expr.base.label.name)
        indices = naming.index_text(tuple(self._print(i) for i in expr.indices))
        text = _BASE_UNICODE[kind]
        if layer is not None:
            text += naming.unicode_superscript(f"({self.notation.layer_text(layer)})")
        return text + naming.unicode_subscript(indices).replace("m", "ₘ")

    def _print_Symbol(self, expr: sp.Symbol) -> str:  # noqa: N802
        if expr.name.startswith("nwidth_"):
            layer = int(expr.name.split("_")[1])
            return "n₀" if layer == 0 else f"n_({self.notation.layer_text(layer)})"
        return super()._print_Symbol(expr)

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta) -> str:  # noqa: N802
        return f"[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"


@dataclass(frozen=True)
class IndexEquation:
    """``lhs = sides[0] = ...``; ``sides[value]`` is the side that holds for every input."""

    name: str
    layer: int
    lhs: sp.Expr
    sides: tuple[sp.Expr, ...]
    note: str = ""
    value: int = -1

    @property
    def exact(self) -> sp.Expr:
        return self.sides[self.value]


@dataclass(frozen=True)
class IndexForm:
    """The index form of a network of a given depth, activations and loss (any widths)."""

    depth: int
    activations: tuple[str, ...]
    loss: str
    equations: tuple[IndexEquation, ...]

    def latex(self, style: str = "relative") -> str:
        """The whole form as amsmath LaTeX, as ``symchain derive --form index --format latex``."""
        return render_form_latex(index_document(self.depth, self.activations, self.loss, style))

    def find(self, name: str, layer: int) -> IndexEquation:
        for equation in self.equations:
            if equation.name == name and equation.layer == layer:
                return equation
        raise KeyError((name, layer))


def _mul(*args: sp.Expr) -> sp.Expr:
    """A product kept in the order written."""
    return sp.Mul(*args, evaluate=False)


def _sum(body: sp.Expr, index: sp.Symbol, layer: int) -> sp.Sum:
    return sp.Sum(body, (index, 0, sp.Add(width(layer), sp.S.NegativeOne, evaluate=False)))


def _apply(act: Activation, z: sp.Expr, layer: int, j: sp.Symbol) -> sp.Expr:
    if act.vector is None:
        return act.apply(z)
    zl = base("z", layer)
    return sp.exp(zl[j]) / _sum(sp.exp(zl[M]), M, layer)


def index_form(depth: int, activations: tuple[str, ...], loss_name: str) -> IndexForm:
    """The general formulas for a network of ``depth`` layers (widths stay symbolic)."""
    acts = [get_activation(a) for a in activations]
    loss = get_loss(loss_name)
    L = depth
    C0 = naming.SAMPLE_LOSS
    eqs: list[IndexEquation] = []
    for layer in range(1, L + 1):
        w, b, z, a_prev = base("w", layer), base("b", layer), base("z", layer), base("a", layer - 1)
        affine = sp.Add(_sum(_mul(w[J, K], a_prev[K]), K, layer - 1), b[J], evaluate=False)
        eqs.append(IndexEquation("z", layer, z[J], (affine,)))
        eqs.append(IndexEquation("a", layer, base("a", layer)[J],
                                 (_apply(acts[layer - 1], z[J], layer, J),)))
    aL, y = base("a", L), base("y")
    eqs.append(IndexEquation("C0", L, C0, (_sum(loss.term(aL[J], y[J]), J, L),)))

    # ∂C_0/∂a_j^(L) and δ_j^(L)
    eqs.append(IndexEquation("dC0/da", L, Partial(C0, aL[J]), (loss.derivative(aL[J], y[J]),)))
    zL, dL = base("z", L), base("d", L)
    out = acts[L - 1]
    if out.vector is None:
        eqs.append(
            IndexEquation(
                "delta", L, dL[J],
                (Partial(C0, zL[J]), _mul(Partial(aL[J], zL[J]), Partial(C0, aL[J])),
                 _mul(out.derivative(zL[J]), loss.derivative(aL[J], y[J]))),
            )
        )
    else:
        g = loss.derivative(aL[M], y[M])
        chain = _sum(_mul(Partial(aL[M], zL[J]), Partial(C0, aL[M])), M, L)
        jac = _mul(aL[M], sp.KroneckerDelta(M, J) - aL[J])
        general = _mul(aL[J], loss.derivative(aL[J], y[J]) - _sum(_mul(aL[M], g), M, L))
        pair = get_pair(out, loss)
        if pair is not None and pair.display_delta is not None:  # softmax with cross-entropy
            exact = sp.Add(_mul(aL[J], _sum(y[M], M, L)), -y[J], evaluate=False)
            eqs.append(
                IndexEquation(
                    "delta", L, dL[J],
                    (Partial(C0, zL[J]), chain, _sum(_mul(jac, g), M, L), exact,
                     sp.Add(aL[J], -y[J], evaluate=False)),
                    "the last form when the targets sum to 1", value=3,
                )
            )
        else:
            eqs.append(
                IndexEquation("delta", L, dL[J],
                              (Partial(C0, zL[J]), chain, _sum(_mul(jac, g), M, L), general))
            )

    # the recursion: ∂C_0/∂a_k^(l) and δ_k^(l) for l = L-1 .. 1
    for layer in range(L - 1, 0, -1):
        nxt = layer + 1
        a, z, d = base("a", layer), base("z", layer), base("d", layer)
        w_next, z_next, a_next, d_next = (base("w", nxt), base("z", nxt), base("a", nxt),
                                          base("d", nxt))
        leibniz = _sum(
            _mul(Partial(z_next[J], a[K]), Partial(a_next[J], z_next[J]), Partial(C0, a_next[J])),
            J, nxt,
        )
        sides: list[sp.Expr] = [leibniz]
        if acts[nxt - 1].vector is None:
            sides.append(_sum(_mul(w_next[J, K], acts[nxt - 1].derivative(z_next[J]),
                                   Partial(C0, a_next[J])), J, nxt))
        else:
            sides = [_sum(_mul(Partial(z_next[J], a[K]), Partial(C0, z_next[J])), J, nxt)]
        sides.append(_sum(_mul(w_next[J, K], d_next[J]), J, nxt))
        eqs.append(IndexEquation("dC0/da", layer, Partial(C0, a[K]), tuple(sides)))
        eqs.append(
            IndexEquation(
                "delta", layer, d[K],
                (_mul(Partial(a[K], z[K]), Partial(C0, a[K])),
                 _mul(acts[layer - 1].derivative(z[K]),
                      _sum(_mul(w_next[J, K], d_next[J]), J, nxt))),
            )
        )

    # the gradients, per sample and over a batch
    i, n = naming.SAMPLE_INDEX, naming.BATCH_SIZE
    for layer in range(L, 0, -1):
        w, b, z, d, a_prev = (base("w", layer), base("b", layer), base("z", layer),
                              base("d", layer), base("a", layer - 1))
        eqs.append(
            IndexEquation(
                "dC0/dw", layer, Partial(C0, w[J, K]),
                (_mul(Partial(z[J], w[J, K]), Partial(C0, z[J])), _mul(a_prev[K], d[J])),
            )
        )
        eqs.append(
            IndexEquation("dC0/db", layer, Partial(C0, b[J]),
                          (_mul(Partial(z[J], b[J]), Partial(C0, z[J])), d[J]))
        )
        sampled_a = sp.IndexedBase(base("a", layer - 1).label.name + "_s")
        sampled_d = sp.IndexedBase(base("d", layer).label.name + "_s")
        eqs.append(
            IndexEquation(
                "dC/dw", layer, Partial(naming.BATCH_LOSS, w[J, K]),
                (_mul(1 / n, sp.Sum(_mul(sampled_a[K, i], sampled_d[J, i]), (i, 0, n - 1))),),
            )
        )
    return IndexForm(depth, tuple(activations), loss_name, tuple(eqs))


class _SampledLatex(IndexLatexPrinter):
    def _print_Indexed(self, expr: sp.Indexed) -> str:  # noqa: N802
        name = expr.base.label.name
        if not name.endswith("_s"):
            return super()._print_Indexed(expr)
        kind, layer = _parse(name[:-2])
        index = self._print(expr.indices[0])
        text = f"{_BASE_LATEX[kind]}_{{{index}}}"
        label = f"({self.notation.layer_text(layer)})" if layer is not None else ""
        return text + f"^{{{label}[{self._print(expr.indices[1])}]}}"


class _SampledUnicode(IndexUnicodePrinter):
    def _print_Indexed(self, expr: sp.Indexed) -> str:  # noqa: N802
        name = expr.base.label.name
        if not name.endswith("_s"):
            return super()._print_Indexed(expr)
        kind, layer = _parse(name[:-2])
        label = f"({self.notation.layer_text(layer)})" if layer is not None else ""
        text = _BASE_UNICODE[kind] + naming.unicode_superscript(label)
        return text + naming.unicode_subscript(self._print(expr.indices[0])) + (
            f"[{self._print(expr.indices[1])}]"
        )


_TITLES = {
    "z": "Forward pass", "a": "Forward pass", "C0": "Forward pass",
    "dC0/da": "Backward pass: error terms", "delta": "Backward pass: error terms",
    "dC0/dw": "Gradients", "dC0/db": "Gradients", "dC/dw": "Gradients",
}


def index_document(
    depth: int, activations: tuple[str, ...], loss: str, style: str = "relative"
) -> FormDocument:
    """The index form as a document (independent of the widths)."""
    form = index_form(depth, activations, loss)
    notation = naming.Notation((1,) * (depth + 1), style)
    latex = _SampledLatex({"notation": notation})
    uni = _SampledUnicode({"notation": notation})
    sections: dict[str, list[FormEquation]] = {}
    for eq in form.equations:
        sides_l = [latex.doprint(eq.lhs)] + [latex.doprint(s) for s in eq.sides]
        sides_u = [uni.doprint(eq.lhs)] + [uni.doprint(s) for s in eq.sides]
        sections.setdefault(_TITLES[eq.name], []).append(
            FormEquation(" = ".join(sides_l), " = ".join(sides_u), eq.note, eq.name)
        )
    acts = ", ".join(dict.fromkeys(activations))
    return FormDocument(
        "index",
        f"index form, {depth} layers, activation {acts}, loss {loss}, {style} notation "
        "(any widths n_l)",
        tuple(FormSection(title, tuple(eqs)) for title, eqs in sections.items()),
        {"depth": depth, "activations": list(activations), "loss": loss, "notation": style},
    )


def network_index_document(network: Network, style: str = "relative") -> FormDocument:
    """The index form for a network's depth, activations and loss."""
    return index_document(network.depth, network.spec.activations, network.spec.loss, style)


def instantiate(expr: sp.Expr, network: Network, indices: dict[sp.Symbol, int]) -> sp.Expr:
    """``expr`` for the network's widths with ``j``, ``k`` fixed: sums expanded, symbols mapped."""
    widths = {width(layer): n for layer, n in enumerate(network.widths)}
    concrete = expr.xreplace({**widths, **{s: sp.Integer(v) for s, v in indices.items()}})
    concrete = concrete.doit()
    return concrete.replace(lambda e: isinstance(e, sp.Indexed), lambda e: _symbol(e, network))


def _symbol(expr: sp.Indexed, network: Network) -> sp.Symbol:
    kind, layer = _parse(expr.base.label.name)
    idx = [int(i) for i in expr.indices]
    if kind == "w":
        assert layer is not None
        return network.w(layer, idx[0], idx[1])
    if kind == "x":
        return network.x(idx[0])
    if kind == "y":
        return network.y(idx[0])
    assert layer is not None
    if kind == "d":
        return naming.error(layer, idx[0])
    return {"b": network.b, "z": network.z, "a": network.a}[kind](layer, idx[0])
