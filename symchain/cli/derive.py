"""``symchain derive``: print the chain-rule derivation of a network's gradients."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..derivation import Derivation, resolve_parameters
from ..deriver import DEFAULT_BUDGET_SECONDS, Progress, derive
from ..forms import FORMS
from ..network import Network
from ..render import FORMATS
from ..spec import check_unrolled_size
from .forms import derive_progress, write_form
from .options import (
    graph_option,
    network_options,
    output_option,
    plain_width,
    styled_stdout,
    timeout_option,
    write_output,
)

if TYPE_CHECKING:
    from rich.console import Group

# More parameters than this in a printed derivation is unreadable; a warning suggests --param.
READABLE_PARAMETERS = 500


@click.command("derive")
@network_options
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME",
    help="Only this parameter, named as printed (w^{(L)}_{10}, w⁽ᴸ⁾₁₀, w^(L-1), w^{(2)}_{10}) or "
    "by params-file key (W3: every weight of layer 3, W3[1,0], b2); repeatable, kept in order.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (terminal), latex (amsmath), markdown ($$ blocks), json or html (a page).",
)
@click.option(
    "--form",
    type=click.Choice(FORMS),
    default="unrolled",
    show_default=True,
    help="unrolled (every neuron), index (Σ over symbolic widths n_l) or matrix (BP1-BP4).",
)
@click.option(
    "--standalone",
    is_flag=True,
    help="With --format latex: a complete document (title, network, TikZ graph) for pdflatex.",
)
@output_option()
@timeout_option(DEFAULT_BUDGET_SECONDS, "Seconds the symbolic work may take.")
@graph_option
def derive_command(
    network: Network,
    notation: str,
    params: tuple[str, ...],
    output_format: str,
    form: str,
    standalone: bool,
    output: Path | None,
    timeout: float,
    graph_file: Path | None,
) -> None:
    """Derive dC_0/dθ factor by factor, and dC/dθ over a batch, for every weight and bias.

    With no options: the seed's network (3 layers of one sigmoid neuron, squared error).
    With --graph FILE: the network written as equations in FILE.
    """
    if standalone and output_format != "latex":
        raise click.UsageError("--standalone needs --format latex")
    if form != "unrolled" and output_format == "html":
        raise click.UsageError("--format html is for the unrolled form")
    if graph_file is not None:
        if form != "unrolled" or standalone:
            raise click.UsageError(
                "--graph derives the unrolled form as text, latex, markdown, json or html "
                "(no --form or --standalone)"
            )
        # imported here: the graph parser and its grammar slow every other run's start
        from .equations import derive_graph_file

        derive_graph_file(graph_file, params, output_format, output)
        return
    if form != "unrolled":
        write_form(network, notation, form, output_format, output, params, standalone)
        return
    check_unrolled_size(network.spec)
    chosen = resolve_parameters(network, params) or None
    stdout = sys.stdout  # the real one: a progress bar redirects sys.stdout while it shows
    with derive_progress(len(chosen or network.parameters)) as phase:
        progress = phase("deriving") if phase else None
        derivation = derive(network, chosen, budget=timeout, progress=progress)
        # kept while rendering: the cyclic collector need not walk it (nor SymPy) meanwhile;
        # unfrozen after, so an in-process caller (a notebook, the tests) can free it later
        gc.freeze()
        try:
            # rendered under the same bar, written as it is made unless the bar shares the terminal
            document = _render(derivation, notation, output_format, standalone, output, phase)
            if isinstance(document, Iterator):
                if output is None and (phase is None or not stdout.isatty()):
                    stdout.writelines(document)
                    document = iter(())
                else:
                    document = iter(["".join(document)])
        finally:
            gc.unfreeze()
    if len(derivation) > READABLE_PARAMETERS and output_format != "json":
        click.echo(
            f"symchain: warning: {len(derivation)} parameters make a very long document; "
            "select some with --param, or use --form matrix",
            err=True,
        )
    if isinstance(document, Iterator):
        for text in document:
            write_output(text, output)
    else:
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(document)


def _render(
    derivation: Derivation,
    notation: str,
    output_format: str,
    standalone: bool,
    output: Path | None,
    phase: Callable[[str], Progress] | None,
) -> Iterator[str] | Group:
    """The document in ``output_format``: its text in pieces made as they are read, or rich
    renderables for a styled terminal.

    Each format's renderer is imported when used (the HTML page's takes the longest to load), and
    rich only for a styled terminal.
    """
    progress = phase("rendering") if phase else None
    if output_format == "text":
        from ..render.text import iter_plain_text

        if output is None and styled_stdout():
            from rich.console import Console

            from ..render.text import render_text

            console = Console(highlight=False, soft_wrap=True)
            if console.color_system is not None:
                return render_text(derivation, notation, console.width, progress)
            return iter_plain_text(derivation, notation, console.width, progress)
        # a pipe or a file: the width COLUMNS gives, else the terminal's, else 80 (as rich does)
        return iter_plain_text(derivation, notation, plain_width(), progress)
    if output_format == "latex" and standalone:
        from ..render.standalone import render_standalone

        return iter([render_standalone(derivation, notation)])
    if output_format == "html":
        from ..render.html import render_html

        return iter([render_html(derivation, notation)])
    module = importlib.import_module(f"symchain.render.{output_format}")
    return getattr(module, f"iter_{output_format}")(derivation, notation, progress)  # type: ignore[no-any-return]
