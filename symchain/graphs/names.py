"""Names of a graph's quantities as written (LaTeX), in Unicode and as Python identifiers."""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass

import sympy as sp

from .. import naming
from ..errors import SpecError


class GraphError(SpecError):
    """A graph of named quantities is invalid: the message names the equation and column."""


@dataclass(frozen=True)
class Name:
    """How one quantity is written.

    Attributes:
        latex: the name as written, whitespace removed (``\\hat{y}_1``, ``w_{hh}``, ``\\gamma``).
        unicode: the same in Unicode (``ŷ₁``, ``w_hh``, ``γ``).
        identifier: a Python name (``hat_y_1``, ``w_hh``, ``gamma``), used as a key of parameter
            and data files and in generated code.
    """

    latex: str
    unicode: str
    identifier: str


_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}
_VARIANTS = {
    "varepsilon": "ε",
    "epsilon": "ϵ",
    "vartheta": "ϑ",
    "varphi": "φ",
    "phi": "ϕ",
    "varrho": "ϱ",
    "lambda": "λ",
    "Lambda": "Λ",
}
# Greek letter commands the grammar reads (its GREEK terminal), and their Unicode letters.
GREEK_COMMANDS = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi pi rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega"
).split()
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SINGLE_SUB = re.compile(r"_\{(\\[A-Za-z]+|[A-Za-z0-9])\}")
_SPACED_ACCENT = re.compile(r"\\(hat|bar|tilde)\s+(\\[A-Za-z]+|[A-Za-z])")
_SUP_FIRST = re.compile(r"(\^\{\([^{}()]*\)\})(_(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))$")
_TRAILING_PRIMES = re.compile(
    r"^((?:\\(?:hat|bar|tilde)\{[^{}]+\}|\\[A-Za-z]+|[A-Za-z]))([_^].*?)('+)$"
)
_PARTS = re.compile(
    r"^(?:\\(?P<accent>hat|bar|tilde)\{(?P<inner>[^{}]+)\}|(?P<base>\\[A-Za-z]+|[A-Za-z]))"
    r"(?P<primes>'*)"
    r"(?:_(?:\{(?P<sub>[^{}]+)\}|(?P<sub1>\\[A-Za-z]+|[A-Za-z0-9])))?"
    r"(?:\^\{\((?P<sup>[^{}()]+)\)\})?$"
)


def _unicode_greek() -> dict[str, str]:
    return {greek_unicode(command): command for command in GREEK_COMMANDS}


def quoted(text: str) -> str:
    """Text as written, in quotes and on one line, for messages (backslashes kept single)."""
    return "'" + " ".join(text.split()) + "'"


def greek_unicode(command: str) -> str:
    """The Unicode letter of a Greek letter command (``alpha`` → α, ``Omega`` → Ω)."""
    if command in _VARIANTS:
        return _VARIANTS[command]
    case = "CAPITAL" if command[0].isupper() else "SMALL"
    return unicodedata.lookup(f"GREEK {case} LETTER {command.upper()}")


_UNICODE_GREEK = _unicode_greek()
_UNICODE_GREEK_RE = re.compile("[" + "".join(sorted(_UNICODE_GREEK)) + "]")


def greek_command(letter: str) -> str:
    """The command of a Unicode Greek letter (α → ``alpha``, φ → ``varphi``, ϕ → ``phi``)."""
    return _UNICODE_GREEK[letter]


def canonical(text: str) -> str:
    """A written name with whitespace removed, Unicode Greek letters as commands (σ →
    ``\\sigma``), primes right after the letter (``h_1'`` → ``h'_1``) and single-character
    subscript braces dropped."""
    text = _UNICODE_GREEK_RE.sub(lambda m: "\\" + _UNICODE_GREEK[m.group(0)] + " ", text)
    text = _SPACED_ACCENT.sub(r"\\\1{\2}", text)
    text = re.sub(r"\s+", "", text)
    text = _TRAILING_PRIMES.sub(r"\1\3\2", text)
    text = _SUP_FIRST.sub(r"\2\1", text)
    return _SINGLE_SUB.sub(r"_\1", text)


def name_from_text(text: str) -> Name:
    """The :class:`Name` of a name as the grammar read it (``\\hat{y}_1``, ``w^{(1)}_{10}``)."""
    latex = canonical(text)
    match = _PARTS.match(latex)
    if match is None:  # the grammar only produces names this pattern reads
        raise GraphError(f"cannot read the name {text!r}")
    if match["accent"]:
        inner = match["inner"]
        base_unicode = _unicode_letters(inner) + _ACCENTS[match["accent"]]
        base_identifier = f"{match['accent']}_{_identifier_letters(inner)}"
    else:
        base_unicode = _unicode_letters(match["base"])
        base_identifier = _identifier_letters(match["base"])
    primes = len(match["primes"])
    if primes:
        base_unicode += "′" * primes
        base_identifier += "_prime" + (str(primes) if primes > 1 else "")
    unicode, identifier = base_unicode, base_identifier
    sub = match["sub"] or match["sub1"]
    if sub:
        sub_unicode = _unicode_letters(sub)
        low = naming.unicode_subscript(sub_unicode)
        readable = all(c != o or c == "," for c, o in zip(low, sub_unicode, strict=True))
        unicode += low if readable else f"_{sub_unicode}"
        identifier += "_" + "_".join(_identifier_letters(p) for p in sub.split(","))
    if match["sup"]:
        sup = match["sup"].replace(" ", "")
        unicode += naming.unicode_superscript(f"({sup})")
        identifier += "_" + re.sub(r"[^A-Za-z0-9]", "_", sup.replace("-", "m").replace("+", "p"))
    return Name(latex, unicodedata.normalize("NFC", unicode), _safe_identifier(identifier))


def default_name(symbol: sp.Symbol) -> Name:
    """The name of a symbol made in Python: SymPy's LaTeX, its name, a sanitized identifier."""
    return Name(sp.latex(symbol), symbol.name, _safe_identifier(symbol.name))


def _unicode_letters(text: str) -> str:
    return _COMMAND.sub(lambda m: greek_unicode(m.group(1)), text)


def _identifier_letters(text: str) -> str:
    return _COMMAND.sub(lambda m: m.group(1), text)


def _safe_identifier(text: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not ident or ident[0].isdigit():
        ident = "q_" + ident
    if keyword.iskeyword(ident):
        ident += "_"
    return ident
