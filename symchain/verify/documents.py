"""Equations from Markdown (markdown-it-py with the MyST math plugins) and LaTeX documents.

Each equation comes with its line number; aligned rows are split on ``\\\\`` and ``&`` and a row
that starts with ``=`` continues the previous row's left side. Network options written in the
document (front matter or a comment ``symchain: --layers 2,3,2``) are returned as words for the
CLI to parse with its own option parser.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from pylatexenc.latexwalker import (
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexNode,
    LatexWalker,
    LatexWalkerError,
)

from ..errors import InputFileError, TooLargeError
from ..files import read_bytes
from ..limits import MAX_DOCUMENT_BYTES as MAX_FILE_BYTES

MAX_EQUATIONS = 2000


@dataclass(frozen=True)
class Extracted:
    """One equation found in a document, with its line and column (1-based)."""

    text: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Document:
    """The equations of a file and the network options it carries (as argument words)."""

    path: str
    equations: tuple[Extracted, ...]
    options: tuple[str, ...] | None
    options_line: int | None


_OPTIONS_RE = re.compile(r"^\s*(?:<!--|%+|#)?\s*symchain:\s*(?P<args>.*?)\s*(?:-->)?\s*$")
_DROP_RE = re.compile(
    r"\\(?:label|tag)\{[^{}]*\}|\\(?:nonumber|notag)\b|\\begin\{(?:aligned|split|gathered)\}"
    r"|\\end\{(?:aligned|split|gathered)\}"
)


STDIN = "-"


def read_source(path: str) -> str:
    """A document's text (``-``: standard input); one clear error for missing, huge or binary
    files. Every byte verify reads from a file or stdin passes through here."""
    if path == STDIN:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        where = "standard input"
    else:
        where = repr(path)
        data = read_bytes(path, MAX_FILE_BYTES, "document")  # regular files only, capped
    if len(data) > MAX_FILE_BYTES:
        raise TooLargeError(f"{where} has more than {MAX_FILE_BYTES} bytes; documents up to that")
    if b"\x00" in data:
        raise InputFileError(f"{where} is a binary file; give Markdown or LaTeX text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{where} is not UTF-8 text; give Markdown or LaTeX") from None


_ROW_TOKEN_RE = re.compile(r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}|\\\\")


def _top_level_rows(body: str) -> list[str]:
    """Split on ``\\\\`` outside nested environments (a bmatrix keeps its rows)."""
    rows: list[str] = []
    depth = 0
    start = 0
    for match in _ROW_TOKEN_RE.finditer(body):
        token = match.group(0)
        if token.startswith("\\begin"):
            depth += 1
        elif token.startswith("\\end"):
            depth = max(0, depth - 1)
        elif depth == 0:
            rows.append(body[start : match.start()])
            start = match.end()
    rows.append(body[start:])
    return rows


def has_equals(text: str) -> bool:
    """Whether a formula has an ``=`` outside brackets (then it is a claim)."""
    return _top_level_equals(text)


def _top_level_equals(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "=" and depth == 0:
            return True
    return False


def _without_alignment(row: str) -> str:
    """``&`` outside matrix environments removed (a bmatrix keeps its column separators)."""
    depth = 0
    out = []
    position = 0
    for match in re.finditer(r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}|&", row):
        token = match.group(0)
        out.append(row[position : match.start()])
        position = match.end()
        if token.startswith("\\begin"):
            depth += 1
        elif token.startswith("\\end"):
            depth = max(0, depth - 1)
        elif depth > 0:
            out.append(token)
            continue
        else:
            out.append(" ")
            continue
        out.append(token)
    out.append(row[position:])
    return "".join(out)


def split_rows(body: str, first_line: int) -> list[Extracted]:
    """Rows of a math block: split on ``\\\\``, drop ``&``, continue ``= ...`` rows, and join a
    row with no ``=`` (``&\\quad ...``) to the row before it (a long right side broken)."""
    body = _DROP_RE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    rows: list[tuple[str, int]] = []
    line = first_line
    previous_left: str | None = None
    for raw in _top_level_rows(body):
        row_line = line + raw[: len(raw) - len(raw.lstrip())].count("\n")
        line += raw.count("\n")
        text = " ".join(_without_alignment(raw).split())
        if not text.rstrip(".,; "):
            continue
        if text.startswith("=") and previous_left is not None:
            text = f"{previous_left} {text}"
        elif rows and not _top_level_equals(text):
            last_text, last_line = rows.pop()
            rows.append((f"{last_text} {text}", last_line))
            continue
        elif "=" in text:
            previous_left = text.split("=", 1)[0].strip()
        rows.append((text, row_line))
    return [Extracted(text.rstrip(".,; "), row_line) for text, row_line in rows]


_DERIVATIVE_RE = re.compile(r"\\partial(?![a-zA-Z])|∂|\\delta(?![a-zA-Z])|δ|\\nabla(?![a-zA-Z])|∇")
_DEFINED_RE = re.compile(
    r"^\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{?\s*)?(?:[zaCZA](?![a-zA-Z])|\\Delta(?![a-zA-Z]))"
)


def derivative_on_left(text: str) -> bool:
    """Whether an equation's left side (before its first top-level ``=``) is one verify checks:
    a derivative (∂, δ, ∇) or a defined quantity (z, a, C_0, C and their matrices)."""
    depth = 0
    for position, char in enumerate(text):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "=" and depth == 0:
            left = text[:position]
            return bool(_DERIVATIVE_RE.search(left) or _DEFINED_RE.match(left))
    return False


def _options_from_lines(lines: list[str]) -> tuple[tuple[str, ...] | None, int | None]:
    for number, line in enumerate(lines, start=1):
        match = _OPTIONS_RE.match(line)
        if match is not None and match.group("args").startswith("-"):
            try:
                return tuple(shlex.split(match.group("args"))), number
            except ValueError as error:
                raise InputFileError(
                    f"line {number}: cannot split symchain options: {error}"
                ) from None
    return None, None


def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark")
        .use(front_matter_plugin)
        .use(dollarmath_plugin, double_inline=True)
        .use(amsmath_plugin)
    )


def front_matter(text: str) -> tuple[list[str], int]:
    """The lines of a Markdown document's front matter (``---`` block), and its first line."""
    for token in _parser().parse(text):
        if token.type == "front_matter":
            first = (token.map[0] + 2) if token.map else 2
            return token.content.splitlines(), first
    return [], 0


