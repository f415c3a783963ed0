"""Derivation blocks embedded in documentation: ``key: value`` options, parsed safely, to formulas.

The Sphinx directive, the Markdown renderer and the MkDocs plugin all describe a block the same
way (``layers``, ``activation``, ``loss``, ``param``, ``form``, ``show``, ``label``, ``notation``,
``view``), in the command line's vocabulary: ``form`` is ``unrolled``, ``index`` or ``matrix`` (as
``--form``), ``show`` picks the sections, ``view`` is ``formulas`` or the ``interactive`` page of
:mod:`symchain.render.html`. The old ``form: chain`` (a section name where the form belongs) still
works and adds a deprecation message to :attr:`BlockOptions.deprecations`. Values are validated
with :mod:`symchain.spec`'s parse functions and the registries; nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from .. import forms
from ..derivation import Derivation, resolve_parameters
from ..deriver import derive
from ..errors import SpecError, SymchainError
from ..forms import FORMS, FormDocument
from ..graphs.deriver import GraphDerivation, derive_graph
from ..graphs.model import Graph
from ..graphs.page import render_graph_html
from ..graphs.render import aligned_sections
from ..graphs.spec import load_graph
from ..limits import MAX_BLOCK_NETWORK_PARAMETERS, MAX_BLOCK_PARAMETERS, parameter_count
from ..losses import get_loss
from ..naming import NOTATIONS
from ..network import Network
from ..spec import (
    SEED_WIDTHS,
    NetworkSpec,
    check_parameter_count,
    parse_activations,
    parse_widths,
)
from .document import Equation, Section, build_document
from .html import render_html
from .latex import aligned_rows, equation_latex, latex_printer

BLOCK_KEYS = (
    "layers", "activation", "loss", "param", "form", "show", "label", "notation", "view", "graph"
)
# The keys a block with ``graph:`` (a network written as equations) takes.
GRAPH_KEYS = ("graph", "param", "label", "view")
SHOWS = ("all", "forward", "errors", "chain", "gradient", "batch", "vector")
# What ``show`` selects in the index and matrix forms, by the name of their equations (``all``:
# every equation); ``chain`` and ``vector`` belong to the unrolled form only.
FORM_SHOWS: dict[str, dict[str, tuple[str, ...]]] = {
    "index": {
        "forward": ("z", "a", "C0"),
        "errors": ("dC0/da", "delta"),
        "gradient": ("dC0/dw", "dC0/db"),
        "batch": ("dC/dw",),
    },
    "matrix": {
        "forward": ("forward", "loss"),
        "errors": ("loss gradient", "BP1", "BP2"),
        "gradient": ("BP3", "BP4"),
        "batch": tuple(f"{name} (batch)" for name in ("forward", "BP1", "BP2", "BP3", "BP4")),
    },
}
VIEWS = ("formulas", "interactive")
_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")
_SPLIT_RE = re.compile(r"[\s,;]")


class BlockOptionError(SpecError):
    """A block's option is invalid; ``offset`` is its line within the block (0-based), if known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class BlockOptions:
    """What a block derives and shows.

    Attributes:
        widths: layer widths, inputs first.
        activations: one activation name for all layers, or one per layer.
        loss: the loss name.
        params: parameter names as ``--param`` takes them (empty: every parameter), in order.
        show: the sections: ``all`` (every section: forward pass, error terms, chains, ∇C; with
            ``param``: the error terms and those parameters' sections), ``forward`` (the forward
            pass and C_0), ``errors`` (the error terms δ), ``chain`` (the chain rule product),
            ``gradient`` (the result), ``batch`` (the batch average) or ``vector`` (∇C).
        label: a label for numbered, referenceable equations (several blocks: ``label-1``, ...).
        notation: ``relative`` ((L), (L-1)) or ``absolute`` ((1)..(L)) layer labels.
        view: ``formulas`` (math blocks) or ``interactive`` (the page of
            :func:`symchain.render.html.render_html`: graph, clickable parameters and their
            chains, forward pass, error terms, ∇C; with ``param``: those parameters only).
        form: ``unrolled`` (every neuron), ``index`` (Σ over symbolic widths) or ``matrix``
            (BP1-BP4), as the command line's ``--form``.
        graph: a network written as equations (``graph: rnn.toml``, read relative to the
            document), instead of layers, activation and loss; it takes only the keys in
            :data:`GRAPH_KEYS` and shows every section (with ``param``: those parameters').
        deprecations: messages about old spellings found while parsing (shown as warnings).
    """

    widths: tuple[int, ...] = SEED_WIDTHS
    activations: tuple[str, ...] = ("sigmoid",)
    loss: str = "squared_error"
    params: tuple[str, ...] = ()
    show: str = "all"
    label: str | None = None
    notation: str = "relative"
    view: str = "formulas"
    form: str = "unrolled"
    graph: Graph | None = field(default=None, compare=False)
    deprecations: tuple[str, ...] = field(default=(), compare=False)

    def network(self) -> Network:
        """The network these options describe (validated; a huge one refused before any symbol
        is built)."""
        spec = NetworkSpec.build(self.widths, self.activations, self.loss)
        check_parameter_count(
            spec.widths,
            MAX_BLOCK_NETWORK_PARAMETERS,
            "a docs block",
            "show a smaller network of the same shape, e.g. layers: 2,3,2",
        )
        return Network(spec)


