"""Claims as a small syntax tree, parsed from LaTeX with lark (LALR); no user text is evaluated.

The tree keeps what the claim says (which quantity, which layer label, which indices, which
factors in which order) so that the checker can resolve it against any network and the diagnosis
can compare it factor by factor with the true chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import SymchainError
from ..grammar import MAX_DECIMAL_EXPONENT, expected_text, load_parser, split_number

# Longest claim accepted, in characters, and deepest nesting of brackets.
MAX_CLAIM_CHARS = 2000
MAX_NESTING = 40
MAX_NUMBER_DIGITS = 12

KNOWN_COMMANDS = (
    "frac",
    "dfrac",
    "tfrac",
    "partial",
    "sum",
    "delta",
    "sigma",
    "tanh",
    "exp",
    "ln",
    "log",
    "cdot",
    "times",
    "prime",
    "left",
    "right",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "big",
    "Big",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "bigg",
    "Bigg",
    "operatorname",
    "mathrm",
    "nabla",
    "begin",
    "end",
    "vdots",
    "ldots",
    "cdots",
    "dots",
    "dotsb",
    "dotsc",
    "odot",
    "oslash",
    "circ",
    "top",
    "intercal",
    "mathsf",
    "mathbf",
    "boldsymbol",
    "bm",
    "vec",
    "Delta",
    "text",
    "quad",
    "qquad",
    "lvert",
    "rvert",
    "le",
    "leq",
    "ge",
    "geq",
    "lt",
    "gt",
)

_TERMINAL_TEXT = {
    "_EQ": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MULOP": r"'\cdot'",
    "_DIV": "'/'",
    "_CARET": "'^'",
    "_SUB": "'_'",
    "_COMMA": "','",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_LBRACK": "'['",
    "_RBRACK": "']'",
    "_LBRACE": "'{'",
    "_RBRACE": "'}'",
    "FRAC": r"'\frac'",
    "PARTIAL": r"'\partial'",
    "SUM": r"'\sum'",
    "DELTA": r"'\delta'",
    "FUNCNAME": r"a function (\sigma, \tanh, \exp, \ln)",
    "OPNAME": r"a named function (\operatorname{ReLU})",
    "PRIME": "a prime",
    "LETTER": "a letter",
    "NUMBER": "a number",
    "RELOP": r"a comparison (<, \le, >, \ge)",
    "NOTE": r"\text{...}",
    "_AMP": "'&'",
    "_ROWSEP": r"'\\'",
    "END_CASES": r"'\end{cases}'",
    "_LVERT": r"'\left|'",
    "_RVERT": r"'\right|'",
    "$END": "the end of the claim",
}


class ClaimSyntaxError(SymchainError):
    """A claim is not well-formed LaTeX in the accepted notation; the message names the column."""


# Syntax tree -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """Base of the syntax tree."""


@dataclass(frozen=True)
class Num(Node):
    value: Fraction
    text: str = ""


@dataclass(frozen=True)
class Name(Node):
    """A quantity: ``w_{jk}^{(L)}``, ``a^{(L)[i]}``, ``C_0``, ``n_L``, an index letter ``j``."""

    base: str
    indices: tuple[Node, ...] | None = None
    layer: Node | None = None
    sample: Node | None = None
    primes: int = 0
    power: Node | None = None
    column: int = 0
    bare_layer: bool = False


@dataclass(frozen=True)
class Bin(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Group(Node):
    kind: str
    body: Node


@dataclass(frozen=True)
class Pow(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True)
class Func(Node):
    name: str
    arg: Node
    primes: int = 0
    power: Node | None = None
    more: tuple[Node, ...] = ()
    index: Node | None = None


@dataclass(frozen=True)
class Iverson(Node):
    """``[j = m]``: 1 when both sides are equal, else 0."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Relation(Node):
    """``left < right`` (``op`` one of ``<``, ``<=``, ``>``, ``>=``): a branch's condition."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Cases(Node):
    """``\\begin{cases} v & \\text{for}\\: c \\\\ ... \\end{cases}``: SymPy's Piecewise;
    each branch is (value, condition), the condition None for ``\\text{otherwise}``."""

    branches: tuple[tuple[Node, Relation | None], ...]


@dataclass(frozen=True)
class Frac(Node):
    numerator: Node
    denominator: Node


@dataclass(frozen=True)
class Leibniz(Node):
    """∂num/∂den; ``missing_partial`` when the denominator's ∂ was left out (as in the seed)."""

    numerator: Name
    denominator: Name
    missing_partial: bool = False


