"""The matrix form: BP1–BP4 for the network at hand, built structurally from the layer rules.

Nothing here asks SymPy for matrix calculus (its ``.diff(W)`` is unreliable, see FACTS.md): each
equation is assembled from the activation's derivative and the loss's gradient as a small tree
of matrix operations (product, transpose, Hadamard ⊙, elementwise function), which is printed in
LaTeX/Unicode and can be instantiated as explicit SymPy matrices of the network's own symbols, so
tests compare it entry by entry with the unrolled derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import singledispatch

import sympy as sp

from .. import naming
from ..activations import Activation
from ..losses import LOSSES, Loss
from ..network import Network
from ..pairs import get_pair
from .document import FormDocument, FormEquation, FormSection, render_form_latex

# Matrices of SymPy expressions (explicit instantiation) by variable.
Env = dict["Var", sp.Matrix]

_LATEX = {
    "W": "W", "b": "b", "z": "z", "a": "a", "y": "y", "delta": r"\delta", "grad": r"\nabla_{a} C_0",
    "Z": "Z", "A": "A", "Y": "Y", "Delta": r"\Delta", "x": "x", "X": "X",
}
_UNICODE = {
    "W": "W", "b": "b", "z": "z", "a": "a", "y": "y", "delta": "δ", "grad": "∇ₐC₀",
    "Z": "Z", "A": "A", "Y": "Y", "Delta": "Δ", "x": "x", "X": "X",
}


@dataclass(frozen=True)
class Var:
    """A named matrix or vector: ``W`` of a layer, ``a`` (``a`` of layer 0 is ``x``), ``y``..."""

    kind: str
    layer: int | None = None


@dataclass(frozen=True)
class Apply:
    """σ or σ' of an activation, elementwise (softmax: of the whole vector)."""

    activation: Activation
    derivative: bool
    arg: Node


@dataclass(frozen=True)
class MatMul:
    left: Node
    right: Node


@dataclass(frozen=True)
class Hadamard:
    left: Node
    right: Node


@dataclass(frozen=True)
class Transpose:
    arg: Node


@dataclass(frozen=True)
class Plus:
    left: Node
    right: Node


@dataclass(frozen=True)
class Minus:
    left: Node
    right: Node


@dataclass(frozen=True)
class Scaled:
    """A number times a matrix (``2(a - y)``, ``(1/n) Δ Aᵀ``)."""

    coefficient: sp.Rational
    arg: Node
    symbol: str = ""  # "n" for 1/n (a batch), else empty


@dataclass(frozen=True)
class ScalarTimes:
    """A 1×1 product (``1ᵀ y``, ``aᵀ g``) times a vector."""

    vector: Node
    scalar: Node


@dataclass(frozen=True)
class Ones:
    """The column of ones (of the output width, or of the batch size)."""

    batch: bool = False


@dataclass(frozen=True)
class Elementwise:
    """An elementwise SymPy function: ``log``, ``1 - ·``, reciprocal (``name`` picks it)."""

    name: str
    arg: Node


@dataclass(frozen=True)
class LossTerms:
    """Σ_j ℓ(a_j, y_j) of a loss with no vector form of its own: ``𝟏ᵀ ℓ(a, y)``."""

    loss: Loss
    a: Node
    y: Node


Node = (
    Var | Apply | MatMul | Hadamard | Transpose | Plus | Minus | Scaled | ScalarTimes | Ones
    | Elementwise | LossTerms
)


@dataclass(frozen=True)
class Printer:
    """Names in the network's notation (relative or absolute layers), in LaTeX or Unicode."""

    notation: naming.Notation
    latex: bool

    def var(self, var: Var) -> str:
        if var.kind in ("a", "A") and var.layer == 0:
            return "x" if var.kind == "a" else "X"
        base = (_LATEX if self.latex else _UNICODE)[var.kind]
        if var.layer is None:
            return base
        label = f"({self.notation.layer_text(var.layer)})"
        if self.latex:
            return f"{base}^{{{label}}}"
        return base + naming.unicode_superscript(label)


_PRECEDENCE = {Plus: 1, Minus: 1, Hadamard: 2, MatMul: 2, Scaled: 2, ScalarTimes: 2}


@singledispatch
def show(node: object, p: Printer) -> str:
    """A node as LaTeX or Unicode."""
    raise TypeError(f"no printing rule for {type(node).__name__}")


