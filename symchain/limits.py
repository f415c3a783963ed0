"""Every size and time limit symchain enforces, in one table, with the estimates that use them.

Limits are checked from the widths (or a file's size) before anything is built or read, so a
request that is too large is refused in well under a second and a few MB of memory.
"""

from __future__ import annotations

# Networks ------------------------------------------------------------------------------------
MAX_LAYERS = 64
MAX_WIDTH = 4096
# The unrolled, per-neuron form (derive, eval, check): weights and biases together.
MAX_PARAMETERS = 150_000
# eval and check compile the unrolled form to numbers; beyond this, use symchain codegen.
MAX_NUMERIC_PARAMETERS = 20_000
# Networks verify checks claims on (its counterexample search builds every symbol).
MAX_VERIFY_PARAMETERS = 5_000
# Expanded forms (C_0 and gradients composed into inputs and parameters), in tree nodes.
MAX_EXPANDED_NODES = 200_000
# ... and in nesting depth: SymPy's printers recurse once per level (and several Python frames per
# level), so a long chain of one neuron per layer (depth about 5 per layer) is refused here.
MAX_EXPANDED_DEPTH = 160
# `symchain graph`: nodes (every x, y, w, b, z, a and C_0) of the dependency graph.
MAX_GRAPH_NODES = 20_000
# Graphs larger than this are left out of a standalone LaTeX document (unreadable).
MAX_STANDALONE_GRAPH_NODES = 120
# A docs block (Sphinx directive, Markdown/MkDocs ```symchain block): parameters derived.
MAX_BLOCK_PARAMETERS = 500
# The network of a docs block: parameters of the whole network (symbols are built to resolve
# the names a block gives, so a huge network is refused before that).
MAX_BLOCK_NETWORK_PARAMETERS = 5_000

# Time ----------------------------------------------------------------------------------------
MAX_TIMEOUT_SECONDS = 86_400.0

# Files read ----------------------------------------------------------------------------------
# A Markdown source of `symchain render`.
MAX_SOURCE_BYTES = 10_000_000
# A TOML spec file.
MAX_SPEC_BYTES = 1_000_000
# A document verify reads (a file or standard input).
MAX_DOCUMENT_BYTES = 1_000_000
# Parameters (.json, .npz) and batches (.csv, .npz) of eval.
MAX_DATA_BYTES = 100_000_000
# A JSON parameter file (each number becomes a Python float before it is an array).
MAX_JSON_BYTES = 16_000_000
# Numbers in one parameter or data file (the .npz headers are checked before loading).
MAX_ARRAY_ELEMENTS = 10_000_000
# Members of an .npz archive (parameters W1, b1, ... of at most MAX_LAYERS layers, or X and Y).
MAX_NPZ_MEMBERS = 2 * MAX_LAYERS
# Nesting of JSON arrays/objects and of TOML tables/arrays.
MAX_NESTING = 32
# Digits of an integer literal in a JSON file (a float64 holds about 308 decimal digits).
MAX_INTEGER_DIGITS = 309


def graph_nodes(widths: tuple[int, ...]) -> int:
    """Nodes of the full dependency graph: inputs, targets, every w, b, z, a, and C_0."""
    nodes = widths[0] + widths[-1] + 1
    for previous, width in zip(widths, widths[1:], strict=False):
        nodes += width * (previous + 1) + 2 * width
    return nodes


def parameter_count(widths: tuple[int, ...]) -> int:
    """Weights and biases of a network with these widths (inputs first)."""
    return sum(n * (m + 1) for m, n in zip(widths, widths[1:], strict=False))