@dataclass(frozen=True)
class BigSum(Node):
    index: str | None
    lower: Node | None
    upper: Node | None
    body: Node


@dataclass(frozen=True)
class Dots(Node):
    """``\\vdots`` or ``\\ldots`` in a vector: the entries in between, in order."""


@dataclass(frozen=True)
class Matrix(Node):
    """``\\begin{bmatrix} .. \\end{bmatrix}`` (rows of entries) or ``[a, b, \\ldots]`` (one row)."""

    rows: tuple[tuple[Node, ...], ...]
    column: int = 0


@dataclass(frozen=True)
class Ones(Node):
    """``\\mathbf{1}``: a column of ones (the batch's)."""


@dataclass(frozen=True)
class Transpose(Node):
    """``X^T``, ``X^{\\top}``, ``X^{\\mathsf T}``."""

    body: Node


@dataclass(frozen=True)
class Nabla(Node):
    """``\\nabla C`` (the gradient over every parameter) or ``\\nabla_a C``."""

    loss: Name
    wrt: Node | None = None


@dataclass(frozen=True)
class Equation:
    """A chained equality ``A = B = C``: ``sides[0]`` is the left side; ``note`` is a trailing
    ``\\text{...}`` (a condition such as "when the targets sum to 1")."""

    sides: tuple[Node, ...]
    text: str
    note: str = ""


# Parsing -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Script:
    kind: str
    value: Any


def _flatten_indices(item: Node) -> list[Node]:
    """``jk`` (a juxtaposition) or ``10`` (digits) into one index per letter or digit."""
    if isinstance(item, Bin) and item.op == "*":
        return _flatten_indices(item.left) + _flatten_indices(item.right)
    if isinstance(item, Num) and item.text.isdigit() and len(item.text) > 1:
        return [Num(Fraction(int(d)), d) for d in item.text]
    return [item]


def _has_subscript(scripts: list[Any]) -> bool:
    return any(isinstance(s, _Script) and s.kind == "sub" for s in scripts)


def _mentions_l(node: Node) -> bool:
    """Whether a superscript is a layer label: it mentions L or l (L-1, l+1)."""
    if isinstance(node, Name):
        return node.base in LAYER_LETTERS and node.indices is None
    if isinstance(node, Bin):
        return _mentions_l(node.left) or _mentions_l(node.right)
    return False


_LAYERED = {"w", "b", "z", "a", "δ", "W", "Z", "A", "Δ"}
# A bare number superscript is a layer on these (nobody squares a weight); on z and a only when
# the name has subscripts (a^2_j), since a^2 may be a square.
_ALWAYS_LAYERED = {"w", "b", "δ", "W", "Δ"}
# Letters that stand for a layer in a label: the last layer L and a free layer l.
LAYER_LETTERS = ("L", "l")


def _is_transpose(value: Any) -> bool:
    item = value[0] if isinstance(value, list) and len(value) == 1 else value
    return isinstance(item, Name) and item.base == "T" and item.indices is None


_RELATIONS = {
    "<": "<",
    ">": ">",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "leq": "<=",
    "≤": "<=",
    "ge": ">=",
    "geq": ">=",
    "≥": ">=",
}


def _note_text(token: Token) -> str:
    """The words of a ``\\text{...}`` token."""
    return str(token).split("{", 1)[1].rstrip("}").strip()