@show.register
def _(node: Var, p: Printer) -> str:
    return p.var(node)


@show.register
def _(node: Apply, p: Printer) -> str:
    act = node.activation
    name = act.latex if p.latex else act.unicode
    if not name:  # the identity
        return "1" if node.derivative else show(node.arg, p)
    prime = "'" if node.derivative else ""
    return f"{name}{prime}({show(node.arg, p)})"


def _binary(node: MatMul | Hadamard | Plus | Minus, p: Printer, op: str) -> str:
    return f"{_side(node.left, p, type(node))}{op}{_side(node.right, p, type(node))}"


def _side(node: Node, p: Printer, parent: type) -> str:
    """A child's text, in parentheses where the parent binds more tightly."""
    text = show(node, p)
    needs = isinstance(node, Plus | Minus) and parent is not Plus
    needs = needs or (parent is Hadamard and isinstance(node, MatMul | ScalarTimes))
    needs = needs or (parent is MatMul and isinstance(node, Hadamard | ScalarTimes))
    needs = needs or (parent is Minus and isinstance(node, Scaled) and text.startswith("-"))
    if needs:
        return rf"\left({text}\right)" if p.latex else f"({text})"
    return text


@show.register
def _(node: MatMul, p: Printer) -> str:
    return _binary(node, p, " ")


@show.register
def _(node: Hadamard, p: Printer) -> str:
    return _binary(node, p, r" \odot " if p.latex else " ⊙ ")


@show.register
def _(node: Plus, p: Printer) -> str:
    return _binary(node, p, " + ")


@show.register
def _(node: Minus, p: Printer) -> str:
    return f"{show(node.left, p)} - {_side(node.right, p, Minus)}"


@show.register
def _(node: Transpose, p: Printer) -> str:
    text = show(node.arg, p)
    if isinstance(node.arg, Ones):
        pass
    elif not isinstance(node.arg, Var):
        text = rf"\left({text}\right)" if p.latex else f"({text})"
    elif "^" in text and p.latex:
        text = rf"\left({text}\right)"
    elif p.latex is False and "⁾" in text:
        text = f"({text})"
    return text + (r"^{\top}" if p.latex else "ᵀ")


@show.register
def _(node: Scaled, p: Printer) -> str:
    arg = _side(node.arg, p, Scaled)
    if node.symbol:
        return (rf"\frac{{1}}{{{node.symbol}}} " if p.latex else f"(1/{node.symbol}) ") + arg
    c = node.coefficient
    if c == -1:
        return "-" + arg
    if c.q == 1:
        return f"{c.p}{arg}" if not arg[:1].isdigit() else f"{c.p} \\cdot {arg}"
    return (rf"\frac{{{c.p}}}{{{c.q}}} " if p.latex else f"({c.p}/{c.q}) ") + arg


@show.register
def _(node: ScalarTimes, p: Printer) -> str:
    scalar = show(node.scalar, p)
    vector = _side(node.vector, p, ScalarTimes)
    return rf"{vector} \left({scalar}\right)" if p.latex else f"{vector} ({scalar})"


@show.register
def _(node: Ones, p: Printer) -> str:
    return r"\mathbf{1}" if p.latex else "𝟏"


@show.register
def _(node: Elementwise, p: Printer) -> str:
    arg = show(node.arg, p)
    if node.name == "log":
        return rf"\ln\left({arg}\right)" if p.latex else f"ln({arg})"
    if node.name == "one_minus":
        inner = _side(node.arg, p, Minus)
        return f"\\mathbf{{1}} - {inner}" if p.latex else f"𝟏 - {inner}"
    if node.name == "reciprocal_product":  # y ⊘ a
        raise TypeError("reciprocal_product is printed by its parent")
    raise TypeError(f"no printing rule for elementwise {node.name}")


@show.register
def _(node: LossTerms, p: Printer) -> str:
    loss = node.loss
    name = (loss.latex or rf"\operatorname{{{loss.name}}}") if p.latex else (
        loss.unicode or loss.name)
    ones = show(Transpose(Ones()), p)
    return f"{ones} {name}({show(node.a, p)}, {show(node.y, p)})"


