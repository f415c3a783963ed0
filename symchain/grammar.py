"""The one expression grammar's loader and the helpers every LaTeX reader shares (lark, SymPy).

``expressions.lark`` holds precedence, operators, brackets and numbers; ``formula.lark``,
``graphs/equations.lark`` and ``verify/claims.lark`` import its rules by name and add their own
leaves. :class:`SympyArithmetic` builds SymPy objects from the shared rules; no text is ever
evaluated (no ``eval``, ``sympify`` or ``parse_expr``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import sympy as sp
from lark import Lark, Token, Transformer, v_args

# Where expressions.lark lives: every grammar imports it from here.
GRAMMAR_DIRECTORY = Path(__file__).parent
_OPENING, _CLOSING = "({[", ")}]"
# Largest power of ten a number may carry (1e-5, 2.5e3): 10**(10**9) would never finish.
MAX_DECIMAL_EXPONENT = 30
_NUMBER = re.compile(r"(?P<mantissa>\d*\.?\d+)(?:[eE](?P<exponent>[-+]?\d+))?")


_WRITTEN_NAME = re.compile(
    r"\\(?:(?:operatorname|mathrm)\s*\{\s*(?P<op>[A-Za-z][A-Za-z_0-9]*)\s*\}|(?P<cmd>[A-Za-z]+))"
)


def written_name(latex: str) -> str | None:
    """The name a LaTeX function name writes: ``ReLU`` of ``\\operatorname{ReLU}`` (or
    ``\\mathrm{ReLU}``), ``tanh`` of ``\\tanh``; None for anything else. Every reader asks
    here, so a record's LaTeX is read one way."""
    match = _WRITTEN_NAME.fullmatch(latex.strip())
    return (match["op"] or match["cmd"]) if match else None


@cache
def load_parser(path: Path, start: tuple[str, ...], **options: Any) -> Lark:
    """The LALR parser of the grammar at ``path`` (which imports ``expressions.lark``)."""
    return Lark(
        path.read_text(encoding="utf-8"),
        parser="lalr",
        start=list(start),
        import_paths=[str(GRAMMAR_DIRECTORY)],
        **options,
    )


def nesting_column(text: str, limit: int, opening: str = _OPENING) -> int | None:
    """The column (1-based) where brackets first nest deeper than ``limit``, else None."""
    depth = 0
    closing = "".join(_CLOSING[_OPENING.index(c)] for c in opening)
    for column, char in enumerate(text, start=1):
        depth += char in opening
        depth -= char in closing
        if depth > limit:
            return column
    return None


def expected_text(
    expected: Iterable[str], table: Mapping[str, str], others: bool = True
) -> list[str]:
    """What a parser expected, as readers know it: each terminal's text from ``table`` (the
    others by their lower-case name, or left out when ``others`` is False), sorted."""
    return sorted(
        {table.get(name, name.lower()) for name in expected if others or name in table}
    )


def split_number(text: str) -> tuple[str, int]:
    """A NUMBER token's mantissa and power of ten: ``1.5e-3`` → (``1.5``, -3)."""
    match = _NUMBER.fullmatch(text)
    if match is None:  # the NUMBER terminal has this shape
        raise ValueError(f"not a number: {text!r}")
    return match["mantissa"], int(match["exponent"] or 0)


@v_args(inline=True)
class SympyArithmetic(Transformer[Token, Any]):
    """SymPy objects for the shared rules of ``expressions.lark``: numbers (exact rationals),
    + - juxtaposition \\cdot / ^, \\frac and \\sqrt. Readers subclass it for their leaves and
    add their checks (division by zero, exponent sizes) by overriding a method, and say how a
    problem is reported (:meth:`fail`)."""

    def fail(self, token: Token | None, message: str) -> NoReturn:
        """Report ``message`` at ``token`` in the reader's own error type."""
        raise NotImplementedError(message)

    def number(self, token: Token) -> sp.Expr:
        mantissa, power = split_number(str(token))
        if abs(power) > MAX_DECIMAL_EXPONENT:
            limit = MAX_DECIMAL_EXPONENT
            self.fail(token, f"the number {token} has a power of ten beyond ±{limit}")
        return sp.Rational(mantissa) * sp.Integer(10) ** power  # type: ignore[no-any-return]

    def add(self, left: sp.Expr, _op: Token, right: sp.Expr) -> sp.Expr:
        return left + right

    def sub(self, left: sp.Expr, _op: Token, right: sp.Expr) -> sp.Expr:
        return left - right

    def mul(self, left: sp.Expr, *rest: Any) -> sp.Expr:
        return left * rest[-1]  # type: ignore[no-any-return]

    def div(self, left: sp.Expr, right: sp.Expr) -> sp.Expr:
        return left / right

    def neg(self, _op: Token, value: sp.Expr) -> sp.Expr:
        return -value

    def pos(self, _op: Token, value: sp.Expr) -> sp.Expr:
        return value

    def pow(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        return base**exponent  # type: ignore[no-any-return]

    def frac(self, _frac: Token, numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
        return self.div(numerator, denominator)

    def sqrt(self, value: sp.Expr) -> sp.Expr:
        return sp.sqrt(value)