class _Builder(Transformer):  # type: ignore[type-arg]
    """lark parse tree → :class:`Node` tree."""

    def chain(self, sides: list[Any]) -> tuple[Any, ...]:
        return tuple(sides)

    def expression(self, items: list[Node]) -> tuple[Node, ...]:
        return (items[0],)

    def add(self, items: list[Any]) -> Node:
        return Bin("+", items[0], items[2])

    def sub(self, items: list[Any]) -> Node:
        return Bin("-", items[0], items[2])

    def mul(self, items: list[Any]) -> Node:
        return Bin("*", items[0], items[-1])

    def hadamard(self, items: list[Any]) -> Node:
        return Bin("⊙", items[0], items[-1])

    def elementwise_division(self, items: list[Any]) -> Node:
        return Bin("⊘", items[0], items[-1])

    @v_args(meta=True)
    def matrix(self, meta: Any, items: list[Any]) -> Node:
        rows = tuple(item for item in items if isinstance(item, tuple))
        return Matrix(rows, meta.column)

    def mrow(self, items: list[Any]) -> tuple[Node, ...]:
        return tuple(items)

    def dots(self, items: list[Any]) -> Node:
        return Dots()

    def ones(self, items: list[Any]) -> Node:
        return Ones()

    @v_args(meta=True)
    def vector(self, meta: Any, items: list[Any]) -> Node:
        return Matrix((tuple(items),), meta.column)

    def nabla(self, items: list[Any]) -> Node:
        wrt: Node | None = None
        for script in items[1:-1]:
            if script.kind != "sub":
                raise ClaimSyntaxError("\\nabla takes a subscript at most, as in \\nabla_a C")
            value = script.value
            wrt = value[0] if isinstance(value, list) else value
        loss = items[-1]
        if not isinstance(loss, Name) or loss.base != "C":
            raise ClaimSyntaxError("\\nabla is taken of the loss: \\nabla C or \\nabla C_0")
        return Nabla(loss, wrt)

    def transpose(self, items: list[Any]) -> _Script:
        return _Script("transpose", True)

    def div(self, items: list[Any]) -> Node:
        return Bin("/", items[0], items[1])

    def neg(self, items: list[Any]) -> Node:
        return Neg(items[1])

    def pos(self, items: list[Any]) -> Node:
        return items[1]  # type: ignore[no-any-return]

    def number(self, items: list[Token]) -> Node:
        text = str(items[0])
        if len(text) > MAX_NUMBER_DIGITS:
            raise ClaimSyntaxError(
                f"column {items[0].column}: number {text[:20]}... is too long "
                f"(at most {MAX_NUMBER_DIGITS} characters)"
            )
        if abs(split_number(text)[1]) > MAX_DECIMAL_EXPONENT:
            raise ClaimSyntaxError(
                f"column {items[0].column}: the number {text} has a power of ten beyond "
                f"±{MAX_DECIMAL_EXPONENT}"
            )
        return Num(Fraction(text), text)

    def paren(self, items: list[Node]) -> Node:
        return Group("paren", items[0])

    def bracket(self, items: list[Node]) -> Node:
        return Group("bracket", items[0])

    def brace(self, items: list[Node]) -> Node:
        return Group("brace", items[0])

    def pow(self, items: list[Any]) -> Node:
        exponent = items[1]
        if isinstance(exponent, list):
            if len(exponent) != 1:
                raise ClaimSyntaxError("an exponent is one expression, not a list")
            exponent = exponent[0]
        if isinstance(exponent, _Script) and exponent.kind == "transpose":
            return Transpose(items[0])
        if isinstance(exponent, Name) and exponent.base == "T" and exponent.indices is None:
            return Transpose(items[0])
        if isinstance(exponent, _Script):
            raise ClaimSyntaxError("a prime belongs after a function name, as in \\sigma'(z)")
        return Pow(items[0], exponent)

    def frac(self, items: list[Any]) -> Node:
        return Frac(items[1], items[2])

    def leibniz(self, items: list[Any]) -> Node:
        parts = [item for item in items if isinstance(item, Name)]
        partials = [item for item in items if isinstance(item, Token) and item.type == "PARTIAL"]
        return Leibniz(parts[0], parts[1], missing_partial=len(partials) < 2)

    def bigsum(self, items: list[Any]) -> Node:
        index: str | None = None
        lower: Node | None = None
        upper: Node | None = None
        for script in items[1:-1]:
            if script.kind == "sub":
                value = script.value
                if isinstance(value, tuple) and value[0] == "from":
                    index, lower = value[1], value[2]
                elif isinstance(value, Name) and value.base.isalpha() and len(value.base) == 1:
                    index = value.base
                elif isinstance(value, list) and len(value) == 1 and isinstance(value[0], Name):
                    index = value[0].base
                else:
                    raise ClaimSyntaxError(
                        "a sum's subscript names its index: \\sum_j or \\sum_{j=0}"
                    )
            elif script.kind == "sup":
                value = script.value
                upper = value[0] if isinstance(value, list) else value
            else:
                raise ClaimSyntaxError("a sum takes a subscript and a superscript, not a prime")
        return BigSum(index, lower, upper, items[-1])

    def func(self, items: list[Any]) -> Node:
        token = items[0]
        if token.type == "OPNAME":
            name = str(token).split("{", 1)[1].rstrip("}").strip()
        else:
            name = str(token).lstrip("\\")
        name = "sigma" if name == "σ" else name
        primes = 0
        power: Node | None = None
        index: Node | None = None
        for script in items[1:-1]:
            if script.kind == "prime":
                primes += script.value
            elif script.kind == "sup":
                value = script.value
                power = value[0] if isinstance(value, list) else value
            elif script.kind == "sub" and not isinstance(script.value, tuple):
                value = script.value
                index = value[0] if isinstance(value, list) else value
            else:
                raise ClaimSyntaxError(f"\\{name} takes a subscript index at most")
        argument = items[-1]
        if isinstance(argument, tuple):
            return Func(name, argument[0], primes, power, argument[1:], index)
        return Func(name, argument, primes, power, (), index)

    def arguments(self, items: list[Node]) -> tuple[Node, ...]:
        return tuple(items)

    def cases(self, items: list[Any]) -> Node:
        branches = tuple(item for item in items if isinstance(item, tuple))
        if any(condition is None for _, condition in branches[:-1]):
            raise ClaimSyntaxError(
                "in \\begin{cases}, only the last branch may say \\text{otherwise}"
            )
        return Cases(branches)

    def branch(self, items: list[Any]) -> tuple[Node, Relation]:
        note = next((i for i in items if isinstance(i, Token) and i.type == "NOTE"), None)
        if note is not None and _note_text(note) not in ("for", "if", "when"):
            raise ClaimSyntaxError(
                f"column {note.column}: a branch's condition follows \\text{{for}} or "
                f"\\text{{if}}, not \\text{{{_note_text(note)}}}"
            )
        return (items[0], items[-1])

    def otherwise(self, items: list[Any]) -> tuple[Node, None]:
        if _note_text(items[1]) != "otherwise":
            raise ClaimSyntaxError(
                f"column {items[1].column}: a branch without a condition says "
                f"\\text{{otherwise}}, not \\text{{{_note_text(items[1])}}}"
            )
        return (items[0], None)

    def relation(self, items: list[Any]) -> Node:
        return Relation(_RELATIONS[str(items[1]).lstrip("\\")], items[0], items[2])

    def absolute(self, items: list[Node]) -> Node:
        return Func("abs", items[0])

    def iverson(self, items: list[Node]) -> Node:
        return Iverson(items[0], items[1])

    @v_args(meta=True)
    def quantity(self, meta: Any, items: list[Any]) -> Node:
        base = items[0]
        indices: tuple[Node, ...] | None = None
        layer = sample = power = None
        primes = 0
        transposed = False
        bare = False
        for script in items[1:]:
            if script.kind == "transpose":
                transposed = True
                continue
            if script.kind == "sup" and _is_transpose(script.value):
                transposed = True
                continue
            if script.kind == "prime":
                primes += script.value
            elif script.kind == "sub":
                value = script.value
                if isinstance(value, tuple):
                    raise ClaimSyntaxError(f"column {meta.column}: '=' inside a subscript")
                values = value if isinstance(value, list) else [value]
                found = _flatten_indices(values[0]) if len(values) == 1 else values
                indices = (indices or ()) + tuple(found)
            else:
                value = script.value
                if isinstance(value, tuple):
                    raise ClaimSyntaxError(f"column {meta.column}: '=' inside a superscript")
                item = value[0] if isinstance(value, list) else value
                if isinstance(value, list) and len(value) != 1:
                    raise ClaimSyntaxError(f"column {meta.column}: a comma in a superscript")
                if isinstance(item, Group) and item.kind == "paren":
                    layer = item.body
                elif isinstance(item, Group) and item.kind == "bracket":
                    sample = item.body
                elif (
                    isinstance(item, Bin)
                    and item.op == "*"
                    and isinstance(item.left, Group)
                    and item.left.kind == "paren"
                    and isinstance(item.right, Group)
                    and item.right.kind == "bracket"
                ):
                    layer, sample = item.left.body, item.right.body
                elif base in _LAYERED and (
                    _mentions_l(item)
                    or (
                        isinstance(item, Num)
                        and (base in _ALWAYS_LAYERED or _has_subscript(items[1:]))
                    )
                ):
                    layer, bare = item, True  # Nielsen's w^2_{jk}, \delta^l_j
                else:
                    power = item
        name = Name(base, indices, layer, sample, primes, power, meta.column, bare)
        return Transpose(name) if transposed else name

    def base(self, items: list[Any]) -> str:
        text = str(items[-1])
        return {"\\delta": "δ", "\\Delta": "Δ"}.get(text, text)

    def subscript(self, items: list[Any]) -> _Script:
        return _Script("sub", items[0])

    def superscript(self, items: list[Any]) -> _Script:
        if isinstance(items[0], _Script):
            return items[0]
        if isinstance(items[0], list) and len(items[0]) == 1 and isinstance(items[0][0], _Script):
            return items[0][0]
        return _Script("sup", items[0])

    def prime(self, items: list[Any]) -> _Script:
        return _Script("prime", 1)

    def prime_arg(self, items: list[Any]) -> _Script:
        return _Script("prime", max(1, len(items)))

    def letter(self, items: list[Token]) -> Node:
        return Name(str(items[0]), column=items[0].column or 0)

    def sitems(self, items: list[Node]) -> list[Node]:
        return list(items)

    def lower_limit(self, items: list[Any]) -> tuple[str, str, Node]:
        return ("from", str(items[0]), items[1])