@dataclass(frozen=True)
class Formula:
    """One displayed formula: alignment rows (``lhs &= rhs``), a title and an optional label."""

    key: str
    title: str
    rows: tuple[str, ...]
    label: str | None = None

    def aligned(self) -> str:
        """The rows inside ``aligned`` (one row: the plain equation)."""
        if len(self.rows) == 1:
            return self.rows[0].replace(" &= ", " = ").replace("&= ", "= ")
        return "\\begin{aligned}\n" + " \\\\\n".join(self.rows) + "\n\\end{aligned}"

    def split_rows(self) -> str:
        """The rows joined by ``\\\\`` for an environment that aligns at ``&`` (Sphinx's split)."""
        if len(self.rows) == 1:
            return self.rows[0].replace(" &= ", " = ").replace("&= ", "= ")
        return " \\\\\n".join(self.rows)


def split_parameters(text: str) -> tuple[str, ...]:
    """Parameter names separated by commas, semicolons or spaces outside brackets of any kind."""
    names: list[str] = []
    current = ""
    depth = 0
    for char in text:
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        if depth == 0 and _SPLIT_RE.match(char):
            if current:
                names.append(current)
            current = ""
            continue
        current += char
    if current:
        names.append(current)
    if depth != 0:
        raise SpecError(f"unbalanced brackets in parameter list {text!r}")
    return tuple(names)


def _choice(key: str, value: str, accepted: tuple[str, ...]) -> str:
    if value not in accepted:
        raise SpecError(f"{value!r} is not a {key}; accepted: {', '.join(accepted)}")
    return value


