"""Equations of named quantities read from LaTeX with lark (LALR), built directly as SymPy objects.

``h_1 = \\tanh(w_x x_1 + b)`` becomes ``(Symbol('h_1'), tanh(Symbol('w_x')*Symbol('x_1') + ...))``
with every name kept as written (:class:`~symchain.graphs.names.Name`). Functions are ``\\exp``,
``\\ln``/``\\log``, ``\\sqrt{}``, ``e^{...}``, ``|x|``, ``\\max``/``\\min`` of several arguments,
an entry of softmax (``\\operatorname{softmax}_k(s_1, ..)``, k from 1) and every elementwise
activation of :data:`symchain.activations.ACTIVATIONS` under its LaTeX name or
``\\operatorname{<name>}``.
No text reaches ``eval``, ``sympify`` or ``parse_expr``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import sympy as sp
from lark import Lark, Token, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from ..activations import ACTIVATIONS
from ..grammar import (
    SympyArithmetic,
    expected_text,
    load_parser,
    nesting_column,
    written_name,
)
from ..nodes import Partial
from .names import GraphError, Name, greek_command, greek_unicode, name_from_text, quoted

# Longest equation accepted, in characters, and deepest nesting of brackets.
MAX_EQUATION_CHARS = 4000
MAX_NESTING = 60
MAX_NUMBER_DIGITS = 15
MAX_EXPONENT = 16

_ELEMENTARY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "ln": sp.log,
    "log": sp.log,
}
# Functions of several arguments: \max(a, b), \min(a, b, c).
_SEVERAL: dict[str, Callable[..., sp.Expr]] = {"max": sp.Max, "min": sp.Min}


def function_table() -> dict[str, Callable[[sp.Expr], sp.Expr]]:
    """Functions the grammar applies, by written name: exp, ln, log and every activation.

    Activations come from :data:`symchain.activations.ACTIVATIONS` (read at each call, so a
    registered activation is known): under its name (``\\operatorname{relu}``) and its LaTeX
    (``\\sigma``, ``\\tanh``, ``\\operatorname{ReLU}``).
    """
    table = dict(_ELEMENTARY)
    for activation in ACTIVATIONS.values():
        if not activation.elementwise:
            continue
        table.setdefault(activation.name, activation.apply)
        written = written_name(activation.latex)
        if written is not None:
            table.setdefault(written, activation.apply)
    return table


def derivative_table() -> dict[str, Callable[[sp.Expr], sp.Expr]]:
    """Derivatives written with a prime (``\\sigma'(z)``, ``\\tanh'(z)``): every activation's."""
    table: dict[str, Callable[[sp.Expr], sp.Expr]] = {}
    for activation in ACTIVATIONS.values():
        if not activation.elementwise:
            continue
        table.setdefault(activation.name, activation.derivative)
        written = written_name(activation.latex)
        if written is not None:
            table.setdefault(written, activation.derivative)
    return table


def _parser() -> Lark:
    return load_parser(
        Path(__file__).with_name("equations.lark"), ("equation", "expression", "declared", "claim")
    )


@dataclass
class Parsed:
    """What one parse found: the SymPy result, each name's first column and how it is written."""

    value: Any
    columns: dict[sp.Symbol, int] = field(default_factory=dict)
    names: dict[sp.Symbol, Name] = field(default_factory=dict)


def symbol(name: Name) -> sp.Symbol:
    """The symbol of a written name (real, named by its canonical LaTeX)."""
    return sp.Symbol(name.latex, real=True)