def markdown_equations(text: str) -> list[Extracted]:
    """Math in a Markdown text: ``$$..$$``, ``$..$``, amsmath environments, ```math fences."""
    found: list[Extracted] = []
    for token in _parser().parse(text):
        start = (token.map[0] + 1) if token.map else 1
        if token.type in ("math_block", "math_block_label", "amsmath"):
            found += split_rows(token.content, start)
        elif token.type == "fence" and token.info.strip() == "math":
            found += split_rows(token.content, start + 1)
        elif token.type == "inline" and token.children:
            line = start
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type in ("math_inline", "math_inline_double"):
                    found += split_rows(child.content, line)
                elif child.type == "text":
                    line += child.content.count("\n")
    return found


# LaTeX environments whose body is mathematics, and those whose body is never read.
MATH_ENVIRONMENTS = frozenset(
    f"{name}{star}"
    for name in ("equation", "align", "gather", "multline", "eqnarray", "flalign", "displaymath")
    for star in ("", "*")
) | {"math"}
SKIPPED_ENVIRONMENTS = frozenset({"comment", "verbatim", "verbatim*", "lstlisting", "minted"})


def _body(text: str, nodes: list[LatexNode]) -> tuple[str, int]:
    """The source text spanned by ``nodes`` and its start offset."""
    if not nodes:
        return "", 0
    start = nodes[0].pos
    end = nodes[-1].pos + nodes[-1].len
    return text[start:end], start


def latex_equations(text: str) -> list[Extracted]:
    """Math in a LaTeX text, read with pylatexenc: math environments (rows of align split),
    ``\\[..\\]``, ``$$..$$`` and ``$..$``; ``%`` comments, ``\\iffalse..\\fi`` and the comment
    and verbatim environments are skipped."""
    walker = LatexWalker(text, tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except LatexWalkerError as error:
        raise InputFileError(f"cannot read the LaTeX: {error}") from None
    found: list[Extracted] = []

    def line_of(offset: int) -> int:
        return int(walker.pos_to_lineno_colno(offset)[0])

    def visit(nodelist: list[LatexNode]) -> None:
        skipping = 0
        for node in nodelist:
            if node is None:
                continue
            if isinstance(node, LatexMacroNode):
                if node.macroname == "iffalse":
                    skipping += 1
                elif node.macroname == "fi" and skipping:
                    skipping -= 1
                continue
            if skipping or isinstance(node, LatexCommentNode):
                continue
            if isinstance(node, LatexMathNode) and node.nodelist:
                body, start = _body(text, node.nodelist)
                found.extend(split_rows(body, line_of(start)))
            elif isinstance(node, LatexEnvironmentNode):
                name = node.environmentname
                if name in SKIPPED_ENVIRONMENTS:
                    continue
                if name in MATH_ENVIRONMENTS:
                    body, start = _body(text, node.nodelist)
                    found.extend(split_rows(body, line_of(start)))
                else:
                    visit(node.nodelist)
            elif isinstance(node, LatexGroupNode):
                visit(node.nodelist)

    visit(nodes)
    return found


def _with_columns(equations: list[Extracted], text: str) -> list[Extracted]:
    """Each equation's column: where its first word starts on its line (1-based)."""
    lines = text.splitlines()
    placed = []
    for equation in equations:
        column = 1
        if 0 < equation.line <= len(lines) and equation.text:
            found = lines[equation.line - 1].find(equation.text.split()[0])
            column = found + 1 if found >= 0 else 1
        placed.append(Extracted(equation.text, equation.line, column))
    return placed


LATEX_SUFFIXES = (".tex", ".latex", ".ltx")


def looks_like_latex(text: str) -> bool:
    """Standard input is LaTeX when it has ``\\documentclass`` or ``\\begin{document}``, or when
    its first line that is not blank starts with ``%`` or a command (``\\begin{align*}``)."""
    if "\\documentclass" in text or "\\begin{document}" in text:
        return True
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first.startswith(("%", "\\"))


def load_document(path: str) -> Document:
    """Read a Markdown or LaTeX file (``-``: standard input, see :func:`looks_like_latex`): its
    equations and its symchain options."""
    text = read_source(path)
    lines = text.splitlines()
    is_latex = path.lower().endswith(LATEX_SUFFIXES) or (path == STDIN and looks_like_latex(text))
    options: tuple[str, ...] | None = None
    options_line: int | None = None
    if not is_latex:
        front, first = front_matter(text)
        options, where = _options_from_lines(front)
        if where is not None:
            options_line = first + where - 1
    if options is None:
        options, options_line = _options_from_lines(lines)
    equations = latex_equations(text) if is_latex else markdown_equations(text)
    if len(equations) > MAX_EQUATIONS:
        raise TooLargeError(
            f"{path!r} has {len(equations)} equations; at most {MAX_EQUATIONS} per file"
        )
    return Document(path, tuple(_with_columns(equations, text)), options, options_line)
