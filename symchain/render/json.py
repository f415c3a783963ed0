"""One JSON document of a derivation: the expanded loss and, per parameter, chain and gradient."""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from .. import naming
from ..derivation import Derivation
from .document import Progress, build_document
from .latex import equation_latex, latex_printer


def derivation_data(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> dict[str, Any]:
    """The JSON-ready data: ``network``, ``loss`` (srepr), ``errors``, ``parameters``, ``gradient``.

    ``loss`` and each ``expression`` are SymPy ``srepr`` strings in the same symbols
    (``w_2_1_0`` is w_10^(2), absolute layers), using only SymPy's own functions.
    """
    loss = sp.srepr(derivation.expanded_loss())  # first: a too-large network fails at once
    printer = latex_printer(derivation, style)
    net = derivation.network
    sections = {s.key: s for s in build_document(derivation, printer, progress)}
    parameters = []
    for gradient in derivation:
        section = sections[gradient.parameter.name]
        batch = next(e for e in section.equations if e.kind == "batch")
        parameters.append(
            {
                "name": printer.doprint(gradient.parameter),
                "symbol": gradient.parameter.name,
                "leibniz": printer.doprint(gradient.leibniz),
                "chain": [
                    {"leibniz": printer.doprint(f.leibniz), "value": printer.doprint(f.value)}
                    for f in gradient.chain.factors
                ],
                "gradient": printer.product(
                    [f.value for f in gradient.chain.factors if f.value != 1]
                    or [sp.S.One]
                ),
                "batch": equation_latex(batch),
                "expression": sp.srepr(derivation.expanded(gradient.parameter)),
            }
        )
    errors = [
        {
            "name": printer.doprint(term.symbol),
            "symbol": term.symbol.name,
            "definition": equation_latex(sections[term.symbol.name].equations[0]),
            "value": printer.doprint(term.value),
        }
        for term in derivation.errors
    ]
    return {
        "network": {
            "layers": list(net.widths),
            "activations": list(net.spec.activations),
            "loss": net.spec.loss,
            "notation": style,
        },
        "loss": loss,
        "loss_latex": " = ".join(
            (printer.doprint(naming.SAMPLE_LOSS), printer.doprint(net.sample_loss()))
        ),
        "errors": errors,
        "parameters": parameters,
        "gradient": equation_latex(sections["gradient"].equations[0]),
    }


def render_json(
    derivation: Derivation, style: str = "relative", progress: Progress | None = None
) -> str:
    """The derivation as one indented JSON document (deterministic key order)."""
    data = derivation_data(derivation, style, progress)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