@v_args(inline=True)
class _Build(SympyArithmetic):
    """SymPy objects from an equation's tree: names as written, functions from the records; the
    shared arithmetic from :class:`SympyArithmetic`, with its limits checked here."""

    def __init__(
        self,
        functions: dict[str, Callable[[sp.Expr], sp.Expr]],
        derivatives: dict[str, Callable[[sp.Expr], sp.Expr]],
    ) -> None:
        super().__init__()
        self.functions = functions
        self.derivatives = derivatives
        self.columns: dict[sp.Symbol, int] = {}
        self.names: dict[sp.Symbol, Name] = {}

    def equation(self, target: Token, value: sp.Expr) -> tuple[sp.Symbol, sp.Expr]:
        return self._symbol(target), value

    def expression(self, value: sp.Expr) -> sp.Expr:
        return value

    def claim(self, *sides: sp.Expr) -> tuple[sp.Expr, ...]:
        return sides

    def leibniz(self, _frac: Token, numerator: Token, denominator: Token) -> sp.Expr:
        return Partial(self._symbol(numerator), self._symbol(denominator))

    def declared(self, token: Token) -> sp.Symbol:
        return self._symbol(token)

    def name(self, token: Token) -> sp.Expr:
        if str(token) == "e":
            return sp.E
        return self._symbol(token)

    def _symbol(self, token: Token) -> sp.Symbol:
        written = name_from_text(str(token))
        result = symbol(written)
        self.names.setdefault(result, written)
        self.columns.setdefault(result, token.column or 1)
        return result

    def fail(self, token: Token | None, message: str) -> NoReturn:
        raise _Located(token, message)

    def number(self, token: Token) -> sp.Expr:
        text = str(token)
        if len(text) > MAX_NUMBER_DIGITS:
            raise _Located(token, f"the number {text} has more than {MAX_NUMBER_DIGITS} digits")
        return super().number(token)

    def frac_short(self, token: Token) -> sp.Expr:
        """``\\frac12``, ``\\frac ab``: TeX's one-character numerator and denominator."""
        characters = "".join(str(token).split("frac", 1)[1].split())
        top, bottom = self._character(token, characters[0]), self._character(token, characters[1])
        return self.div(top, bottom)

    def _character(self, token: Token, character: str) -> sp.Expr:
        if character.isdigit():
            return sp.Integer(character)
        return self.name(Token("NAME", character, column=token.column))

    def absolute(self, value: sp.Expr) -> sp.Expr:
        return sp.Abs(value)

    def div(self, left: sp.Expr, right: sp.Expr) -> sp.Expr:
        if right == 0:
            raise _Located(None, "division by zero")
        return left / right

    def pow(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if base == 0 and exponent.is_number and exponent.is_negative:
            raise _Located(None, "0 to a negative power")
        if exponent.is_number and abs(exponent) > MAX_EXPONENT:
            raise _Located(None, f"exponent {exponent} is larger than {MAX_EXPONENT}")
        return super().pow(base, exponent)

    def call(self, token: Token, argument: sp.Expr) -> sp.Expr:
        several = _SEVERAL.get(_written(token))
        if several is not None:
            return several(argument)
        function = self._function(token, self.functions)
        if function is None:  # a Greek letter before a bracket: \gamma (x + 1)
            return self._greek(token) * argument
        return function(argument)

    def call_many(self, token: Token, *arguments: sp.Expr) -> sp.Expr:
        """``\\max(a, b)``, ``\\min(a, b, c)``."""
        function = _SEVERAL.get(_written(token))
        if function is None:
            self._function(token, self.functions)  # an unknown name is named as such
            known = ", ".join(f"\\{name}" for name in _SEVERAL)
            raise _Located(token, f"{token} takes one argument; several are taken by {known}")
        return function(*arguments)

    def call_entry(self, token: Token, entry: Token, *arguments: sp.Expr) -> sp.Expr:
        """``\\operatorname{softmax}_k(s_1, .., s_n)``: entry k (from 1) of a whole-layer
        activation of the arguments, as its record builds it."""
        written = _written(token)
        activation = next(
            (
                a
                for a in ACTIVATIONS.values()
                if a.vector is not None and written.casefold() in (a.name, _latex_name(a.latex))
            ),
            None,
        )
        if activation is None or activation.vector is None:
            raise _Located(token, f"{token} takes no index; only softmax does, as in {_EXAMPLE}")
        index = int(re.sub(r"\D", "", str(entry)))
        if not 1 <= index <= len(arguments):
            raise _Located(
                entry,
                f"{written} entry {index} of {len(arguments)} arguments; entries count from 1",
            )
        return activation.vector(list(arguments), index - 1)

    def call_prime(self, token: Token, _prime: Token, argument: sp.Expr) -> sp.Expr:
        function = self._function(token, self.derivatives)
        if function is None:
            known = ", ".join(f"{k}'" for k in sorted(self.derivatives, key=str.casefold))
            raise _Located(token, f"no derivative known for {token}'; known: {known}")
        return function(argument)

    def call_power(self, token: Token, exponent: sp.Expr, argument: sp.Expr) -> sp.Expr:
        if exponent.is_number and abs(exponent) > MAX_EXPONENT:
            raise _Located(token, f"exponent {exponent} is larger than {MAX_EXPONENT}")
        function = self._function(token, self.functions)
        if function is None:
            return self._greek(token) ** exponent * argument  # type: ignore[no-any-return]
        return function(argument) ** exponent  # type: ignore[no-any-return]

    def _function(
        self, token: Token, table: dict[str, Callable[[sp.Expr], sp.Expr]]
    ) -> Callable[[sp.Expr], sp.Expr] | None:
        """The function a FUNC token names, or None for a Greek letter; else an error."""
        written = _written(token)
        function = table.get(written)
        if function is None:
            folded = {key.casefold(): f for key, f in table.items()}
            function = folded.get(written.casefold())
        if function is not None:
            return function
        if written == "softmax":
            raise _Located(token, _SOFTMAX_ENTRY)
        if not str(token).startswith(("\\operatorname", "\\mathrm")):
            try:
                greek_unicode(written)
            except KeyError:
                pass
            else:
                return None
        if table is self.derivatives:
            known = ", ".join(f"{k}'" for k in sorted(table, key=str.casefold))
            raise _Located(token, f"no derivative known for {token}'; known: {known}")
        known = ", ".join(sorted(table, key=str.casefold))
        raise _Located(token, f"unknown function {token}; known: {known}, \\sqrt{{}}, e^{{}}")

    def _greek(self, token: Token) -> sp.Symbol:
        return self._symbol(Token("NAME", str(token), column=token.column))


_EXAMPLE = r"\operatorname{softmax}_2(s_1, s_2, s_3)"
_SOFTMAX_ENTRY = (
    "softmax acts on several scores: write the entry you mean, counting from 1, as in "
    + _EXAMPLE
    + r", or write it out, e.g. \frac{e^{s_1}}{e^{s_1} + e^{s_2} + e^{s_3}}"
)


def _latex_name(latex: str) -> str:
    """``softmax`` of ``\\operatorname{softmax}``, ``tanh`` of ``\\tanh`` (casefolded)."""
    return (written_name(latex) or "").casefold()


def _written(token: Token) -> str:
    """The name a FUNC token writes: ``tanh``, ``ReLU``, ``sigma`` (also for ``σ``)."""
    text = str(token)
    if not text.startswith("\\"):
        return greek_command(text)
    written = written_name(text)
    assert written is not None  # the FUNC terminal has this shape
    return written


class _Located(Exception):
    def __init__(self, token: Token | None, message: str) -> None:
        super().__init__(message)
        self.column = token.column if token is not None else None
        self.message = message


def parse(text: str, start: str, where: str) -> Parsed:
    """Parse ``text`` from the rule ``start`` (``equation``, ``expression`` or ``declared``).

    Raises:
        GraphError: ``<where>, column N: <what is wrong>``, on one line.
    """
    if len(text) > MAX_EQUATION_CHARS:
        raise GraphError(f"{where}: longer than {MAX_EQUATION_CHARS} characters")
    _check_nesting(text, where)
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise GraphError(f"{where}, column {error.column}: {_describe(error, text)}") from None
    builder = _Build(function_table(), derivative_table())
    try:
        value = builder.transform(tree)
    except VisitError as error:
        inner = error.orig_exc
        if isinstance(inner, _Located):
            column = f", column {inner.column}" if inner.column else ""
            raise GraphError(f"{where}{column}: {inner.message}") from None
        if isinstance(inner, GraphError):
            raise GraphError(f"{where}: {inner.message}") from None
        raise
    return Parsed(value, builder.columns, builder.names)


def _check_nesting(text: str, where: str) -> None:
    column = nesting_column(text, MAX_NESTING)
    if column is not None:
        raise GraphError(f"{where}, column {column}: more than {MAX_NESTING} nested brackets")


_TERMINALS = {
    "_EQ": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MULOP": r"'\cdot'",
    "_DIV": "'/'",
    "_CARET": "'^'",
    "NUMBER": "a number",
    "NAME": "a name",
    "FUNC": "a function",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_LBRACK": "'['",
    "_RBRACK": "']'",
    "_LBRACE": "'{'",
    "_RBRACE": "'}'",
    "FRAC": r"'\frac'",
    "_SQRT": r"'\sqrt'",
    "_PARTIAL": r"'\partial'",
}


def _describe(error: UnexpectedInput, text: str) -> str:
    if isinstance(error, UnexpectedCharacters):
        rest = text[error.pos_in_stream :]
        command = re.match(r"\\[A-Za-z]+", rest)
        found = command.group(0) if command else rest[:1]
        return (
            f"cannot read {quoted(found)}; names are letters or Greek letters "
            r"(\hat, \bar, \tilde; _x, _{hh}, ^{(1)}), functions take brackets (\tanh(x)), "
            r"and \frac{}{}, \sqrt{}, ^ powers, + - \cdot / and numbers are understood"
        )
    if isinstance(error, UnexpectedEOF):
        return "the equation ends too early"
    if isinstance(error, UnexpectedToken):
        found = "the end of the text" if error.token.type == "$END" else repr(str(error.token))
        expected = expected_text(error.expected, _TERMINALS, others=False)
        hint = f"; expected {', '.join(expected)}" if expected else ""
        return f"unexpected {found}{hint}"
    return str(error)  # pragma: no cover - lark raises only the three above


def parse_equation(text: str, where: str = "equation") -> Parsed:
    """``name = expression``: ``Parsed.value`` is ``(symbol, SymPy expression)``."""
    return parse(text, "equation", where)


def parse_expression(text: str, where: str = "expression") -> Parsed:
    """A LaTeX expression: ``Parsed.value`` is the SymPy expression."""
    return parse(text, "expression", where)


def parse_claim(text: str, where: str = "claim") -> Parsed:
    """``A = B (= C ...)`` with Leibniz factors ``\\frac{\\partial N}{\\partial D}``: the sides."""
    return parse(text, "claim", where)


def parse_name(text: str, where: str = "name") -> Parsed:
    """One declared name (``w_x``, ``\\gamma``, ``\\hat{y}_1``): ``Parsed.value`` is its symbol."""
    return parse(text, "declared", where)
