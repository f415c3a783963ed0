"""Helpers of ``symchain derive`` for the index and matrix forms, and its progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .. import forms
from ..deriver import Progress
from ..network import Network
from ..render.layout import wrap_equation_lines
from .options import plain_width, styled_stdout, write_output

# Derivations of more parameters than this show a progress bar (on a terminal only).
PROGRESS_PARAMETERS = 2000


def write_form(
    network: Network,
    notation: str,
    form: str,
    output_format: str,
    output: Path | None,
    params: tuple[str, ...],
    standalone: bool,
) -> None:
    """Print the index or matrix form of ``network`` in ``output_format``."""
    if params:
        raise click.UsageError(
            f"--param selects parameters of the unrolled form, not of --form {form}"
        )
    if standalone:
        raise click.UsageError("--standalone is for the unrolled form")
    if form == "matrix":
        document = forms.matrix_document(network, notation)
    else:
        document = forms.network_index_document(network, notation)
    text = forms.render_form(document, output_format)
    if output_format == "text":
        text = wrap_equation_lines(text, _console_width())
    write_output(text, output)


def _console_width() -> int:
    """The width rich would print standard output at (rich imported only for a terminal)."""
    if not styled_stdout():
        return plain_width()
    from rich.console import Console

    return Console().width


@contextmanager
def derive_progress(total: int) -> Iterator[Callable[[str], Progress] | None]:
    """A rich progress bar on stderr for long derivations, only when stderr is a terminal.

    Yields ``phase``: ``phase("deriving")`` and then ``phase("rendering")`` give the
    ``progress(done, total)`` callbacks that move the bar through each stage.
    """
    if total < PROGRESS_PARAMETERS or not sys.stderr.isatty():
        yield None
        return
    # imported here: only long derivations on a terminal need it (it slows every start by 20 ms)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task("deriving", total=total)

        def phase(name: str) -> Progress:
            bar.update(task, description=name, completed=0)

            def update(done: int, _total: int) -> None:
                bar.update(task, completed=done)

            return update

        yield phase
