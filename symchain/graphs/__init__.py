"""Networks written as equations: a graph of named quantities, its derivation and its views.

The pipeline, one stage per module::

    graph = load_graph(Path("rnn.toml"))          # spec.py: TOML + the LaTeX grammar (parser.py)
    derivation = derive_graph(graph)              # deriver.py: products per use, adjoints
    render_graph_text(derivation)                 # render.py: text / LaTeX / Markdown / JSON
    generate_graph_module(derivation)             # codegen.py: a straight-line NumPy module
"""

from __future__ import annotations

from .dense import dense_graph
from .deriver import Adjoint, GraphDerivation, GraphGradient, Use, derive_graph
from .model import Equation, Graph
from .names import GraphError, Name

__all__ = [
    "Adjoint",
    "Equation",
    "Graph",
    "GraphDerivation",
    "GraphError",
    "GraphGradient",
    "Name",
    "Use",
    "dense_graph",
    "derive_graph",
]
