"""symchain: derive backpropagation symbolically, factor by factor, in the seed's notation.

The pipeline, one stage per module::

    spec = NetworkSpec.build((2, 3, 2), "sigmoid", "squared_error")  # what the network is
    network = Network(spec)                       # forward graph as SymPy expressions
    derivation = derive(network)                  # chain factors, gradients, batch forms
    render_latex(derivation)                      # LaTeX / Markdown / text / JSON

Any network written as equations (recurrent, residual, shared weights, penalties, batch norm)::

    graph = load_graph(Path("examples/rnn.toml"))  # named quantities, the last is the loss
    derivation = derive_graph(graph)               # one product per use, adjoints reused
"""

from __future__ import annotations

from .activations import ACTIVATIONS, Activation
from .derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
from .deriver import derive, derive_activation
from .errors import SymchainError
from .graphs import Graph, GraphDerivation, GraphError, dense_graph, derive_graph
from .graphs.spec import graph_from_mapping, load_graph
from .losses import LOSSES, Loss
from .naming import Notation
from .network import Network
from .nodes import Partial, Sampled
from .spec import NetworkSpec

# Importing these fills Derivation.lambdify's registry of compilers (unrolled and matrix forms).
from . import codegen, numeric  # noqa: E402,F401  isort: skip

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Chain",
    "Derivation",
    "ErrorTerm",
    "Factor",
    "Graph",
    "GraphDerivation",
    "GraphError",
    "Loss",
    "Network",
    "NetworkSpec",
    "Notation",
    "ParameterGradient",
    "Partial",
    "Sampled",
    "SymchainError",
    "dense_graph",
    "derive",
    "derive_activation",
    "derive_graph",
    "graph_from_mapping",
    "load_graph",
]
