"""A complete LaTeX document of a derivation that compiles with pdflatex as it is.

Title, the network's definition and forward pass, its dependency graph (TikZ), the error terms,
each parameter's chain, factors and batch average, and ∇C. Needs only amsmath, amssymb, geometry
and graphicx (Debian ``texlive-latex-base``) and TikZ (``texlive-pictures``) for the graph.
"""

from __future__ import annotations

from ..derivation import Derivation
from ..limits import MAX_STANDALONE_GRAPH_NODES, graph_nodes
from .document import Section, build_document, network_title
from .graph import dependency_graph, to_tikz
from .latex import latex_printer, section_latex

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape_text(text: str) -> str:
    """Plain text made safe for LaTeX's text mode."""
    return "".join(_SPECIALS.get(char, char) for char in text)


def _definition(derivation: Derivation, style: str) -> list[str]:
    net = derivation.network
    widths = ", ".join(str(w) for w in net.widths)
    layers = "; ".join(
        f"layer {layer}: {escape_text(name)}" for layer, name in enumerate(net.spec.activations, 1)
    )
    return [
        r"\section*{The network}",
        f"Widths $n_0, \\dots, n_L$: {widths} (inputs first), so $L = {net.depth}$ layers and "
        f"{len(net.parameters)} parameters. Activations: {layers}. "
        f"Loss of one sample: {escape_text(net.spec.loss)}. "
        + (
            "Layers are labelled from the end: $(L)$ is the last layer."
            if style == "relative"
            else "Layers are labelled $(1)$ to $(L)$."
        ),
    ]


def render_standalone(derivation: Derivation, style: str = "relative", graph: bool = True) -> str:
    """The derivation as a complete ``article`` (pdflatex-ready), with the TikZ graph if small."""
    printer = latex_printer(derivation, style)
    net = derivation.network
    sections = build_document(derivation, printer)
    title = escape_text(network_title(derivation))
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
    ]
    picture = ""
    # Graphs larger than the limit are left out (unreadable); counted before being built.
    if graph and graph_nodes(net.widths) <= MAX_STANDALONE_GRAPH_NODES:
        picture = to_tikz(dependency_graph(net), net, style)
        lines.append(r"\usepackage{tikz}")
    lines += [
        r"\allowdisplaybreaks",
        r"\title{Backpropagation: " + title + "}",
        r"\author{symchain}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
        *_definition(derivation, style),
        "",
    ]
    for section in sections:
        if section.key == "forward":
            lines += [r"\subsection*{Forward pass}", section_latex(section), ""]
            if picture:
                lines += [
                    r"\subsection*{Dependency graph}",
                    "Each quantity feeds the ones its arrows point to; the chain rule follows "
                    "the arrows from a parameter to $C_0$.",
                    "",
                    r"\begin{center}",
                    picture.rstrip("\n"),
                    r"\end{center}",
                    "",
                ]
            if derivation.errors:
                lines += [r"\section*{Error terms}", ""]
            continue
        if section.key == "gradient":
            lines += [r"\section*{The gradient}", section_latex(section), ""]
            continue
        if section.key.startswith("δ"):
            lines += [f"\\subsection*{{${printer.doprint(section.subject)}$}}"]
        else:
            if section is _first_parameter(sections):
                lines += [r"\section*{Gradients, parameter by parameter}", ""]
            lines += [f"\\subsection*{{${printer.doprint(section.subject)}$}}"]
        lines += [section_latex(section), ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def _first_parameter(sections: list[Section]) -> Section | None:
    for section in sections:
        if section.subject is not None and not section.key.startswith("δ"):
            return section
    return None