def options_from_pairs(
    pairs: Iterable[tuple[str, str, int | None]], base: Path | None = None
) -> BlockOptions:
    """Options from ``(key, value, offset)`` triples; ``param`` may repeat, other keys may not.

    ``base`` is the document's folder: a relative ``graph:`` path is read from there.

    Raises:
        BlockOptionError: naming the key, the bad value and what is accepted, with its offset.
    """
    values: dict[str, object] = {}
    params: list[str] = []
    param_lines: list[int | None] = []
    deprecations: list[str] = []
    seen: set[str] = set()
    graph_at: tuple[str, int | None] | None = None
    lines: dict[str, int | None] = {}
    for key, raw, offset in pairs:
        lines.setdefault(key, offset)
        value = raw.strip()
        try:
            if key not in BLOCK_KEYS:
                raise SpecError(f"unknown option {key!r}; accepted: {', '.join(BLOCK_KEYS)}")
            if key in seen and key != "param":
                raise SpecError(f"option {key!r} is given twice")
            seen.add(key)
            if not value:
                raise SpecError(f"option {key!r} needs a value")
            if key == "layers":
                values["widths"] = parse_widths(value)
            elif key == "activation":
                values["activations"] = parse_activations(value)
            elif key == "loss":
                values["loss"] = get_loss(value).name
            elif key == "param":
                names = split_parameters(value)
                params.extend(names)
                param_lines.extend([offset] * len(names))
            elif key == "form" and value in SHOWS:
                values["show"] = value
                deprecations.append(
                    f"form: {value} is deprecated: form is now unrolled, index or matrix "
                    f"(as the command line's --form); write show: {value}"
                )
            elif key == "form":
                values["form"] = _choice("form", value, FORMS)
            elif key == "show":
                values["show"] = _choice("show", value, SHOWS)
            elif key == "notation":
                values["notation"] = _choice("notation", value, NOTATIONS)
            elif key == "view":
                values["view"] = _choice("view", value, VIEWS)
            elif key == "graph":
                graph_at = (value, offset)
            elif key == "label":
                if not _LABEL_RE.match(value):
                    raise SpecError(
                        f"label {value!r} is not valid; use letters, digits and _ . : - "
                        "(starting with a letter)"
                    )
                values["label"] = value
        except BlockOptionError:
            raise
        except SymchainError as error:
            raise BlockOptionError(f"{key}: {error.message}", offset) from None
    if "show" in seen and deprecations:
        raise BlockOptionError("give show: for the sections and form: unrolled, index or matrix")
    if graph_at is not None:
        return _graph_options(values, params, param_lines, lines, graph_at, base)
    options = BlockOptions(
        **values,  # type: ignore[arg-type]
        params=tuple(params),
        deprecations=tuple(deprecations),
    )
    if options.form != "unrolled":
        if params:
            raise BlockOptionError(
                f"param selects parameters of the unrolled form, not of form: {options.form}"
            )
        accepted = ("all", *FORM_SHOWS[options.form])
        if options.show not in accepted:
            raise BlockOptionError(
                f"show: {options.show} is for form: unrolled; with form: {options.form} "
                f"show one of {', '.join(accepted)}"
            )
    if options.view == "interactive" and (
        "show" in seen or "label" in seen or options.form != "unrolled" or deprecations
    ):
        raise BlockOptionError(
            "view: interactive shows every section of the unrolled form and has no label; "
            "remove form, show and label"
        )
    try:
        network = options.network()
    except SymchainError as error:
        raise BlockOptionError(error.message) from None
    for name, offset in zip(params, param_lines, strict=True):
        try:
            resolve_parameters(network, [name])
        except SymchainError as error:
            raise BlockOptionError(f"param: {error.message}", offset) from None
    return options


def _graph_options(
    values: dict[str, object],
    params: list[str],
    param_lines: list[int | None],
    lines: dict[str, int | None],
    graph_at: tuple[str, int | None],
    base: Path | None,
) -> BlockOptions:
    """The options of a block with ``graph:``: the graph read, its named parameters checked.

    ``lines`` holds each key given and the offset of its (first) line.
    """
    others = [key for key in lines if key not in GRAPH_KEYS]
    if others:
        raise BlockOptionError(
            f"graph: takes only {', '.join(GRAPH_KEYS[1:])}; remove {', '.join(others)} "
            "(the network is the graph's equations)",
            lines[others[0]],
        )
    if values.get("view") == "interactive" and "label" in lines:
        raise BlockOptionError(
            "view: interactive shows every section and has no label", lines["label"]
        )
    text, offset = graph_at
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        graph = load_graph(path)
    except SymchainError as error:
        raise BlockOptionError(f"graph: {error.message}", offset) from None
    for name, line in zip(params, param_lines, strict=True):
        try:
            graph_parameter(graph, name)
        except SymchainError as error:
            raise BlockOptionError(f"param: {error.message}", line) from None
    return BlockOptions(
        params=tuple(params),
        label=values.get("label"),  # type: ignore[arg-type]
        view=values.get("view", "formulas"),  # type: ignore[arg-type]
        graph=graph,
    )