# Explicit instantiation ------------------------------------------------------------------------
@singledispatch
def explicit(node: object, env: Env) -> sp.Matrix:
    """The node as an explicit SymPy matrix of the network's symbols."""
    raise TypeError(f"no instantiation rule for {type(node).__name__}")


@explicit.register
def _(node: Var, env: Env) -> sp.Matrix:
    return env[node]


@explicit.register
def _(node: Apply, env: Env) -> sp.Matrix:
    arg = explicit(node.arg, env)
    act = node.activation
    if act.vector is not None:
        zs = list(arg)
        return sp.Matrix([act.vector(zs, j) for j in range(len(zs))])
    rule = act.derivative if node.derivative else act.apply
    return arg.applyfunc(rule)


@explicit.register
def _(node: MatMul, env: Env) -> sp.Matrix:
    return explicit(node.left, env) * explicit(node.right, env)


@explicit.register
def _(node: Hadamard, env: Env) -> sp.Matrix:
    return explicit(node.left, env).multiply_elementwise(explicit(node.right, env))


@explicit.register
def _(node: Transpose, env: Env) -> sp.Matrix:
    return explicit(node.arg, env).T


@explicit.register
def _(node: Plus, env: Env) -> sp.Matrix:
    return explicit(node.left, env) + explicit(node.right, env)


@explicit.register
def _(node: Minus, env: Env) -> sp.Matrix:
    return explicit(node.left, env) - explicit(node.right, env)


@explicit.register
def _(node: Scaled, env: Env) -> sp.Matrix:
    coefficient = 1 / naming.BATCH_SIZE if node.symbol else node.coefficient
    return explicit(node.arg, env) * coefficient


@explicit.register
def _(node: ScalarTimes, env: Env) -> sp.Matrix:
    scalar = explicit(node.scalar, env)
    return explicit(node.vector, env) * scalar[0, 0]


@explicit.register
def _(node: Ones, env: Env) -> sp.Matrix:
    return env[Var("ones")]


@explicit.register
def _(node: LossTerms, env: Env) -> sp.Matrix:
    outputs, targets = explicit(node.a, env), explicit(node.y, env)
    terms = [node.loss.term(a, y) for a, y in zip(outputs, targets, strict=True)]
    return sp.Matrix([[sp.Add(*terms)]])


@explicit.register
def _(node: Elementwise, env: Env) -> sp.Matrix:
    arg = explicit(node.arg, env)
    if node.name == "log":
        return arg.applyfunc(sp.log)
    if node.name == "one_minus":
        return arg.applyfunc(lambda e: 1 - e)
    raise TypeError(f"no instantiation rule for elementwise {node.name}")


# The loss rules: C_0 and ∇_a C_0 in vector form -------------------------------------------------
@dataclass(frozen=True)
class VectorLoss:
    """A loss in vector form: C_0 and ∇_a C_0 as nodes of a = a^(L) and y."""

    value: Callable[[Node, Node], Node]
    gradient: Callable[[Node, Node], Node]


def _squared(a: Node, y: Node) -> Node:
    return MatMul(Transpose(Minus(a, y)), Minus(a, y))


VECTOR_LOSSES: dict[str, VectorLoss] = {
    "squared_error": VectorLoss(_squared, lambda a, y: Scaled(sp.Integer(2), Minus(a, y))),
    "half_squared_error": VectorLoss(
        lambda a, y: Scaled(sp.Rational(1, 2), _squared(a, y)), lambda a, y: Minus(a, y)
    ),
    "binary_cross_entropy": VectorLoss(
        lambda a, y: Scaled(
            sp.Integer(-1),
            Plus(
                MatMul(Transpose(y), Elementwise("log", a)),
                MatMul(Transpose(Elementwise("one_minus", y)),
                       Elementwise("log", Elementwise("one_minus", a))),
            ),
        ),
        lambda a, y: Var("grad"),
    ),
    "cross_entropy": VectorLoss(
        lambda a, y: Scaled(sp.Integer(-1), MatMul(Transpose(y), Elementwise("log", a))),
        lambda a, y: Var("grad"),
    ),
}


def vector_loss(loss: Loss) -> VectorLoss:
    """The vector form of a loss; a loss without one is 𝟏ᵀ ℓ(a, y) with ∇_a C_0 elementwise."""
    rule = VECTOR_LOSSES.get(loss.name)
    if rule is not None and LOSSES.get(loss.name) is loss:
        return rule
    return VectorLoss(lambda a, y: LossTerms(loss, a, y), lambda a, y: Var("grad"))


