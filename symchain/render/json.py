"""One JSON document of a derivation: the expanded loss and, per parameter, chain and gradient.

The document is written in pieces (:func:`iter_json`), an error term or a parameter at a time,
byte for byte what ``json.dumps(data, indent=2, ensure_ascii=False)`` makes of the whole.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sympy as sp

from .. import naming
from ..derivation import Derivation, ErrorTerm, ParameterGradient
from ..errors import TooLargeError
from .document import Printer, Progress, Section, SharedValues, iter_document
from .latex import equation_latex, latex_printer


def derivation_data(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> dict[str, Any]:
    """The JSON-ready data: ``network``, ``loss`` (srepr), ``errors``, ``parameters``, ``gradient``.

    ``loss`` and each ``expression`` are SymPy ``srepr`` strings in the same symbols
    (``w_2_1_0`` is w_10^(2), absolute layers), using only SymPy's own functions. From the first
    expanded form that is too large (see :data:`symchain.limits.MAX_EXPANDED_NODES`) on, the
    field is null and ``loss_omitted`` or ``expression_omitted`` says why; everything else (the
    chain, its factors, the gradient and its batch form) is there for every parameter.
    """
    head, errors, parameters, gradient = _parts(derivation, style, progress)
    return {**head, "errors": list(errors), "parameters": list(parameters), "gradient": gradient()}


def render_json(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> str:
    """The derivation as one indented JSON document (deterministic key order)."""
    return "".join(iter_json(derivation, style, progress))


def iter_json(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> Iterator[str]:
    """:func:`render_json` in pieces: the head, then each error term and parameter as made."""
    head, errors, parameters, gradient = _parts(derivation, style, progress)
    yield "{"
    for key, value in head.items():
        yield f"\n  {_dumps(key)}: {_dumps(value, 1)},"
    yield '\n  "errors": '
    yield from _array(errors)
    yield ',\n  "parameters": '
    yield from _array(parameters)
    yield f',\n  "gradient": {_dumps(gradient())}\n}}\n'


def _dumps(value: Any, level: int = 0) -> str:
    """``value`` as ``json.dumps(..., indent=2, ensure_ascii=False)`` writes it nested ``level``
    deep; objects, lists and strings laid out here (the indenting encoder is pure Python), any
    other value by :func:`json.dumps`."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict) and value:
        inner = "\n" + "  " * (level + 1)
        items = (f"{_string(k)}: {_dumps(v, level + 1)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list) and value:
        inner = "\n" + "  " * (level + 1)
        items = (_dumps(v, level + 1) for v in value)
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * level + "]"
    return json.dumps(value)


_string = json.JSONEncoder(ensure_ascii=False).encode


def _array(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A list of objects one level below the top, an item at a time."""
    separator = "[\n    "
    for item in items:
        yield separator + _dumps(item, 2)
        separator = ",\n    "
    yield "[]" if separator == "[\n    " else "\n  ]"


def _parts(
    derivation: Derivation, style: str, progress: Progress | None
) -> tuple[
    dict[str, Any], Iterator[dict[str, Any]], Iterator[dict[str, Any]], Any
]:
    """The head (network, loss), the error terms and parameters as lazy iterators, and ∇C
    (a callable: known once every parameter is made)."""
    printer = latex_printer(derivation, style)
    net = derivation.network
    expanded = _Expanded()
    head: dict[str, Any] = {
        "network": {
            "layers": list(net.widths),
            "activations": list(net.spec.activations),
            "loss": net.spec.loss,
            "notation": style,
        },
        **expanded.field("loss", derivation.expanded_loss),
        "loss_latex": " = ".join(
            (printer.doprint(naming.SAMPLE_LOSS), printer.doprint(net.sample_loss()))
        ),
    }
    shared = SharedValues()
    sections = iter_document(derivation, printer, progress, forward=False, shared=shared)
    last: list[Section] = []

    def errors() -> Iterator[dict[str, Any]]:
        for term, section in zip(derivation.errors, sections, strict=False):
            yield _error(term, section, printer)

    def parameters() -> Iterator[dict[str, Any]]:
        for gradient, section in zip(derivation.parameters, sections, strict=False):
            expression = functools.partial(derivation.expanded, gradient.parameter)
            entry = _parameter(shared.gradient(gradient), section, printer)
            yield {**entry, **expanded.field("expression", expression)}
        last.extend(sections)  # ∇C

    def gradient() -> str:
        return equation_latex(last[0].equations[0])

    return head, errors(), parameters(), gradient


class _Expanded:
    """The expanded forms in document order (the loss, then each parameter's), as ``srepr``
    strings, until the first that is too large: that one and every later one are left out
    (null, with the reason), so a large network costs at most one refused form."""

    def __init__(self) -> None:
        self.refusal: str | None = None

    def field(self, key: str, build: Callable[[], sp.Expr]) -> dict[str, Any]:
        """``{key: srepr}``, or ``{key: None, key + "_omitted": why}``."""
        if self.refusal is None:
            try:
                return {key: sp.srepr(build())}
            except TooLargeError as error:
                self.refusal = str(error)
        return {key: None, f"{key}_omitted": self.refusal}


def _error(term: ErrorTerm, section: Section, printer: Printer) -> dict[str, Any]:
    return {
        "name": printer.doprint(term.symbol),
        "symbol": term.symbol.name,
        "definition": equation_latex(section.equations[0]),
        "value": printer.doprint(term.value),
    }


def _parameter(gradient: ParameterGradient, section: Section, printer: Printer) -> dict[str, Any]:
    batch = next(e for e in section.equations if e.kind == "batch")
    return {
        "name": printer.doprint(gradient.parameter),
        "symbol": gradient.parameter.name,
        "leibniz": printer.doprint(gradient.leibniz),
        "chain": [
            {"leibniz": printer.doprint(f.leibniz), "value": printer.doprint(f.value)}
            for f in gradient.chain.factors
        ],
        "gradient": printer.product(
            [f.value for f in gradient.chain.factors if f.value != 1] or [sp.S.One]
        ),
        "batch": equation_latex(batch),
    }