def _parser() -> Lark:
    return load_parser(
        Path(__file__).parent / "claims.lark",
        ("start", "expression"),
        propagate_positions=True,
        maybe_placeholders=False,
    )


_COMMAND_RE = re.compile(r"\\([a-zA-Z]+)")


def _prescan(text: str) -> None:
    """Reject what the grammar would report less clearly: size, braces, unknown commands."""
    if not text.strip():
        raise ClaimSyntaxError(
            "empty claim; write one like \\frac{\\partial C_0}{\\partial w^{(L)}} = ..."
        )
    if len(text) > MAX_CLAIM_CHARS:
        raise ClaimSyntaxError(
            f"claim of {len(text)} characters is too long (at most {MAX_CLAIM_CHARS})"
        )
    if "\x00" in text:
        raise ClaimSyntaxError("claim contains a NUL byte; give LaTeX text")
    for match in _COMMAND_RE.finditer(text):
        if match.group(1) not in KNOWN_COMMANDS:
            sizes = {"bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr", "Biggl"}
            sizes |= {"Biggr", "bigg", "Bigg"}
            known = ", ".join("\\" + c for c in KNOWN_COMMANDS if c not in sizes)
            raise ClaimSyntaxError(
                f"column {match.start() + 1}: unknown command \\{match.group(1)}; known: {known}"
            )
    stack: list[tuple[str, int]] = []
    pairs = {"}": "{", ")": "(", "]": "["}
    for position, char in enumerate(text, start=1):
        if char in "{([":
            stack.append((char, position))
            if len(stack) > MAX_NESTING:
                raise ClaimSyntaxError(
                    f"column {position}: brackets nested deeper than {MAX_NESTING} levels"
                )
        elif char in "})]":
            if not stack:
                raise ClaimSyntaxError(
                    f"column {position}: unbalanced '{char}' has no opening partner"
                )
            opener, where = stack.pop()
            if opener != pairs[char]:
                raise ClaimSyntaxError(
                    f"column {position}: '{char}' closes '{opener}' opened at column {where}"
                )
    if stack:
        opener, where = stack[-1]
        raise ClaimSyntaxError(f"column {where}: unbalanced '{opener}' is never closed")


