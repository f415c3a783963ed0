"""Helpers of ``symchain derive`` for the index and matrix forms, and its progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..forms import matrix_document, render_form
from ..forms.index import network_index_document
from ..network import Network
from .options import write_output

FORMS = ("unrolled", "index", "matrix")

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
        document = matrix_document(network, notation)
    else:
        document = network_index_document(network, notation)
    write_output(render_form(document, output_format), output)


@contextmanager
def derive_progress(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for long derivations, only when stderr is a terminal."""
    if total < PROGRESS_PARAMETERS or not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True)
    columns = (
        TextColumn("deriving"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("derive", total=total)

        def update(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        yield update
