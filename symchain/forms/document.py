"""A form (index or matrix) as titled sections of equations, and its LaTeX/Markdown/text/JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FormEquation:
    """One equation in LaTeX and in Unicode; ``note`` says when it holds (may be empty)."""

    latex: str
    unicode: str
    note: str = ""
    name: str = ""


@dataclass(frozen=True)
class FormSection:
    """A titled group of equations."""

    title: str
    equations: tuple[FormEquation, ...]


@dataclass(frozen=True)
class FormDocument:
    """A whole form: which form, a one-line title, the network description and the sections."""

    form: str
    title: str
    sections: tuple[FormSection, ...]
    network: dict[str, Any] = field(default_factory=dict)

    @property
    def equations(self) -> tuple[FormEquation, ...]:
        return tuple(e for s in self.sections for e in s.equations)


FORM_FORMATS = ("text", "latex", "markdown", "json")
# The three forms of a derivation: every neuron, Σ over symbolic widths, BP1-BP4 with matrices.
FORMS = ("unrolled", "index", "matrix")


def _note_latex(note: str) -> str:
    return rf"\quad \text{{({note})}}" if note else ""


def render_form_latex(doc: FormDocument) -> str:
    """amsmath LaTeX: a comment and an ``align*`` per section."""
    parts = [f"% derived by symchain: {doc.title}"]
    for section in doc.sections:
        parts.append(f"% {section.title}")
        rows = []
        for eq in section.equations:
            lhs, _, rhs = eq.latex.partition(" = ")
            row = f"{lhs} &= {rhs}" if rhs else eq.latex
            rows.append(row + _note_latex(eq.note))
        parts.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    return "\n".join(parts) + "\n"


def render_form_markdown(doc: FormDocument) -> str:
    """Markdown: a heading per section and a ``$$`` block per equation."""
    lines = [f"# {doc.title}", ""]
    for section in doc.sections:
        lines.extend([f"## {section.title}", ""])
        for eq in section.equations:
            lines.extend(["$$", eq.latex + _note_latex(eq.note), "$$", ""])
    return "\n".join(lines)


def render_form_text(doc: FormDocument) -> str:
    """Plain Unicode text, a line per equation."""
    lines = [f"symchain · {doc.title}"]
    for section in doc.sections:
        lines.extend(["", section.title])
        for eq in section.equations:
            note = f"   ({eq.note})" if eq.note else ""
            lines.append(f"  {eq.unicode}{note}")
    return "\n".join(lines) + "\n"


def form_data(doc: FormDocument) -> dict[str, Any]:
    """The JSON-ready data of a form."""
    return {
        "form": doc.form,
        "title": doc.title,
        "network": doc.network,
        "sections": [
            {
                "title": s.title,
                "equations": [
                    {"name": e.name, "latex": e.latex, "unicode": e.unicode, "note": e.note}
                    for e in s.equations
                ],
            }
            for s in doc.sections
        ],
    }


def render_form_json(doc: FormDocument) -> str:
    return json.dumps(form_data(doc), indent=2, ensure_ascii=False) + "\n"


FORM_RENDERERS = {
    "text": render_form_text,
    "latex": render_form_latex,
    "markdown": render_form_markdown,
    "json": render_form_json,
}


def render_form(doc: FormDocument, output_format: str) -> str:
    """The document in ``output_format`` (text, latex, markdown or json)."""
    return FORM_RENDERERS[output_format](doc)
