"""symchain: derive backpropagation symbolically, factor by factor, in the seed's notation.

The pipeline, one stage per module::

    spec = NetworkSpec.build((2, 3, 2), "sigmoid", "squared_error")  # what the network is
    network = Network(spec)                       # forward graph as SymPy expressions
    derivation = derive(network)                  # chain factors, gradients, batch forms
    render_latex(derivation)                      # LaTeX / Markdown / text / JSON

Any network written as equations (recurrent, residual, shared weights, penalties, batch norm)::

    graph = load_graph(Path("examples/rnn.toml"))  # named quantities, the last is the loss
    derivation = derive_graph(graph)               # one product per use, adjoints reused

The names below are imported on first use (PEP 562), so ``import symchain`` and the command
line's ``--help`` stay fast; ``from symchain import derive`` imports SymPy, never NumPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module defining it.
_EXPORTS = {
    "ACTIVATIONS": "activations",
    "Activation": "activations",
    "register_activation": "activations",
    "register_loss": "losses",
    "Chain": "derivation",
    "Derivation": "derivation",
    "ErrorTerm": "derivation",
    "Factor": "derivation",
    "ParameterGradient": "derivation",
    "derive": "deriver",
    "derive_activation": "deriver",
    "SymchainError": "errors",
    "LOSSES": "losses",
    "Loss": "losses",
    "Notation": "naming",
    "Network": "network",
    "Partial": "nodes",
    "Sampled": "nodes",
    "NetworkSpec": "spec",
    "load_ipython_extension": "ipython",
    "Graph": "graphs",
    "GraphDerivation": "graphs",
    "GraphError": "graphs",
    "dense_graph": "graphs",
    "derive_graph": "graphs",
    "graph_from_mapping": "graphs.spec",
    "load_graph": "graphs.spec",
}

if TYPE_CHECKING:
    from .activations import ACTIVATIONS, Activation, register_activation
    from .derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
    from .deriver import derive, derive_activation
    from .errors import SymchainError
    from .graphs import Graph, GraphDerivation, GraphError, dense_graph, derive_graph
    from .graphs.spec import graph_from_mapping, load_graph
    from .ipython import load_ipython_extension
    from .losses import LOSSES, Loss, register_loss
    from .naming import Notation
    from .network import Network
    from .nodes import Partial, Sampled
    from .spec import NetworkSpec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'symchain' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Chain",
    "Derivation",
    "ErrorTerm",
    "Factor",
    "Loss",
    "Network",
    "NetworkSpec",
    "Notation",
    "ParameterGradient",
    "Partial",
    "Sampled",
    "SymchainError",
    "derive",
    "Graph",
    "GraphDerivation",
    "GraphError",
    "dense_graph",
    "derive_activation",
    "derive_graph",
    "graph_from_mapping",
    "load_graph",
    "load_ipython_extension",
    "register_activation",
    "register_loss",
]
