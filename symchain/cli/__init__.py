"""The ``symchain`` command line: one group, a module per command; errors become one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from ..errors import SymchainError
from .check import check_command
from .codegen import codegen_command
from .derive import derive_command
from .eval import eval_command
from .graph import graph_command
from .guard import SIGINT_EXIT, guarded, quiet_numeric_warnings
from .render import render_command
from .verify import verify_command


class SymchainGroup(click.Group):
    """A group whose errors print as one line on stderr (exit 2), never a traceback."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            with quiet_numeric_warnings():
                code = super().main(
                    args, prog_name or "symchain", complete_var, standalone_mode=False, **extra
                )
        except click.exceptions.Abort:  # Ctrl-C arriving as KeyboardInterrupt
            click.echo("symchain: interrupted", err=True)
            sys.exit(SIGINT_EXIT)
        except click.ClickException as error:
            click.echo(f"symchain: error: {_one_line(error)}", err=True)
            sys.exit(error.exit_code)
        except SymchainError as error:
            click.echo(f"symchain: error: {error.message}", err=True)
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(error: click.ClickException) -> str:
    message = " ".join(error.format_message().split())
    ctx = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


@click.group(cls=SymchainGroup, name="symchain")
@click.version_option(package_name="symchain")
def cli() -> None:
    """Derive backpropagation symbolically, in the notation of the chain-rule lecture."""


cli.add_command(derive_command)
cli.add_command(eval_command)
cli.add_command(check_command)
cli.add_command(verify_command)
cli.add_command(graph_command)
cli.add_command(render_command)
cli.add_command(codegen_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``symchain`` script."""
    with guarded():
        cli.main(args=argv)