@dataclass(frozen=True)
class MatrixEquation:
    """``lhs = sides[0] = sides[1] ...``; ``exact`` is the side that holds for every input."""

    name: str
    lhs: Node
    sides: tuple[Node, ...]
    note: str = ""
    exact: int = -1

    @property
    def value(self) -> Node:
        return self.sides[self.exact]


@dataclass(frozen=True)
class MatrixForm:
    """The matrix form of a network: forward pass, BP1–BP4 per sample, and over a batch."""

    network: Network
    forward: tuple[MatrixEquation, ...]
    backward: tuple[MatrixEquation, ...]
    batch: tuple[MatrixEquation, ...]

    def latex(self, style: str = "relative") -> str:
        """The whole form as amsmath LaTeX, as ``symchain derive --form matrix --format latex``."""
        return render_form_latex(matrix_document(self.network, style))

    @property
    def equations(self) -> tuple[MatrixEquation, ...]:
        return self.forward + self.backward + self.batch


def _derivative_factor(act: Activation, z: Node) -> Node | None:
    """σ'(z) as a node, or None for the identity (whose derivative is 1)."""
    return None if act.name == "linear" else Apply(act, True, z)


def _hadamard(left: Node, right: Node | None) -> Node:
    return left if right is None else Hadamard(left, right)


def _output_error(network: Network, batch: bool) -> tuple[MatrixEquation, ...]:
    """BP1: δ^(L) from the loss gradient and the output activation."""
    L = network.depth
    act = network.activation_of(L)
    a_kind, z_kind, y_kind, d_kind = ("A", "Z", "Y", "Delta") if batch else ("a", "z", "y", "delta")
    a, z, y, d = Var(a_kind, L), Var(z_kind, L), Var(y_kind), Var(d_kind, L)
    grad = vector_loss(network.loss).gradient(a, y)
    name = "BP1" if not batch else "BP1 (batch)"
    pair = get_pair(act, network.loss)
    if pair is not None and pair.display_delta is not None:  # softmax with cross-entropy
        ones_y = MatMul(Transpose(Ones(batch=False)), y)
        exact = Minus(ScalarTimes(a, ones_y), y) if not batch else None
        if batch:  # columns: Δ = A ⊙ (1 1ᵀ Y) - Y, written with the simplified form
            return (
                MatrixEquation(name, d, (Minus(a, y),), "the targets of each sample sum to 1"),
            )
        assert exact is not None
        return (
            MatrixEquation(
                name, d, (exact, Minus(a, y)), "the last form when the targets sum to 1", 0
            ),
        )
    if not act.elementwise:  # Jᵀ g with J = diag(a) - a aᵀ, column by column
        inner = MatMul(Ones(), MatMul(Transpose(Ones()), Hadamard(a, grad)))
        return (MatrixEquation(name, d, (Hadamard(a, Minus(grad, inner)),)),)
    if pair is not None and pair.delta_is_residual:  # sigmoid with binary cross-entropy
        return (
            MatrixEquation(
                name, d, (Hadamard(grad, Apply(act, True, z)), Minus(a, y)), "", 0
            ),
        )
    return (MatrixEquation(name, d, (_hadamard(grad, _derivative_factor(act, z)),)),)


