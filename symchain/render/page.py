"""The interactive page's builder: a :class:`Page` (graph, entries, sections) as one HTML view.

A page is fed by either kind of derivation: :mod:`symchain.render.html` builds one from a dense
network's derivation, :mod:`symchain.graphs.page` from a graph of named quantities. Either way
the view holds the dependency graph (inline SVG), a list of entries (parameters, and error terms
or adjoints), each entry's chain formulas, then the plain sections (forward pass, ∇C, ...), in
one or more notations; KaTeX's JavaScript, CSS and fonts are inlined, so it works offline, and
without JavaScript every formula shows its LaTeX source.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from importlib import resources
from urllib.parse import quote

import sympy as sp

from ..derivation import Factor
from ..nodes import Partial

# A group of entries starts open when it has at most this many entries.
OPEN_GROUP = 64

# The attribute naming an entry in the entry list, by kind (``data-param="w^{(L)}"``).
PICK_ATTRIBUTES = {"parameter": "data-param", "error": "data-error", "adjoint": "data-adjoint"}

# The page's own body (a view embedded in a docs page leaves the page's body alone).
_PAGE_BODY = (
    "body { margin: 0; background: #ffffff; } "
    "@media (prefers-color-scheme: dark) { body { background: #16181d; } }"
)

_FONT_RE = re.compile(r"src:url\(fonts/([A-Za-z0-9_-]+)\.woff2\)[^;}]*")


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("symchain.render") / "assets" / name).read_text(encoding="utf-8")


@functools.cache
def _katex_css() -> str:
    """KaTeX's CSS with its woff2 fonts as data URIs (the woff and ttf fallbacks dropped)."""
    fonts = resources.files("symchain.render") / "assets" / "katex" / "fonts"

    def embed(match: re.Match[str]) -> str:
        data = base64.b64encode((fonts / f"{match.group(1)}.woff2").read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    return _FONT_RE.sub(embed, _asset("katex/katex.min.css"))


@functools.cache
def _script() -> str:
    """KaTeX's JavaScript and the page's own, safe inside one ``<script>`` element."""
    code = _asset("katex/katex.min.js") + "\n" + _asset("page.js")
    lowered = code.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise RuntimeError("an inlined script contains '</script' or '<!--'")
    return code


@dataclass(frozen=True)
class PageFormula:
    """One displayed formula: its LaTeX, what it is, and where its factors are (``marks``)."""

    tex: str
    kind: str
    marks: str | None = None
    chain: bool = False


@dataclass(frozen=True)
class PageEntry:
    """A clickable entry: a parameter, an error term or an adjoint.

    Attributes:
        key: unique among entries (the symbol's name).
        kind: a key of :data:`PICK_ATTRIBUTES`.
        node: the graph node it starts from (its path runs from there to the loss).
        names: per notation, the LaTeX name (``data-param`` value and permalink).
        labels: per notation, the Unicode label on its button.
        formulas: per notation, its formulas (chain first).
        factors: per factor index, the (source, target) node pairs the factor spans (see
            :func:`factor_spans`); hovering a factor highlights every path between them.
    """

    key: str
    kind: str
    node: str
    names: Mapping[str, str]
    labels: Mapping[str, str]
    formulas: Mapping[str, tuple[PageFormula, ...]]
    factors: tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class EntryGroup:
    """Entries listed together under a title (per notation)."""

    titles: Mapping[str, str]
    entries: tuple[PageEntry, ...]


@dataclass(frozen=True)
class PageSection:
    """A section of plain formulas after the chains (forward pass, error terms, ∇C)."""

    key: str
    title: str
    formulas: Mapping[str, tuple[PageFormula, ...]]


@dataclass(frozen=True)
class Page:
    """Everything a view shows; ``notations`` lists the notations every mapping is keyed by.

    ``loss`` is the loss's node: an entry's path runs from its node to there.
    """

    title: str
    loss: str
    notations: tuple[str, ...]
    svg: str
    groups: tuple[EntryGroup, ...]
    sections: tuple[PageSection, ...]
    hint: str

    @property
    def entries(self) -> tuple[PageEntry, ...]:
        return tuple(entry for group in self.groups for entry in group.entries)


def render_page(page: Page, style: str, standalone: bool) -> str:
    """``page`` as a whole document (``standalone``) or as an embeddable ``<div>``."""
    view = _view(page, style, standalone)
    if not standalone:
        return view
    title = escape(page.title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f'<title>{title}</title>\n<meta name="generator" content="symchain">\n'
        f"<style>{_PAGE_BODY}</style>\n"
        "</head>\n<body>\n" + view + "\n</body>\n</html>\n"
    )


def _view(page: Page, style: str, standalone: bool) -> str:
    """The view: style, header, graph, entry list, chains, sections, script."""
    parts = [
        f'<div class="symchain-view" data-notation="{style}" '
        f'data-notations="{" ".join(page.notations)}" data-loss="{escape(page.loss)}" '
        f'data-permalinks="{"on" if standalone else "off"}">',
        "<style>" + _katex_css() + "</style>",
        "<style>" + _asset("page.css") + "</style>",
        _header(page, standalone),
        '<div class="layout">',
        '<section class="graph-panel"><h2>Dependency graph</h2>',
        '<div class="graph-box">' + page.svg + "</div></section>",
        _entry_list(page, style, standalone),
        "</div>",
        '<section class="chains"><h2>Chains</h2>',
        f'<p class="hint">{page.hint}</p>',
        *(_entry_article(page, entry, style, standalone) for entry in page.entries),
        "</section>",
        *(_plain_section(page, section) for section in page.sections),
        "<script>" + _script() + "</script>",
        "</div>",
    ]
    return "\n".join(line for line in "\n".join(parts).split("\n") if line.strip())


def _header(page: Page, standalone: bool) -> str:
    heading = "h1" if standalone else "h2"
    title = f"<{heading}>{escape(page.title)}</{heading}>"
    if len(page.notations) < 2:
        return f"<header>{title}</header>"
    buttons = "".join(
        f'<button type="button" data-choose="{s}">{s}</button>' for s in page.notations
    )
    return f'<header>{title}<div class="controls" hidden>Notation: {buttons}</div></header>'


def _both(page: Page, texts: Mapping[str, str]) -> str:
    """One inline math element per notation (the page's script shows the chosen one)."""
    return "".join(
        f'<span class="math inline" data-n="{s}">{escape(texts[s], quote=False)}</span>'
        for s in page.notations
    )


def _entry_list(page: Page, style: str, standalone: bool) -> str:
    """The list of entries, group by group.

    In a whole page each entry is a link to its permalink (which works without JavaScript too);
    in an embedded view, a button.
    """
    parts = ['<nav class="entries"><h2>Parameters</h2>']
    for group in page.groups:
        titles = "".join(
            f'<span data-n="{s}">{escape(group.titles[s])}</span>' for s in page.notations
        )
        opened = " open" if len(group.entries) <= OPEN_GROUP else ""
        parts.append(
            f'<details class="group"{opened}><summary>{titles} ({len(group.entries)})</summary><ul>'
        )
        for entry in group.entries:
            name = entry.names[style]
            opening = (
                f'<a class="pick" href="#{quote(name, safe="")}"'
                if standalone
                else '<button type="button" class="pick"'
            )
            labels = "".join(
                f'<span data-n="{s}">{escape(entry.labels[s])}</span>' for s in page.notations
            )
            closing = "</a>" if standalone else "</button>"
            parts.append(
                f'<li>{opening} {PICK_ATTRIBUTES[entry.kind]}="{escape(name)}" '
                f'data-entry="{escape(entry.key)}">{labels}{closing}</li>'
            )
        parts.append("</ul></details>")
    parts.append("</nav>")
    return "\n".join(parts)


def _formula(notation: str, formula: PageFormula) -> str:
    extra = f' data-marks="{formula.marks}"' if formula.marks is not None else ""
    if formula.chain:
        extra += ' data-chain="1"'
    return (
        f'<div class="math" data-n="{notation}" data-kind="{formula.kind}"{extra}>'
        f"{escape(formula.tex, quote=False)}</div>"
    )


def _entry_article(page: Page, entry: PageEntry, style: str, standalone: bool) -> str:
    """An entry's formulas, in every notation."""
    anchor = f' id="{escape(entry.names[style])}"' if standalone else ""
    names = json.dumps([entry.names[s] for s in page.notations], ensure_ascii=False)
    spans = json.dumps(
        [[list(pair) for pair in pairs] for pairs in entry.factors], separators=(",", ":")
    )
    parts = [
        f'<article class="entry" data-entry="{escape(entry.key)}" data-kind="{entry.kind}" '
        f'data-node="{escape(entry.node)}" data-names="{escape(names)}" '
        f'data-factors="{escape(spans)}"{anchor}>',
        f"<h3>{_both(page, entry.names)}</h3>",
    ]
    for s in page.notations:
        parts.extend(_formula(s, formula) for formula in entry.formulas[s])
    parts.append("</article>")
    return "\n".join(parts)


def _plain_section(page: Page, section: PageSection) -> str:
    """A section of formulas in every notation (nothing when it has none)."""
    if not any(section.formulas[s] for s in page.notations):
        return ""
    parts = [f'<section class="{section.key}"><h2>{escape(section.title)}</h2>']
    for s in page.notations:
        parts.extend(_formula(s, formula) for formula in section.formulas[s])
    parts.append("</section>")
    return "\n".join(parts)


def factor_marks(tex: str, start: str, runs: Iterable[Iterable[tuple[int, str]]]) -> str | None:
    """Where each factor is in ``tex``: ``begin,end,index`` triples joined by ``;``.

    ``runs`` lists the factors of each side (index, LaTeX) in the order they are written after
    ``start``; offsets count UTF-16 code units, as JavaScript strings do. The page's script wraps
    each range in ``\\htmlData{factor=index}{...}``. None when a factor is not where it should be.
    """
    cursor = tex.find(start)
    if cursor < 0:
        return None
    cursor += len(start)
    marks = []
    for run in runs:
        for index, item in run:
            at = tex.find(item, cursor)
            if at < 0:
                return None
            cursor = at + len(item)
            marks.append(f"{_utf16(tex, at)},{_utf16(tex, cursor)},{index}")
    return ";".join(marks)


def _utf16(text: str, offset: int) -> int:
    """``offset`` (code points into ``text``) in UTF-16 code units."""
    head = text[:offset]
    return offset if head.isascii() else len(head.encode("utf-16-le")) // 2


def factor_spans(
    factors: Iterable[Factor], key: Callable[[sp.Symbol], str]
) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per factor ∂N/∂T, the (T, N) node pairs it spans (its edges: every path T → N)."""
    spans = []
    for factor in factors:
        partials = sorted(factor.leibniz.atoms(Partial), key=lambda p: (str(p.args[1]), str(p)))
        spans.append(tuple(sorted({(key(p.denominator), key(p.numerator)) for p in partials})))
    return tuple(spans)
