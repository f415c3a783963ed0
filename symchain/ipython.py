"""IPython extension: ``%load_ext symchain``, then ``%%symchain`` cells derive and display.

``%symchain`` does the same with the options on its line only.

The magic's line and the cell's lines hold ``symchain derive``'s options (``--layers 2,3,2``,
``--activation``, ``--loss``, ``--spec``, ``--notation``, ``--param``, ``--form``, ``--timeout``),
parsed by the same click options as the command line::

    %%symchain --layers 2,3,2 --activation tanh
    --param 'w^{(L)}_{10}'

The cell's value is the :class:`~symchain.derivation.Derivation` (the unrolled form), which the
notebook shows as math, or the index or matrix form as Markdown. Bad options print one line,
``symchain: error: ...``, and the cell's value is None.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import Markdown

from .cli.derive import derive_command
from .cli.options import network_options
from .derivation import Derivation, resolve_parameters
from .deriver import derive
from .errors import SymchainError
from .forms import matrix_document, render_form
from .forms.index import network_index_document
from .network import Network
from .spec import check_unrolled_size

# derive's own options that the magic takes besides the network's.
MAGIC_OPTIONS = ("params", "form", "timeout")


@click.command("%%symchain", context_settings={"help_option_names": ["-h", "--help"]})
@network_options
def magic_command(network: Network, notation: str, **options: Any) -> Derivation | Markdown:
    """Derive in a notebook: the options of symchain derive, on the line and in the cell."""
    form = options["form"]
    if form != "unrolled":
        if options["params"]:
            raise click.UsageError(f"--param selects parameters of the unrolled form, not {form}")
        document = (
            matrix_document(network, notation)
            if form == "matrix"
            else network_index_document(network, notation)
        )
        return Markdown(render_form(document, "markdown"))
    check_unrolled_size(network.spec)
    chosen = resolve_parameters(network, options["params"]) or None
    return derive(network, chosen, budget=options["timeout"])


magic_command.params.extend(p for p in derive_command.params if p.name in MAGIC_OPTIONS)


def run_magic(line: str, cell: str) -> Derivation | Markdown | None:
    """What ``%%symchain LINE`` with body ``cell`` shows; errors print one line and give None."""
    try:
        words = shlex.split(line, comments=True) + shlex.split(cell, comments=True)
    except ValueError as error:
        print(f"symchain: error: cannot split the options ({error})", file=sys.stderr)
        return None
    try:
        with magic_command.make_context("%%symchain", words) as context:
            result: Derivation | Markdown = magic_command.invoke(context)
    except click.exceptions.Exit:
        return None  # --help printed the help
    except click.ClickException as error:
        print(f"symchain: error: {' '.join(error.format_message().split())}", file=sys.stderr)
        return None
    except SymchainError as error:
        print(f"symchain: error: {error.message}", file=sys.stderr)
        return None
    return result


@magics_class
class SymchainMagics(Magics):
    """``%%symchain`` (options on the line and in the cell) and ``%symchain`` (on the line)."""

    @line_cell_magic  # type: ignore[misc]
    def symchain(self, line: str, cell: str | None = None) -> Derivation | Markdown | None:
        """Derive with ``symchain derive``'s options and show the result."""
        return run_magic(line, cell or "")


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%symchain`` (called by ``%load_ext symchain``)."""
    ipython.register_magics(SymchainMagics)
