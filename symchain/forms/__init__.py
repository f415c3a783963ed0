"""The index and matrix forms of backpropagation, derived from the layer rules.

The forms' names and documents load at once; the index and matrix forms themselves on first use
(PEP 562), so a command that only needs ``FORMS`` does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .document import FORM_FORMATS, FORMS, FormDocument, render_form

# Public name -> the submodule defining it, imported on first use.
_LAZY = {
    "index_document": "index",
    "index_form": "index",
    "network_index_document": "index",
    "MatrixForm": "matrix",
    "matrix_document": "matrix",
    "matrix_form": "matrix",
}

if TYPE_CHECKING:
    from .index import index_document, index_form, network_index_document
    from .matrix import MatrixForm, matrix_document, matrix_form


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symchain.forms' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FORMS",
    "FORM_FORMATS",
    "FormDocument",
    "MatrixForm",
    "index_document",
    "index_form",
    "matrix_document",
    "matrix_form",
    "network_index_document",
    "render_form",
]
