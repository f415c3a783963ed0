"""``symchain render``: replace ```symchain blocks in a Markdown source by derived formulas."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputFileError
from ..files import read_text, same_file
from ..limits import MAX_SOURCE_BYTES
from ..markdown_blocks import render_markdown_blocks
from .options import output_option, write_output


def read_source(path: Path) -> str:
    """The UTF-8 text of a Markdown source; :class:`InputFileError` when it cannot be read."""
    return read_text(path, MAX_SOURCE_BYTES, "Markdown source")


@click.command("render")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@output_option()
def render_command(source: Path, output: Path | None) -> None:
    """Replace every ```symchain block of a Markdown SOURCE by its derived formulas.

    A block holds key: value lines (layers, activation, loss, param, form, show, label,
    notation, view, or graph: FILE.toml read relative to SOURCE); a bad block is an error naming
    the file and line.
    """
    if output is not None and same_file(source, output):
        raise InputFileError(
            f"-o {output} is the source itself: rendering would replace its ```symchain blocks "
            "for good; write to another file"
        )
    text = render_markdown_blocks(
        read_source(source),
        str(source),
        lambda message: click.echo(f"symchain: warning: {message}", err=True),
        source.parent,
    )
    write_output(text, output)
