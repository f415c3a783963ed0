"""A derivation as one self-contained interactive HTML page (KaTeX inlined, works offline).

The page holds the dependency graph (inline SVG), a list of every parameter and error term,
each one's chain (Leibniz product, evaluated factors, result, batch average), the forward pass,
the error terms and ∇C, in both notations. Every formula is the text the LaTeX and Markdown
outputs write (from :func:`symchain.render.document.build_document`), so without JavaScript the
page shows the LaTeX source; the inlined KaTeX typesets it, on demand on large pages. Clicking an
entry highlights its path to C_0; hovering a factor highlights its edges and back.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass
from html import escape
from importlib import resources
from urllib.parse import quote

from .. import naming
from ..derivation import Derivation, Factor
from ..errors import UnknownNameError
from ..naming import NOTATIONS
from ..nodes import Partial
from ..printing import NotationLatexPrinter, NotationUnicodePrinter
from .document import Equation, Section, build_document, network_title
from .graph import dependency_graph
from .latex import latex_printer
from .markdown import math_block
from .svg import ENGINES, graph_svg

# A layer's group of parameters starts open when it has at most this many entries.
OPEN_GROUP = 64

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
class _Entry:
    """A parameter or error term: its key (symbol name), graph node, names and sections."""

    key: str
    kind: str
    node: str
    group: int
    names: dict[str, str]
    labels: dict[str, str]
    sections: dict[str, Section]
    factors: tuple[Factor, ...]


def render_html(
    derivation: Derivation,
    style: str = "relative",
    *,
    standalone: bool = True,
    graph: str = "auto",
) -> str:
    """The derivation as an interactive HTML page (``standalone``) or an embeddable ``<div>``.

    Args:
        derivation: what to show.
        style: the notation shown first (``relative`` or ``absolute``); both are in the page.
        standalone: a whole document (``<!DOCTYPE html>``, permalinks ``#w^{(L)}``); otherwise a
            ``<div class="symchain-view">`` with its own style and script and no blank line, for
            a docs page or a notebook.
        graph: the graph layout, ``auto``, ``dot`` or ``builtin`` (see :mod:`.svg`).
    """
    if style not in NOTATIONS:
        raise UnknownNameError(f"unknown notation {style!r}; known: {', '.join(NOTATIONS)}")
    if graph not in ENGINES:
        raise UnknownNameError(f"unknown graph layout {graph!r}; known: {', '.join(ENGINES)}")
    view = _view(derivation, style, graph, standalone)
    if not standalone:
        return view
    title = escape(f"Backpropagation: {network_title(derivation)}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f'<title>{title}</title>\n<meta name="generator" content="symchain">\n'
        f"<style>{_PAGE_BODY}</style>\n"
        "</head>\n<body>\n" + view + "\n</body>\n</html>\n"
    )


def _view(derivation: Derivation, style: str, engine: str, standalone: bool) -> str:
    """The view: style, header, graph, entry list, chains, sections, script."""
    # Both notations' documents, section by section (the same order in each).
    printers = {s: latex_printer(derivation, s) for s in NOTATIONS}
    documents = {s: build_document(derivation, printers[s]) for s in NOTATIONS}
    entries = _entries(derivation, documents, printers)
    network = derivation.network
    svg = graph_svg(dependency_graph(network), network, style, engine)
    parts = [
        f'<div class="symchain-view" data-notation="{style}" '
        f'data-permalinks="{"on" if standalone else "off"}">',
        "<style>" + _katex_css() + "</style>",
        "<style>" + _asset("page.css") + "</style>",
        _header(derivation, standalone),
        '<div class="layout">',
        '<section class="graph-panel"><h2>Dependency graph</h2>',
        '<div class="graph-box">' + svg + "</div></section>",
        _entry_list(derivation, entries, style, standalone),
        "</div>",
        '<section class="chains"><h2>Chains</h2>',
        '<p class="hint">Pick a parameter or an error term to see its chain and its path to '
        "C<sub>0</sub>; hover a factor to see its edges.</p>",
        *(_entry_article(entry, style, standalone, printers) for entry in entries),
        "</section>",
        _plain_section("forward", "Forward pass", documents),
        _error_section(entries),
        _plain_section("gradient", "Gradient", documents),
        "<script>" + _script() + "</script>",
        "</div>",
    ]
    return "\n".join(line for line in "\n".join(parts).split("\n") if line.strip())


def _header(derivation: Derivation, standalone: bool) -> str:
    heading = "h1" if standalone else "h2"
    title = escape(f"Backpropagation: {network_title(derivation)}")
    buttons = "".join(f'<button type="button" data-choose="{s}">{s}</button>' for s in NOTATIONS)
    return (
        f"<header><{heading}>{title}</{heading}>"
        f'<div class="controls" hidden>Notation: {buttons}</div></header>'
    )


def _entries(
    derivation: Derivation,
    documents: dict[str, list[Section]],
    printers: dict[str, NotationLatexPrinter],
) -> list[_Entry]:
    """Error terms then parameters, in the documents' order."""
    keyed = {s: {section.key: section for section in documents[s]} for s in NOTATIONS}
    widths = derivation.network.widths
    labellers = {
        s: NotationUnicodePrinter({"notation": naming.Notation(widths, s)}) for s in NOTATIONS
    }
    entries = []
    for term in derivation.errors:
        label = naming.label_of(term.symbol)
        assert label is not None and label.layer is not None and label.j is not None
        entries.append(
            _Entry(
                term.symbol.name,
                "error",
                naming.preactivation(label.layer, label.j).name,
                label.layer,
                {s: printers[s].doprint(term.symbol) for s in NOTATIONS},
                {s: labellers[s].doprint(term.symbol) for s in NOTATIONS},
                {s: keyed[s][term.symbol.name] for s in NOTATIONS},
                term.chain.factors,
            )
        )
    for gradient in derivation:
        label = gradient.label
        assert label.layer is not None
        entries.append(
            _Entry(
                gradient.parameter.name,
                "parameter",
                gradient.parameter.name,
                label.layer,
                {s: printers[s].doprint(gradient.parameter) for s in NOTATIONS},
                {s: labellers[s].doprint(gradient.parameter) for s in NOTATIONS},
                {s: keyed[s][gradient.parameter.name] for s in NOTATIONS},
                gradient.chain.factors,
            )
        )
    return entries


def _layer_names(derivation: Derivation, layer: int) -> dict[str, str]:
    return {s: naming.Notation(derivation.network.widths, s).layer_text(layer) for s in NOTATIONS}


def _both(texts: dict[str, str], inline: bool = True, extra: str = "") -> str:
    """One math element per notation (the page's script shows the chosen one)."""
    kind = "math inline" if inline else "math"
    return "".join(
        f'<span class="{kind}" data-n="{s}"{extra}>{escape(texts[s], quote=False)}</span>'
        for s in NOTATIONS
    )


def _entry_list(derivation: Derivation, entries: list[_Entry], style: str, standalone: bool) -> str:
    """The list of entries: parameters grouped by layer, then the error terms.

    In a whole page each entry is a link to its permalink (which works without JavaScript too);
    in an embedded view, a button.
    """
    parts = ['<nav class="entries"><h2>Parameters</h2>']
    groups: dict[tuple[str, int], list[_Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.kind, entry.group), []).append(entry)
    ordered = [g for g in groups if g[0] == "parameter"] + [g for g in groups if g[0] == "error"]
    for kind, layer in ordered:
        members = groups[(kind, layer)]
        names = _layer_names(derivation, layer)
        what = "error terms" if kind == "error" else "weights and biases"
        label = "".join(f'<span data-n="{s}">layer ({escape(names[s])})</span>' for s in NOTATIONS)
        opened = " open" if len(members) <= OPEN_GROUP else ""
        parts.append(
            f'<details class="group"{opened}><summary>{what.capitalize()}, {label} '
            f"({len(members)})</summary><ul>"
        )
        attribute = "data-error" if kind == "error" else "data-param"
        for entry in members:
            name = entry.names[style]
            opening = (
                f'<a class="pick" href="#{quote(name, safe="")}"'
                if standalone
                else '<button type="button" class="pick"'
            )
            labels = "".join(
                f'<span data-n="{s}">{escape(entry.labels[s])}</span>' for s in NOTATIONS
            )
            closing = "</a>" if standalone else "</button>"
            parts.append(
                f'<li>{opening} {attribute}="{escape(name)}" data-entry="{escape(entry.key)}">'
                f"{labels}{closing}</li>"
            )
        parts.append("</ul></details>")
    parts.append("</nav>")
    return "\n".join(parts)


def _formula(equation: Equation) -> str:
    """The formula the Markdown output writes for ``equation`` (``aligned`` rows when long)."""
    return "\n".join(math_block(equation)[1:-1])


def _marks(tex: str, start: str, runs: list[list[tuple[int, str]]]) -> str | None:
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


def _chain_marks(
    tex: str, factors: tuple[Factor, ...], printer: NotationLatexPrinter, start: str
) -> str | None:
    """Where the chain's factors are in its formula, on the Leibniz and the evaluated sides."""
    leibniz = [(i, printer.product([f.leibniz])) for i, f in enumerate(factors)]
    values = [(i, printer.product([f.value])) for i, f in enumerate(factors)]
    runs = [leibniz, values]
    kept = [(i, text) for (i, text), f in zip(values, factors, strict=True) if f.value != 1]
    if len(kept) != len(values) and kept:
        runs.append(kept)
    return _marks(tex, start, runs)


def _factor_edges(factors: tuple[Factor, ...]) -> str:
    """Per factor ∂N/∂T, the (T, N) node pairs it spans, as JSON (edges: every path T → N)."""
    spans = []
    for factor in factors:
        partials = sorted(factor.leibniz.atoms(Partial), key=lambda p: (str(p.args[1]), str(p)))
        spans.append(sorted({(p.denominator.name, p.numerator.name) for p in partials}))
    return json.dumps(spans, separators=(",", ":"))


def _entry_article(
    entry: _Entry, style: str, standalone: bool, printers: dict[str, NotationLatexPrinter]
) -> str:
    """An entry's chain, factors, result and batch average, in both notations."""
    anchor = f' id="{escape(entry.names[style])}"' if standalone else ""
    names = " ".join(entry.names[s] for s in NOTATIONS)
    parts = [
        f'<article class="entry" data-entry="{escape(entry.key)}" data-kind="{entry.kind}" '
        f'data-node="{escape(entry.node)}" data-names="{escape(names)}" '
        f'data-factors="{escape(_factor_edges(entry.factors))}"{anchor}>',
        f"<h3>{_both(entry.names)}</h3>",
    ]
    for s in NOTATIONS:
        section = entry.sections[s]
        for equation in section.equations:
            tex = _formula(equation)
            extra = ""
            if equation.kind in ("chain", "error"):
                start = equation.sides[1 if equation.kind == "error" else 0]
                marks = _chain_marks(tex, entry.factors, printers[s], start)
                if marks is not None:
                    extra = f' data-marks="{marks}"'
                extra += ' data-chain="1"'
            parts.append(
                f'<div class="math" data-n="{s}" data-kind="{equation.kind}"{extra}>'
                f"{escape(tex, quote=False)}</div>"
            )
    parts.append("</article>")
    return "\n".join(parts)


def _plain_section(key: str, title: str, documents: dict[str, list[Section]]) -> str:
    """A section of the document (forward pass, ∇C) as formulas in both notations."""
    parts = [f'<section class="{key}"><h2>{escape(title)}</h2>']
    for s in NOTATIONS:
        section = next(x for x in documents[s] if x.key == key)
        parts.extend(
            f'<div class="math" data-n="{s}" data-kind="{e.kind}">'
            f"{escape(_formula(e), quote=False)}</div>"
            for e in section.equations
        )
    parts.append("</section>")
    return "\n".join(parts)


def _error_section(entries: list[_Entry]) -> str:
    """Every error term's definition (its chain and value), when the network has any."""
    errors = [entry for entry in entries if entry.kind == "error"]
    if not errors:
        return ""
    parts = ['<section class="errors"><h2>Error terms</h2>']
    for entry in errors:
        for s in NOTATIONS:
            equation = entry.sections[s].equations[0]
            parts.append(
                f'<div class="math" data-n="{s}" data-kind="{equation.kind}">'
                f"{escape(_formula(equation), quote=False)}</div>"
            )
    parts.append("</section>")
    return "\n".join(parts)
