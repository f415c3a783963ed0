"""Formulas in LaTeX parsed to SymPy: a lark grammar whose transformer builds SymPy objects.

Used for activations and losses defined in spec files (``formula = 'z \\tanh(\\ln(1 + e^{z}))'``):
no text is ever evaluated (no ``eval``, ``sympify`` or ``parse_expr``); the grammar accepts
numbers, the variables it is given, ``+ - \\cdot / ^``, juxtaposition, ``e^{...}``, ``\\frac``,
``\\sqrt`` and the functions ``\\exp \\ln \\log \\tanh \\sinh \\cosh \\sigma`` and
``\\operatorname{erf}``, ``\\operatorname{softplus}``. A bad formula raises a
:class:`~symchain.errors.SpecError` naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

import sympy as sp
from lark import Lark, Token, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from .errors import SpecError
from .grammar import GRAMMAR_DIRECTORY, SympyArithmetic, load_parser, nesting_column

MAX_FORMULA_CHARS = 500
MAX_NESTING = 30

_FUNCTIONS = {
    "exp": sp.exp,
    "ln": sp.log,
    "log": sp.log,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sigma": lambda u: 1 / (1 + sp.exp(-u)),
    "σ": lambda u: 1 / (1 + sp.exp(-u)),
    "operatorname{erf}": sp.erf,
    "operatorname{softplus}": lambda u: sp.log(1 + sp.exp(u)),
}


def _parser() -> Lark:
    return load_parser(GRAMMAR_DIRECTORY / "formula.lark", ("start",), maybe_placeholders=False)


class _Unknown(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@v_args(inline=True)
class _ToSympy(SympyArithmetic):
    """Builds the SymPy expression bottom-up (the shared rules from :class:`SympyArithmetic`)."""

    def __init__(self, variables: Mapping[str, sp.Symbol]) -> None:
        super().__init__()
        self.variables = variables

    def fail(self, token: Token | None, message: str) -> NoReturn:
        where = f"column {token.column}: " if token is not None else ""
        raise _Unknown(where + message)

    def letter(self, token: Token) -> sp.Expr:
        name = str(token)
        if name in self.variables:
            return self.variables[name]
        if name == "e":
            return sp.E
        known = ", ".join(self.variables)
        raise _Unknown(f"column {token.column}: unknown variable {name!r}; use {known} (and e)")

    def func(self, name: Token, arg: sp.Expr) -> sp.Expr:
        return _FUNCTIONS[str(name).lstrip("\\")](arg)  # type: ignore[no-any-return]


def parse_formula(text: str, variables: Mapping[str, sp.Symbol], what: str) -> sp.Expr:
    """The SymPy expression of a LaTeX formula in ``variables``.

    Raises:
        SpecError: one line, ``<what>: column N: ...``, for anything the grammar does not accept.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"{what}: the formula must be a non-empty string, e.g. 'z \\tanh(z)'")
    if len(text) > MAX_FORMULA_CHARS:
        raise SpecError(f"{what}: the formula is longer than {MAX_FORMULA_CHARS} characters")
    column = nesting_column(text, MAX_NESTING, "({")
    if column is not None:
        raise SpecError(f"{what}: column {column}: brackets nest deeper than {MAX_NESTING}")
    try:
        tree = _parser().parse(text)
        return _ToSympy(variables).transform(tree)
    except VisitError as error:
        inner = error.orig_exc
        message = inner.message if isinstance(inner, _Unknown) else str(inner)
        raise SpecError(f"{what}: {message}") from None
    except UnexpectedCharacters as error:
        char = text[error.pos_in_stream] if error.pos_in_stream is not None else ""
        raise SpecError(f"{what}: column {error.column}: unexpected character {char!r}") from None
    except UnexpectedEOF:
        raise SpecError(f"{what}: column {len(text) + 1}: the formula ends too early") from None
    except UnexpectedInput as error:
        token = getattr(error, "token", None)
        if token is None or token.type == "$END" or not str(token):
            raise SpecError(
                f"{what}: column {len(text) + 1}: the formula ends too early"
            ) from None
        raise SpecError(f"{what}: column {error.column}: unexpected {str(token)!r}") from None