def matrix_form(network: Network) -> MatrixForm:
    """BP1–BP4 for ``network``, per sample and over a batch with samples as columns."""
    L = network.depth
    forward: list[MatrixEquation] = []
    for layer in range(1, L + 1):
        act = network.activation_of(layer)
        z, a = Var("z", layer), Var("a", layer)
        affine = Plus(MatMul(Var("W", layer), Var("a", layer - 1)), Var("b", layer))
        forward.append(MatrixEquation("forward", z, (affine,)))
        forward.append(MatrixEquation("forward", a, (Apply(act, False, z),)))
    loss_rule = vector_loss(network.loss)
    forward.append(MatrixEquation("loss", Var("C0"), (loss_rule.value(Var("a", L), Var("y")),)))

    backward: list[MatrixEquation] = list(_output_error(network, batch=False))
    for layer in range(L - 1, 0, -1):
        act = network.activation_of(layer)
        back = MatMul(Transpose(Var("W", layer + 1)), Var("delta", layer + 1))
        backward.append(
            MatrixEquation(
                "BP2",
                Var("delta", layer),
                (_hadamard(back, _derivative_factor(act, Var("z", layer))),),
            )
        )
    for layer in range(L, 0, -1):
        backward.append(MatrixEquation("BP3", Var("dC0/db", layer), (Var("delta", layer),)))
        backward.append(
            MatrixEquation(
                "BP4",
                Var("dC0/dW", layer),
                (MatMul(Var("delta", layer), Transpose(Var("a", layer - 1))),),
            )
        )

    batch: list[MatrixEquation] = []
    for layer in range(1, L + 1):
        act = network.activation_of(layer)
        Z = Var("Z", layer)
        affine = Plus(
            MatMul(Var("W", layer), Var("A", layer - 1)),
            MatMul(Var("b", layer), Transpose(Ones(batch=True))),
        )
        batch.append(MatrixEquation("forward (batch)", Z, (affine,)))
        batch.append(MatrixEquation("forward (batch)", Var("A", layer), (Apply(act, False, Z),)))
    batch.extend(_output_error(network, batch=True))
    for layer in range(L - 1, 0, -1):
        act = network.activation_of(layer)
        back = MatMul(Transpose(Var("W", layer + 1)), Var("Delta", layer + 1))
        batch.append(
            MatrixEquation(
                "BP2 (batch)",
                Var("Delta", layer),
                (_hadamard(back, _derivative_factor(act, Var("Z", layer))),),
            )
        )
    for layer in range(L, 0, -1):
        batch.append(
            MatrixEquation(
                "BP3 (batch)",
                Var("dC/db", layer),
                (Scaled(sp.Integer(1), MatMul(Var("Delta", layer), Ones(batch=True)), "n"),),
            )
        )
        batch.append(
            MatrixEquation(
                "BP4 (batch)",
                Var("dC/dW", layer),
                (Scaled(sp.Integer(1), MatMul(Var("Delta", layer), Transpose(Var("A", layer - 1))),
                        "n"),),
            )
        )
    return MatrixForm(network, tuple(forward), tuple(backward), tuple(batch))


# Printing the form -----------------------------------------------------------------------------
def _lhs(var: Var, p: Printer) -> str:
    if var.kind == "C0":
        return "C_0" if p.latex else "C₀"
    if "/" in var.kind:
        top, bottom = var.kind.split("/")
        top = top[1:]
        top_text = {"C0": "C_0" if p.latex else "C₀", "C": "C"}[top]
        inner = p.var(Var(bottom[1:], var.layer))
        if p.latex:
            return rf"\frac{{\partial {top_text}}}{{\partial {inner}}}"
        return f"∂{top_text}/∂{inner}"
    return p.var(var)


def _grad_definition(network: Network, p: Printer) -> str | None:
    """∇_a C_0 written out when the loss gradient is not a simple expression of a and y."""
    loss = network.spec.loss
    a = p.var(Var("a", network.depth))
    if loss == "binary_cross_entropy":
        if p.latex:
            return rf"\nabla_{{a}} C_0 = \left({a} - y\right) \oslash \left({a} \odot \left("\
                rf"\mathbf{{1}} - {a}\right)\right)"
        return f"∇ₐC₀ = ({a} - y) ⊘ ({a} ⊙ (𝟏 - {a}))"
    if loss == "cross_entropy":
        return rf"\nabla_{{a}} C_0 = -y \oslash {a}" if p.latex else f"∇ₐC₀ = -y ⊘ {a}"
    record = network.loss
    if VECTOR_LOSSES.get(loss) is None or LOSSES.get(loss) is not record:  # a registered loss
        name = (record.latex or rf"\operatorname{{{loss}}}") if p.latex else (
            record.unicode or loss)
        if p.latex:
            return rf"\nabla_{{a}} C_0 = {name}'\left({a}, y\right)"
        return f"∇ₐC₀ = {name}'({a}, y)"
    return None


def _equation(eq: MatrixEquation, p: Printer) -> str:
    sides = [_lhs(eq.lhs, p) if isinstance(eq.lhs, Var) else show(eq.lhs, p)]
    sides.extend(show(side, p) for side in eq.sides)
    return " = ".join(sides)