def _expected_text(expected: set[str] | frozenset[str]) -> str:
    names = expected_text(expected, _TERMINAL_TEXT)
    return ", ".join(names) if names else "something else"


_ENVIRONMENT_RE = re.compile(r"\\begin\s*\{[^{}]*\}|\\end\s*\{[^{}]*\}|&")


def _alignment_removed(text: str) -> str:
    """``&`` outside a matrix environment (alignment marks) as spaces; columns stay in place."""
    depth = 0
    chars = list(text)
    for match in _ENVIRONMENT_RE.finditer(text):
        token = match.group(0)
        if token.startswith("\\begin"):
            depth += 1
        elif token.startswith("\\end"):
            depth = max(0, depth - 1)
        elif depth == 0:
            chars[match.start()] = " "
    return "".join(chars)


def parse_expression_text(text: str, start: str = "start") -> tuple[Node, ...]:
    """The sides of a chained equality, parsed; raises :class:`ClaimSyntaxError` with a column."""
    _prescan(text)
    text = _alignment_removed(text)
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedEOF as error:
        raise ClaimSyntaxError(
            f"the claim ends too early; expected {_expected_text(set(error.expected))}"
        ) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            raise ClaimSyntaxError(
                "the claim ends too early; expected "
                f"{_expected_text(error.expected)}"
                + ("" if "=" in text else " (a claim needs '=' between its sides)")
            ) from None
        raise ClaimSyntaxError(
            f"column {token.column}: unexpected {str(token)!r}; expected "
            f"{_expected_text(error.expected)}"
        ) from None
    except UnexpectedCharacters as error:
        raise ClaimSyntaxError(
            f"column {error.column}: unexpected character {error.char!r}; expected "
            f"{_expected_text(error.allowed or set())}"
        ) from None
    except UnexpectedInput as error:  # pragma: no cover - other lark input errors
        raise ClaimSyntaxError(f"cannot parse the claim: {error}") from None
    except RecursionError:
        raise ClaimSyntaxError("claim is nested too deeply") from None
    try:
        sides = _Builder().transform(tree)
    except ClaimSyntaxError:
        raise
    except Exception as error:  # lark wraps callback errors in VisitError
        inner = getattr(error, "orig_exc", error)
        if isinstance(inner, ClaimSyntaxError):
            raise inner from None
        if isinstance(inner, RecursionError):
            raise ClaimSyntaxError("claim is nested too deeply") from None
        raise ClaimSyntaxError(f"cannot read the claim: {inner}") from None
    return tuple(sides)


def parse_expression(text: str) -> Node:
    """Parse one expression (no ``=``) in the seed's notation, e.g. a factor's value."""
    return parse_expression_text(text, start="expression")[0]


def parse_claim(text: str) -> Equation:
    """Parse ``A = B [= C ...]`` in the seed's notation into an :class:`Equation`."""
    parsed = parse_expression_text(text)
    note = ""
    if parsed and isinstance(parsed[-1], Token):
        note = str(parsed[-1]).split("{", 1)[1].rstrip("}").strip()
        parsed = parsed[:-1]
    return Equation(parsed, text.strip(), note)
