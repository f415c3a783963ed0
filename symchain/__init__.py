"""symchain: derive backpropagation symbolically, factor by factor, in the seed's notation.

The pipeline, one stage per module::

    spec = NetworkSpec.build((2, 3, 2), "sigmoid", "squared_error")  # what the network is
    network = Network(spec)                       # forward graph as SymPy expressions
    derivation = derive(network)                  # chain factors, gradients, batch forms
    render_latex(derivation)                      # LaTeX / Markdown / text / JSON
"""

from __future__ import annotations

from .activations import ACTIVATIONS, Activation, register_activation
from .derivation import Chain, Derivation, ErrorTerm, Factor, ParameterGradient
from .deriver import derive, derive_activation
from .errors import SymchainError
from .losses import LOSSES, Loss, load_entry_points, register_loss
from .naming import Notation
from .network import Network
from .nodes import Partial, Sampled
from .spec import NetworkSpec

# Importing these fills Derivation.lambdify's registry of compilers (unrolled and matrix forms).
from . import codegen, numeric  # noqa: E402,F401  isort: skip

# Activations and losses that installed packages ship (entry points symchain.activations/.losses).
load_entry_points()

__version__ = "0.1.0"

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
    "derive_activation",
    "register_activation",
    "register_loss",
]