def graph_parameter(graph: Graph, name: str) -> sp.Symbol:
    """The graph's parameter written ``name`` (as written, Unicode or identifier).

    Raises:
        SpecError: no such parameter (the message lists the graph's parameters).
    """
    symbol = graph.symbol_named("".join(name.split()))
    if symbol is None or symbol not in graph.parameters:
        known = ", ".join(graph.names[p].latex for p in graph.parameters)
        raise SpecError(f"no parameter {name!r} in this graph; parameters: {known}")
    return symbol


def options_from_mapping(mapping: Mapping[str, str], base: Path | None = None) -> BlockOptions:
    """Options from a mapping of option names to their text (e.g. a directive's options)."""
    return options_from_pairs(((key, value, None) for key, value in mapping.items()), base)


def parse_block(text: str, base: Path | None = None) -> BlockOptions:
    """Options from a block's body: one ``key: value`` per line; blank lines and ``#`` comments.

    ``base`` is the document's folder (a relative ``graph:`` path is read from there).

    Raises:
        BlockOptionError: with the offending line's offset in the block (0-based).
    """
    pairs: list[tuple[str, str, int | None]] = []
    for offset, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, value = stripped.partition(":")
        if not colon:
            raise BlockOptionError(
                f"expected 'key: value', got {stripped!r}; keys: {', '.join(BLOCK_KEYS)}", offset
            )
        pairs.append((key.strip(), value, offset))
    return options_from_pairs(pairs, base)


def block_derivation(options: BlockOptions) -> Derivation:
    """The derivation a block asks for (only the named parameters, when it names some)."""
    network = options.network()
    count = parameter_count(options.widths)  # from the widths: nothing built yet
    if not options.params and count > MAX_BLOCK_PARAMETERS:
        raise SpecError(
            f"{count} parameters is too many for a docs block "
            f"(at most {MAX_BLOCK_PARAMETERS}); name some with param"
        )
    chosen = resolve_parameters(network, options.params)
    if len(chosen) > MAX_BLOCK_PARAMETERS:
        raise SpecError(
            f"{len(chosen)} parameters named in a docs block (at most {MAX_BLOCK_PARAMETERS})"
        )
    return derive(network, chosen or None)


def _rows(equations: Iterable[Equation]) -> tuple[str, ...]:
    rows: list[str] = []
    for equation in equations:
        rows.extend(aligned_rows(equation))
    return tuple(rows)


def _parameter_rows(section: Section, form: str) -> tuple[str, ...]:
    """The rows of a parameter's section that ``show`` (chain, gradient, batch) keeps."""
    chain = next(e for e in section.equations if e.kind == "chain")
    if form == "chain":
        return _rows([chain])
    if form == "gradient":
        last = len(chain.sides) - 1
        return _rows(
            [Equation((chain.sides[0], chain.sides[last]), "result", (None, chain.layout(last)))]
        )
    return _rows([e for e in section.equations if e.kind == "batch"])


def _selected(
    sections: list[Section], options: BlockOptions
) -> list[tuple[Section, tuple[str, ...]]]:
    chosen: list[tuple[Section, tuple[str, ...]]] = []
    form = options.show
    for section in sections:
        kind = section.key if section.key in ("forward", "gradient") else "parameter"
        if section.key.startswith("δ"):
            kind = "error"
        if form == "all":
            if not (options.params and kind in ("forward", "gradient")):
                chosen.append((section, _rows(section.equations)))
        elif (form, kind) in (("forward", "forward"), ("vector", "gradient"), ("errors", "error")):
            chosen.append((section, _rows(section.equations)))
        elif kind == "parameter" and form in ("chain", "gradient", "batch"):
            chosen.append((section, _parameter_rows(section, form)))
    return chosen


def block_view(options: BlockOptions) -> str:
    """The interactive view a block with ``view: interactive`` shows (an embeddable ``<div>``)."""
    if options.graph is not None:
        return render_graph_html(graph_derivation(options.graph, options.params), standalone=False)
    return render_html(block_derivation(options), options.notation, standalone=False)


