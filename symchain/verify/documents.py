"""Equations from Markdown (markdown-it-py with the MyST math plugins) and LaTeX documents.

Each equation comes with its line number; aligned rows are split on ``\\\\`` and ``&`` and a row
that starts with ``=`` continues the previous row's left side. Network options written in the
document (front matter or a comment ``symchain: --layers 2,3,2``) are returned as words for the
CLI to parse with its own option parser.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ..errors import InputFileError, TooLargeError

MAX_FILE_BYTES = 1_000_000
MAX_EQUATIONS = 2000


@dataclass(frozen=True)
class Extracted:
    """One equation found in a document."""

    text: str
    line: int


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


def read_text_file(path: Path) -> str:
    """A document's text; one clear error for missing, huge or binary files."""
    try:
        if path.is_dir():
            raise InputFileError(f"{str(path)!r} is a directory, not a document")
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputFileError(f"file {str(path)!r} does not exist") from None
    except OSError as error:
        raise InputFileError(f"cannot read {str(path)!r}: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise TooLargeError(
            f"file {str(path)!r} has {size} bytes; documents up to {MAX_FILE_BYTES} bytes"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"cannot read {str(path)!r}: {error.strerror}") from None
    if b"\x00" in data:
        raise InputFileError(f"{str(path)!r} is a binary file; give Markdown or LaTeX text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(f"{str(path)!r} is not UTF-8 text; give Markdown or LaTeX") from None


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


def split_rows(body: str, first_line: int) -> list[Extracted]:
    """Rows of a math block: split on ``\\\\``, drop ``&``, continue ``= ...`` rows."""
    body = _DROP_RE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    rows: list[Extracted] = []
    line = first_line
    previous_left: str | None = None
    for raw in _top_level_rows(body):
        row_line = line + raw[: len(raw) - len(raw.lstrip())].count("\n")
        line += raw.count("\n")
        text = " ".join(raw.replace("&", " ").split()).rstrip(".,; ")
        if not text:
            continue
        if text.startswith("=") and previous_left is not None:
            text = f"{previous_left} {text}"
        elif "=" in text:
            previous_left = text.split("=", 1)[0].strip()
        rows.append(Extracted(text, row_line))
    return rows


_DERIVATIVE_RE = re.compile(r"\\partial(?![a-zA-Z])|∂|\\delta(?![a-zA-Z])|δ")


def derivative_on_left(text: str) -> bool:
    """Whether an equation has a derivative (∂ or δ) left of its first top-level ``=``."""
    depth = 0
    for position, char in enumerate(text):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "=" and depth == 0:
            return _DERIVATIVE_RE.search(text[:position]) is not None
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


def _front_matter(lines: list[str]) -> list[str]:
    if not lines or lines[0].strip() != "---":
        return []
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            return lines[: end + 1]
    return []


def markdown_equations(text: str) -> list[Extracted]:
    """Math in a Markdown text: ``$$..$$``, ``$..$``, amsmath environments, ```math fences."""
    parser = MarkdownIt("commonmark").use(dollarmath_plugin, double_inline=True).use(amsmath_plugin)
    found: list[Extracted] = []
    for token in parser.parse(text):
        start = (token.map[0] + 1) if token.map else 1
        if token.type in ("math_block", "math_block_label", "amsmath"):
            found += split_rows(token.content, start + (0 if token.type == "amsmath" else 0))
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


_TEX_ENV_RE = re.compile(
    r"\\begin\{(?P<env>equation\*?|align\*?|gather\*?|multline\*?|eqnarray\*?)\}"
    r"(?P<body>.*?)\\end\{(?P=env)\}"
    r"|\\\[(?P<display>.*?)\\\]"
    r"|\$\$(?P<dollars>.*?)\$\$",
    re.DOTALL,
)


def _strip_tex_comments(text: str) -> str:
    """Blank out % comments (keeping line structure and offsets)."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)


def latex_equations(text: str) -> list[Extracted]:
    """Display math in a LaTeX text: equation, align (rows), ``\\[..\\]`` and ``$$..$$``."""
    clean = _strip_tex_comments(text)
    found: list[Extracted] = []
    for match in _TEX_ENV_RE.finditer(clean):
        group = (
            "body"
            if match.group("body") is not None
            else ("display" if match.group("display") is not None else "dollars")
        )
        start = match.start(group)
        line = clean.count("\n", 0, start) + 1
        found += split_rows(match.group(group), line)
    return found


def load_document(path: Path) -> Document:
    """Read a ``.md``/``.markdown`` or ``.tex`` file: its equations and its symchain options."""
    text = read_text_file(path)
    lines = text.splitlines()
    front = _front_matter(lines)
    options, options_line = _options_from_lines(front)
    if options is None:
        options, options_line = _options_from_lines(lines)
    suffix = path.suffix.lower()
    if suffix in (".tex", ".latex", ".ltx"):
        equations = latex_equations(text)
    else:
        body = text
        if front:
            body = "\n" * len(front) + "\n".join(lines[len(front) :])
        equations = markdown_equations(body)
    if len(equations) > MAX_EQUATIONS:
        raise TooLargeError(
            f"{str(path)!r} has {len(equations)} equations; at most {MAX_EQUATIONS} per file"
        )
    return Document(str(path), tuple(equations), options, options_line)
