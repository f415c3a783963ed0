"""``symchain render``: replace ```symchain blocks in a Markdown source by derived formulas."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputFileError
from ..markdown_blocks import render_markdown_blocks
from .options import output_option

# Larger sources are refused: a notes file is far smaller.
MAX_SOURCE_BYTES = 10_000_000


def read_source(path: Path) -> str:
    """The UTF-8 text of a Markdown source; :class:`InputFileError` when it cannot be read."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise InputFileError(f"{path}: larger than {MAX_SOURCE_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a Markdown file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot read ({error.strerror})") from None


@click.command("render")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@output_option()
def render_command(source: Path, output: Path | None) -> None:
    """Replace every ```symchain block of a Markdown SOURCE by its derived formulas.

    A block holds key: value lines (layers, activation, loss, param, form, show, label,
    notation); a bad block is an error naming the file and line.
    """
    text = render_markdown_blocks(
        read_source(source),
        str(source),
        lambda message: click.echo(f"symchain: warning: {message}", err=True),
    )
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