def graph_derivation(graph: Graph, params: tuple[str, ...] = ()) -> GraphDerivation:
    """A graph's derivation, of the named parameters only when some are named (in graph order)."""
    if not params:
        return derive_graph(graph)
    named = {graph_parameter(graph, name) for name in params}
    return derive_graph(graph, tuple(p for p in graph.parameters if p in named))


def graph_formulas(
    graph: Graph, params: tuple[str, ...] = (), label: str | None = None
) -> list[Formula]:
    """A graph's sections as formulas: every section, or the named parameters' only."""
    derivation = graph_derivation(graph, params)
    names = graph.names
    keys = ["forward", "adjoints"] if not params else []
    keys += [names[g.parameter].identifier for g in derivation]
    found = aligned_sections(derivation, parameters_only=bool(params))
    if not derivation.adjoints and not params:
        keys.remove("adjoints")
    return _labelled(
        [(key, title, rows) for key, (title, rows) in zip(keys, found, strict=True)], label
    )


def block_formulas(options: BlockOptions) -> list[Formula]:
    """The formulas a block shows, in reading order, labelled as the options ask."""
    if options.graph is not None:
        return graph_formulas(options.graph, options.params, options.label)
    if options.form != "unrolled":
        network = options.network()
        if options.form == "matrix":
            document = forms.matrix_document(network, options.notation)
        else:
            document = forms.network_index_document(network, options.notation)
        return form_formulas(document, options)
    return derivation_formulas(block_derivation(options), options)


def form_formulas(document: FormDocument, options: BlockOptions) -> list[Formula]:
    """A formula per section of an index or matrix form, keeping the equations ``show`` asks."""
    names = FORM_SHOWS[document.form].get(options.show)
    selected: list[tuple[str, tuple[str, ...]]] = []
    for section in document.sections:
        rows = []
        for equation in section.equations:
            if names is not None and equation.name not in names:
                continue
            lhs, equals, rhs = equation.latex.partition(" = ")
            row = f"{lhs} &= {rhs}" if equals else equation.latex
            if equation.note:
                row += rf" \quad \text{{({equation.note})}}"
            rows.append(row)
        if rows:
            selected.append((section.title, tuple(rows)))
    return _labelled(
        [(f"{document.form}-{n}", title, rows) for n, (title, rows) in enumerate(selected, 1)],
        options.label,
    )


def _labelled(formulas: list[tuple[str, str, tuple[str, ...]]], label: str | None) -> list[Formula]:
    """Formulas numbered ``label-1``, ``label-2``, ... (one formula: ``label`` itself)."""
    result = []
    for number, (key, title, rows) in enumerate(formulas, start=1):
        name = None
        if label is not None:
            name = label if len(formulas) == 1 else f"{label}-{number}"
        result.append(Formula(key, title, rows, name))
    return result


def derivation_formulas(derivation: Derivation, options: BlockOptions) -> list[Formula]:
    """The formulas of ``derivation`` that ``options`` select (its form, label and notation).

    ``derivation`` must be of the network the options describe; ``options.params`` narrows it.
    """
    if options.params:
        named = resolve_parameters(derivation.network, options.params)
        by_symbol = {g.parameter: g for g in derivation.parameters}
        derivation = Derivation(
            derivation.network, tuple(by_symbol[p] for p in named), derivation.errors
        )
    printer = latex_printer(derivation, options.notation)
    selected = _selected(build_document(derivation, printer), options)
    if not selected:
        raise SpecError(
            f"show: {options.show} shows nothing for this network: it has no error terms "
            "(δ is used only where a later layer has several neurons); try show: all"
        )
    return _labelled([(s.key, s.title, rows) for s, rows in selected], options.label)


__all__ = [
    "BLOCK_KEYS",
    "FORM_SHOWS",
    "GRAPH_KEYS",
    "SHOWS",
    "BlockOptionError",
    "BlockOptions",
    "Formula",
    "VIEWS",
    "block_formulas",
    "block_view",
    "equation_latex",
    "graph_formulas",
    "graph_parameter",
    "options_from_mapping",
    "parse_block",
]
