"""Line breaking for long formulas: estimate a LaTeX formula's printed width, split long sides.

A side of an equation that is a product of factors (a chain, a batch average) or a list (∇C)
carries its pieces in a :class:`Pieces`; :func:`break_side` packs them greedily into rows no
wider than a limit, so an ``align*``/``aligned`` block continues on the next line instead of
running off the page. Widths are estimates in "characters" (one italic letter = 1).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

# Widest right-hand side row, in estimated characters (fits A4 with 2 cm margins at 11 pt, and a
# docs page's content column).
ROW_WIDTH = 75.0

_COMMAND_RE = re.compile(r"\\([A-Za-z]+|.)")
_ZERO_WIDTH = {"left", "right", "biggl", "biggr", "bigl", "bigr", "Bigl", "Bigr", "mathsf"}
_WORD_COMMANDS = {"operatorname", "text", "mathrm"}
_WIDE = {"sum": 2.0, "cdot": 1.5, "quad": 2.0, "qquad": 4.0, "nabla": 1.5}


@dataclass(frozen=True)
class Pieces:
    """A side as pieces that may go on separate rows.

    Attributes:
        items: the pieces (factors of a product, entries of a list), each valid LaTeX.
        joiner: ``"product"`` (juxtaposed, ``\\cdot`` before a number) or ``"list"`` (commas).
        opening: written before the first piece when broken (``\\frac{1}{n} \\sum ... \\biggl[``).
        closing: written after the last piece when broken (e.g. ``\\biggr]``).
        force: use this layout even when the side would fit on one row.
        width: the whole side's :func:`display_width`, summed from its parts by whoever built
            it (None: measure the side's text). Summing in another order may differ from
            measuring in the last bits, so a side within :data:`_NEAR` of the limit is measured.
    """

    items: tuple[str, ...]
    joiner: str = "product"
    opening: str = ""
    closing: str = ""
    force: bool = False
    width: float | None = None


# Closer than this to a row's limit, a width summed from parts is not trusted to decide a break.
_NEAR = 1e-6


# A brace that opens or closes a group (not an escaped ``\{`` or ``\}``).
_BRACE_RE = re.compile(r"(?<!\\)[{}]")
# One step of :func:`display_width`: a command, a script mark, characters of no width, an
# operator, or a run of ordinary characters (one width each).
_TOKEN_RE = re.compile(r"\\([A-Za-z]+|.)|([_^])|([{} &]+)|([-+=])|([^-+=\\^_{} &]+)")


def _group_end(text: str, start: int) -> int:
    """Index just past the brace group starting at ``text[start] == '{'``."""
    depth = 0
    for match in _BRACE_RE.finditer(text, start):
        if match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.end()
    return len(text)


def _argument(text: str, start: int) -> tuple[str, int]:
    """The next argument (a brace group's contents or one token) and the index after it."""
    while start < len(text) and text[start] == " ":
        start += 1
    if start >= len(text):
        return "", start
    if text[start] == "{":
        end = _group_end(text, start)
        return text[start + 1 : end - 1], end
    match = _COMMAND_RE.match(text, start)
    if match:
        return match.group(0), match.end()
    return text[start], start + 1


@functools.lru_cache(maxsize=1 << 16)
def display_width(latex: str) -> float:
    """Estimated printed width of a LaTeX formula, in italic-letter widths."""
    width = 0.0
    index = 0
    while index < len(latex):
        match = _TOKEN_RE.match(latex, index)
        assert match is not None
        name, script, _blank, operator, plain = match.groups()
        index = match.end()
        if name is not None:
            if name == "frac":
                top, index = _argument(latex, index)
                bottom, index = _argument(latex, index)
                width += max(display_width(top), display_width(bottom)) + 0.5
            elif name in _WORD_COMMANDS:
                word, index = _argument(latex, index)
                width += len(word)
            elif name in ("begin", "end"):
                _, index = _argument(latex, index)
            elif name in _ZERO_WIDTH or not name.isalpha():
                width += 0.0 if name.isalpha() or name in ",;!" else 1.0
            else:
                width += _WIDE.get(name, 1.0 if len(name) <= 5 else 3.0)
        elif script is not None:
            argument, index = _argument(latex, index)
            width += 0.7 * display_width(argument)
        elif operator is not None:
            width += 2.0
        elif plain is not None:
            if width.is_integer():  # exact: the same sum as adding 1.0 per character
                width += len(plain)
            else:
                for _ in plain:
                    width += 1.0
    return width


def join_pieces(items: list[str] | tuple[str, ...], joiner: str) -> str:
    """Pieces on one row: juxtaposed (``\\cdot`` before a number) or comma-separated."""
    if joiner == "list":
        return ", ".join(items)
    result = ""
    for item in items:
        if result:
            result += r" \cdot " if item[:1].isdigit() else " "
        result += item
    return result


def _side_width(text: str, pieces: Pieces, limit: float) -> float:
    """The width of ``text``: the one its pieces carry, unless it is too close to ``limit``."""
    if pieces.width is not None and abs(pieces.width - limit) > _NEAR:
        return pieces.width
    return display_width(text)


def product_width(text: str, items: tuple[str, ...], frame: str = "") -> float | None:
    """The :func:`display_width` of ``text``, the product of ``items`` (juxtaposed, or joined
    by ``\\cdot``) inside ``frame`` (its text without the product), summed from the parts'
    cached widths; None when ``text`` is not made that way."""
    joins = len(items) - 1
    extra = len(text) - len(frame) - sum(map(len, items)) - joins
    dots, rest = divmod(extra, len(_CDOT) - 1)
    if rest or not 0 <= dots <= joins:
        return None
    return display_width(frame) + sum(map(display_width, items)) + dots * display_width(_CDOT)


_CDOT = r" \cdot "


def break_side(text: str, pieces: Pieces | None, limit: float = ROW_WIDTH) -> list[str]:
    """``text`` as one row, or, when wider than ``limit`` and breakable, several rows.

    Every row but the first starts with a ``\\quad`` indent; a product continued on a new row
    starting with a number gets its ``\\cdot``.
    """
    if pieces is None or len(pieces.items) < 2:
        return [text]
    if not pieces.force and _side_width(text, pieces, limit) <= limit:
        return [text]
    rows: list[list[str]] = [[]]
    used = display_width(pieces.opening)
    for item in pieces.items:
        size = display_width(item) + 1.0
        if rows[-1] and used + size > limit:
            rows.append([])
            used = 4.0
        rows[-1].append(item)
        used += size
    if len(rows) == 1 and not pieces.force:
        return [text]
    texts = []
    for number, row in enumerate(rows):
        line = join_pieces(row, pieces.joiner)
        if number > 0 and pieces.joiner == "product" and row[0][:1].isdigit():
            line = r"\cdot " + line
        if number == 0 and pieces.opening:
            line = f"{pieces.opening} {line}"
        if pieces.joiner == "list" and number < len(rows) - 1:
            line += ","
        if number == len(rows) - 1 and pieces.closing:
            line = f"{line} {pieces.closing}"
        texts.append(line)
    return texts


# Plain-text formulas (the Unicode printer's output) break only at spaces, so a symbol such as
# ``w⁽ᴸ⁻¹⁾₁₀`` or ``σ'(z⁽ᴸ⁾)`` is never split. Breaks before an operator and after a comma are
# preferred, and shallow ones (outside parentheses) before deep ones.
_TEXT_OPERATORS = ("·", "+", "-", "−", "=", "×")
_OPENING, _CLOSING = "([{", ")]}"
_TEXT_MARKS = re.compile(r"[ ()\[\]{}]")


@functools.lru_cache(maxsize=1 << 16)  # the same symbols and factors recur in every formula
def cell_width(text: str) -> int:
    """Terminal columns of ``text`` (wide characters count twice)."""
    if text.isascii() or _narrow.unknown.search(text) is None:
        return len(text)
    chars = set(text)
    _narrow.learn(chars)
    return len(text) + sum(text.count(char) for char in chars if _is_wide(char))


class _NarrowCharacters:
    """The characters met so far that take one column, and a pattern finding any other: a
    formula is one column per character when the pattern finds nothing (one scan in C)."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.unknown = re.compile("[^\\x00-\\x7f]")

    def learn(self, chars: set[str]) -> None:
        new = {char for char in chars - self.known if char.isascii() or not _is_wide(char)}
        if new:
            self.known |= new
            escaped = "".join(re.escape(char) for char in sorted(self.known) if not char.isascii())
            self.unknown = re.compile(f"[^\\x00-\\x7f{escaped}]")


_narrow = _NarrowCharacters()


@functools.lru_cache(maxsize=4096)
def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _text_breaks(text: str) -> list[tuple[int, float]]:
    """``(position of a space, rank)``: lower ranks are better places to break."""
    breaks = []
    depth = 0
    space = -1  # the previous space
    last = len(text) - 1
    for match in _TEXT_MARKS.finditer(text):
        char = match.group()
        if char == " ":
            index = match.start()
            before, space = text[space + 1 : index], index
            if index == 0 or index == last:
                continue
            if before in _TEXT_OPERATORS or before[:1] == "Σ":
                continue  # an operator or a sum sign stays with what follows it
            good = text.startswith(_TEXT_OPERATORS, index + 1) or text[index - 1] == ","
            breaks.append((index, depth + (0.0 if good else 0.5)))
        elif char in _OPENING:
            depth += 1
        elif depth:
            depth -= 1
    return breaks


def _pack(
    text: str, cuts: list[int], limit: int, overflow: bool = False, narrow: bool = False
) -> list[str] | None:
    """``text``'s pieces between the spaces at ``cuts``, packed greedily into rows of at most
    ``limit`` columns (a row keeps the spaces between its pieces).

    None when a piece alone is wider than ``limit``, unless ``overflow`` lets it stick out.
    ``narrow``: no wide character in ``text``, so a piece's width is its length.
    """
    rows: list[str] = []
    first = last = used = 0  # the row being packed: text[first:last], ``used`` columns wide
    start = 0
    for end in itertools.chain(cuts, (len(text),)):
        size = end - start if narrow else cell_width(text[start:end])
        if size > limit and not overflow:
            return None
        if start and used + 1 + size <= limit:
            last, used = end, used + 1 + size
        else:
            if start:
                rows.append(text[first:last])
            first, last, used = start, end, size
        start = end + 1
    rows.append(text[first:last])
    return rows


def wrap_text(text: str, limit: int) -> list[str]:
    """A plain-text formula in rows of at most ``limit`` columns, broken only at spaces.

    The best-ranked breaks that make every piece fit are used (operators and commas outside
    parentheses first); a single symbol wider than ``limit`` overflows rather than being split.
    """
    width = cell_width(text)
    if width <= limit:
        return [text]
    return list(_wrapped(text, limit, width))


# A factor's equation (∂C₀/∂a = Σ w δ) recurs in every parameter its neuron feeds.
@functools.lru_cache(maxsize=1 << 10)
def _wrapped(text: str, limit: int, width: int) -> tuple[str, ...]:
    """:func:`wrap_text` of a ``text`` wider than ``limit``, ``width`` columns wide."""
    return tuple(_wrap_wide(text, limit, width))


def _wrap_wide(text: str, limit: int, width: int) -> list[str]:
    return _wrap_breaks(text, limit, width, _text_breaks(text))


def _wrap_breaks(
    text: str, limit: int, width: int, breaks: list[tuple[int, float]]
) -> list[str]:
    """Rows of ``text`` at its ``breaks`` (see :func:`wrap_text`)."""
    narrow = width == len(text)
    for rank in sorted({rank for _, rank in breaks}):
        rows = _pack(text, [index for index, r in breaks if r <= rank], limit, narrow=narrow)
        if rows is not None:
            return rows
    cuts = [index for index, _ in breaks]
    return _pack(text, cuts, limit, overflow=True, narrow=narrow) or [text]


def wrap_product(text: str, items: tuple[str, ...], limit: int) -> list[str]:
    """:func:`wrap_text` of ``text``, a product of ``items`` joined by `` · `` (inside a frame
    such as ``(1/n) Σᵢ₌₀ⁿ⁻¹ [...]``), with the breaks found factor by factor: the factors recur
    in many products, so each is scanned once. Falls back to :func:`wrap_text` where the text is
    not made that way or a factor's breaks could differ inside it.
    """
    width = cell_width(text)
    if width <= limit:
        return [text]
    breaks = _product_breaks(text, items)
    if breaks is None:
        return wrap_text(text, limit)
    return _wrap_breaks(text, limit, width, breaks)


_JOINER = " · "


def _product_breaks(text: str, items: tuple[str, ...]) -> list[tuple[int, float]] | None:
    """:func:`_text_breaks` of ``text`` assembled from its factors' (None: not applicable)."""
    joined = _JOINER.join(items)
    start = text.find(joined) if items else -1
    prefix, suffix = text[:start], text[start + len(joined) :]
    if start < 0 or prefix.endswith(" ") or " " in suffix:
        return None
    head = _scan(prefix)
    if head is None:
        return None
    breaks, depth = list(head[0]), head[1]
    tail = prefix[prefix.rfind(" ") + 1 :]  # what precedes the first factor since a space
    offset = len(prefix)
    for item in items:
        scan = _scan(item)
        if scan is None or scan[1] != 0 or item.startswith(" ") or item.endswith(" "):
            return None
        first = item.find(" ")
        chunk = item if first < 0 else item[:first]
        if tail and _operator_chunk(tail + chunk) != _operator_chunk(chunk):
            return None
        breaks.extend((offset + index, rank + depth) for index, rank in scan[0])
        offset += len(item)
        if offset < start + len(joined):  # the space before the next `·`
            last = (tail + item) if first < 0 else item[item.rfind(" ") + 1 :]
            if not _operator_chunk(last):
                breaks.append((offset, depth + 0.0))
            offset += len(_JOINER)
        tail = ""
    return breaks


def _operator_chunk(chunk: str) -> bool:
    """A space after ``chunk`` is no break: an operator or a sum sign stays with what follows."""
    return chunk in _TEXT_OPERATORS or chunk[:1] == "Σ"


@functools.lru_cache(maxsize=1 << 14)
def _scan(text: str) -> tuple[tuple[tuple[int, float], ...], int] | None:
    """``text``'s own breaks and the bracket depth after it; None when a closing bracket with
    nothing open is met (its breaks would then depend on what comes before)."""
    depth = 0
    for match in _TEXT_MARKS.finditer(text):
        char = match.group()
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            if not depth:
                return None
            depth -= 1
    return tuple(_text_breaks(text)), depth


def _top_level_sides(text: str) -> list[str]:
    """``text`` split at the `` = `` signs outside brackets."""
    sides, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(" = ", index) and index >= start:
            sides.append(text[start:index])
            start = index + 3
    return [*sides, text[start:]]


def wrap_equation_lines(text: str, limit: int) -> str:
    """Plain text whose too-wide lines ``indent a = b = c`` are wrapped to ``limit`` columns.

    Each further side starts a row with its ``=`` under the first one; a side too wide for its
    row continues four columns further in, broken by :func:`wrap_text`. When the left side takes
    more than a third of the width, the right sides start on their own rows under the indent.
    """
    lines = []
    for line in text.split("\n"):
        if cell_width(line) <= limit:
            lines.append(line)
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        left, *sides = _top_level_sides(body)
        if not sides:
            rows = wrap_text(body, max(limit - indent - 4, 20))
            lines.append(" " * indent + rows[0])
            lines.extend(" " * (indent + 4) + row for row in rows[1:])
            continue
        column = indent + cell_width(left) + 1  # where the first "=" is
        first = " " * indent + left
        if column > limit // 3:
            lines.append(first)
            column, first = indent + 4, ""
        for number, side in enumerate(sides):
            rows = wrap_text(side, max(limit - column - 6, 20))
            lead = f"{first} = " if number == 0 and first else " " * column + "= "
            lines.append(lead + rows[0])
            lines.extend(" " * (column + 4) + row for row in rows[1:])
    return "\n".join(lines)
