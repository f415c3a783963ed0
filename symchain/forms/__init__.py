"""The index and matrix forms of backpropagation, derived from the layer rules."""

from __future__ import annotations

from .document import FORM_FORMATS, FORMS, FormDocument, render_form
from .index import index_document, index_form
from .matrix import MatrixForm, matrix_document, matrix_form

__all__ = [
    "FORMS",
    "FORM_FORMATS",
    "FormDocument",
    "MatrixForm",
    "index_document",
    "index_form",
    "matrix_document",
    "matrix_form",
    "render_form",
]
