"""Derivation blocks embedded in documentation: ``key: value`` options, parsed safely, to formulas.

The Sphinx directive, the Markdown renderer and the MkDocs plugin all describe a block the same
way (``layers``, ``activation``, ``loss``, ``param``, ``form``, ``label``, ``notation``). Values are
validated with :mod:`symchain.spec`'s parse functions and the registries; nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..derivation import Derivation, resolve_parameter
from ..deriver import derive
from ..errors import SpecError, SymchainError
from ..limits import MAX_BLOCK_NETWORK_PARAMETERS, MAX_BLOCK_PARAMETERS, parameter_count
from ..losses import get_loss
from ..network import Network
from ..spec import (
    SEED_WIDTHS,
    NetworkSpec,
    check_parameter_count,
    parse_activations,
    parse_widths,
)
from .document import Equation, Section, build_document
from .latex import aligned_rows, equation_latex, latex_printer

BLOCK_KEYS = ("layers", "activation", "loss", "param", "form", "label", "notation")
FORMS = ("chain", "gradient", "batch", "all", "forward", "errors", "vector")
NOTATIONS = ("relative", "absolute")
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
        params: parameter names as printed (empty: every parameter).
        form: ``chain`` (the chain rule product), ``gradient`` (the result), ``batch`` (the batch
            average), ``all`` (every section: forward pass, error terms, chains, ∇C; with
            ``param``: the error terms and those parameters' sections), ``forward`` (the forward
            pass and C_0), ``errors`` (the error terms δ) or ``vector`` (∇C).
        label: a label for numbered, referenceable equations (several blocks: ``label-1``, ...).
        notation: ``relative`` ((L), (L-1)) or ``absolute`` ((1)..(L)) layer labels.
    """

    widths: tuple[int, ...] = SEED_WIDTHS
    activations: tuple[str, ...] = ("sigmoid",)
    loss: str = "squared_error"
    params: tuple[str, ...] = ()
    form: str = "all"
    label: str | None = None
    notation: str = "relative"

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
    """Parameter names separated by commas, semicolons or spaces outside braces."""
    names: list[str] = []
    current = ""
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
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
        raise SpecError(f"unbalanced braces in parameter list {text!r}")
    return tuple(names)


def _choice(key: str, value: str, accepted: tuple[str, ...]) -> str:
    if value not in accepted:
        raise SpecError(f"{value!r} is not a {key}; accepted: {', '.join(accepted)}")
    return value


def options_from_pairs(pairs: Iterable[tuple[str, str, int | None]]) -> BlockOptions:
    """Options from ``(key, value, offset)`` triples; ``param`` may repeat, other keys may not.

    Raises:
        BlockOptionError: naming the key, the bad value and what is accepted, with its offset.
    """
    values: dict[str, object] = {}
    params: list[str] = []
    param_lines: list[int | None] = []
    seen: set[str] = set()
    for key, raw, offset in pairs:
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
            elif key == "form":
                values["form"] = _choice("form", value, FORMS)
            elif key == "notation":
                values["notation"] = _choice("notation", value, NOTATIONS)
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
    options = BlockOptions(**values, params=tuple(params))  # type: ignore[arg-type]
    try:
        network = options.network()
    except SymchainError as error:
        raise BlockOptionError(error.message) from None
    for name, offset in zip(params, param_lines, strict=True):
        try:
            resolve_parameter(network, name)
        except SymchainError as error:
            raise BlockOptionError(f"param: {error.message}", offset) from None
    return options


def options_from_mapping(mapping: Mapping[str, str]) -> BlockOptions:
    """Options from a mapping of option names to their text (e.g. a directive's options)."""
    return options_from_pairs((key, value, None) for key, value in mapping.items())


def parse_block(text: str) -> BlockOptions:
    """Options from a block's body: one ``key: value`` per line; blank lines and ``#`` comments.

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
    return options_from_pairs(pairs)


def block_derivation(options: BlockOptions) -> Derivation:
    """The derivation a block asks for (only the named parameters, when it names some)."""
    network = options.network()
    count = parameter_count(options.widths)  # from the widths: nothing built yet
    if not options.params and count > MAX_BLOCK_PARAMETERS:
        raise SpecError(
            f"{count} parameters is too many for a docs block "
            f"(at most {MAX_BLOCK_PARAMETERS}); name some with param"
        )
    named = {resolve_parameter(network, name) for name in options.params}
    if len(named) > MAX_BLOCK_PARAMETERS:
        raise SpecError(
            f"{len(named)} parameters named in a docs block (at most {MAX_BLOCK_PARAMETERS})"
        )
    chosen = tuple(p for p in network.parameters if p in named) or None
    return derive(network, chosen)


def _rows(equations: Iterable[Equation]) -> tuple[str, ...]:
    rows: list[str] = []
    for equation in equations:
        rows.extend(aligned_rows(equation))
    return tuple(rows)


def _parameter_rows(section: Section, form: str) -> tuple[str, ...]:
    """The rows of a parameter's section that ``form`` (chain, gradient, batch) shows."""
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
    form = options.form
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


def block_formulas(options: BlockOptions) -> list[Formula]:
    """The formulas a block shows, in reading order, labelled as the options ask."""
    return derivation_formulas(block_derivation(options), options)


def derivation_formulas(derivation: Derivation, options: BlockOptions) -> list[Formula]:
    """The formulas of ``derivation`` that ``options`` select (its form, label and notation).

    ``derivation`` must be of the network the options describe; ``options.params`` narrows it.
    """
    if options.params:
        named = {resolve_parameter(derivation.network, name) for name in options.params}
        derivation = Derivation(
            derivation.network,
            tuple(g for g in derivation.parameters if g.parameter in named),
            derivation.errors,
        )
    printer = latex_printer(derivation, options.notation)
    selected = _selected(build_document(derivation, printer), options)
    if not selected:
        raise SpecError(
            f"form {options.form!r} shows nothing for this network: it has no error terms "
            "(δ is used only where a later layer has several neurons); try form: all"
        )
    formulas = []
    for number, (section, rows) in enumerate(selected, start=1):
        label = None
        if options.label is not None:
            label = options.label if len(selected) == 1 else f"{options.label}-{number}"
        formulas.append(Formula(section.key, section.title, rows, label))
    return formulas


__all__ = [
    "BLOCK_KEYS",
    "FORMS",
    "BlockOptionError",
    "BlockOptions",
    "Formula",
    "block_formulas",
    "equation_latex",
    "options_from_mapping",
    "parse_block",
]