def _dimensions(network: Network, p: Printer) -> FormEquation:
    parts_latex, parts_unicode = [], []
    for layer in range(1, network.depth + 1):
        rows, cols = network.widths[layer], network.widths[layer - 1]
        W = Var("W", layer)
        parts_latex.append(rf"{Printer(p.notation, True).var(W)} \in \mathbb{{R}}^{{{rows} "
                           rf"\times {cols}}}")
        parts_unicode.append(f"{Printer(p.notation, False).var(W)} ∈ ℝ^({rows}×{cols})")
    return FormEquation(r",\quad ".join(parts_latex), ", ".join(parts_unicode), "",
                        "dimensions")


def matrix_document(network: Network, style: str = "relative") -> FormDocument:
    """The matrix form as a document (LaTeX and Unicode per equation)."""
    form = matrix_form(network)
    notation = naming.Notation(network.widths, style)
    lp, up = Printer(notation, True), Printer(notation, False)

    def section(title: str, eqs: tuple[MatrixEquation, ...]) -> FormSection:
        rendered = [
            FormEquation(_equation(eq, lp), _equation(eq, up), eq.note, eq.name) for eq in eqs
        ]
        return FormSection(title, tuple(rendered))

    grad = [
        FormEquation(text_l, text_u, "", "loss gradient")
        for text_l, text_u in [(_grad_definition(network, lp), _grad_definition(network, up))]
        if text_l is not None and text_u is not None
    ]
    backward = section("Backpropagation, one sample (BP1–BP4)", form.backward)
    backward = FormSection(backward.title, tuple(grad) + backward.equations)
    widths = "-".join(map(str, network.widths))
    acts = ", ".join(dict.fromkeys(network.spec.activations))
    return FormDocument(
        "matrix",
        f"matrix form, network {widths}, activation {acts}, loss {network.spec.loss}, "
        f"{style} notation",
        (
            FormSection("Dimensions", (_dimensions(network, lp),)),
            section("Forward pass, one sample (column vectors)", form.forward),
            backward,
            section("Over a batch of n samples (samples as columns)", form.batch),
        ),
        {"layers": list(network.widths), "activations": list(network.spec.activations),
         "loss": network.spec.loss, "notation": style},
    )


def unicode_equations(network: Network, style: str = "absolute") -> tuple[list[str], str]:
    """The batch equations and C_0's definition in Unicode, for code comments (cheap: no LaTeX)."""
    form = matrix_form(network)
    printer = Printer(naming.Notation(network.widths, style), False)
    batch = [_equation(eq, printer) for eq in form.batch]
    loss = _equation(form.forward[-1], printer).split(" = ", 1)[1]
    return batch, loss


# Instantiation for concrete widths ---------------------------------------------------------------
def sample_environment(network: Network) -> Env:
    """Every per-sample matrix variable as an explicit matrix of the network's symbols."""
    env: Env = {}
    widths = network.widths
    for layer in range(0, network.depth + 1):
        env[Var("a", layer)] = sp.Matrix([network.a(layer, j) for j in range(widths[layer])])
        if layer == 0:
            continue
        env[Var("z", layer)] = sp.Matrix([network.z(layer, j) for j in range(widths[layer])])
        env[Var("b", layer)] = sp.Matrix([network.b(layer, j) for j in range(widths[layer])])
        env[Var("delta", layer)] = sp.Matrix(
            [naming.error(layer, j) for j in range(widths[layer])]
        )
        env[Var("W", layer)] = sp.Matrix(
            [[network.w(layer, j, k) for k in range(widths[layer - 1])]
             for j in range(widths[layer])]
        )
    targets = [network.y(j) for j in range(widths[-1])]
    env[Var("y")] = sp.Matrix(targets)
    env[Var("ones")] = sp.ones(widths[-1], 1)
    outputs = [network.a(network.depth, j) for j in range(widths[-1])]
    env[Var("grad")] = sp.Matrix([network.loss.derivative(a, y) for a, y in zip(outputs, targets,
                                                                                strict=True)])
    return env


def instantiate(equation: MatrixEquation, env: Env) -> sp.Matrix:
    """The exact side of a per-sample equation as an explicit matrix."""
    return explicit(equation.value, env)
