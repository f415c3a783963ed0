"""The dense network as a graph: z = Σ w a + b and a = σ(z) per neuron, then the loss C_0.

The same network as :class:`symchain.deriver.DenseEquations` (whose local factors come from the
layer rules instead of differentiating each equation): both derivers run the chain-rule engine
(:mod:`symchain.chainrule`) and give the same gradients; the dense deriver prints δ.
"""

from __future__ import annotations

import sympy as sp

from .. import naming
from ..network import Network
from .model import Equation, Graph
from .names import Name


def dense_graph(network: Network, notation: str = "relative") -> Graph:
    """The equations of a fully connected network, in its own symbols and notation."""
    style = naming.Notation(network.widths, notation)
    equations: list[Equation] = []
    for layer in range(1, network.depth + 1):
        for j in range(network.widths[layer]):
            equations.append(Equation(network.z(layer, j), network.preactivation(layer, j)))
        for j in range(network.widths[layer]):
            equations.append(Equation(network.a(layer, j), network.activation(layer, j)))
    equations.append(Equation(naming.SAMPLE_LOSS, network.sample_loss()))
    names: dict[sp.Symbol, Name] = {}
    for e in equations[:-1]:
        names[e.target] = _name(e.target, style)
    for s in (*network.parameters, *network.inputs, *network.targets):
        names[s] = _name(s, style)
    names[naming.SAMPLE_LOSS] = Name("C_0", "C₀", "C_0")
    return Graph.build(network.parameters, network.inputs, network.targets, equations, names)


def _name(symbol: sp.Symbol, style: naming.Notation) -> Name:
    label = naming.label_of(symbol)
    assert label is not None  # every symbol of a Network has a label
    return Name(style.latex(label), style.unicode(label), symbol.name)
