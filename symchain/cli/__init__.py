"""The ``symchain`` command line: one group, a module per command; errors become one line.

Commands are imported only when invoked (:class:`LazyGroup`), so ``symchain --help``,
``--version`` and shell completion start without SymPy or NumPy.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from click.shell_completion import CompletionItem

from ..errors import SymchainError
from .guard import SIGINT_EXIT, guarded, quiet_numeric_warnings


@dataclass(frozen=True)
class CommandEntry:
    """Where a command lives and the one line ``symchain --help`` shows for it."""

    module: str
    attribute: str
    summary: str


# The commands, in the order of ``symchain --help``; each summary is the start of the command's
# own help, up to a comma, colon or parenthesis (tests check it).
COMMANDS: dict[str, CommandEntry] = {
    "derive": CommandEntry(
        "symchain.cli.derive",
        "derive_command",
        "Derive dC_0/dθ factor by factor, and dC/dθ over a batch.",
    ),
    "eval": CommandEntry(
        "symchain.cli.eval",
        "eval_command",
        "Evaluate the loss C and the gradients dC/dθ.",
    ),
    "check": CommandEntry(
        "symchain.cli.check", "check_command", "Prove the derived gradient with numbers."
    ),
    "verify": CommandEntry(
        "symchain.cli.verify",
        "verify_command",
        "Check hand-written derivatives against the true ones.",
    ),
    "graph": CommandEntry(
        "symchain.cli.graph",
        "graph_command",
        "Draw how w, a and b feed z, z feeds a, and a and y feed C_0.",
    ),
    "render": CommandEntry(
        "symchain.cli.render",
        "render_command",
        "Replace every ```symchain block of a Markdown SOURCE.",
    ),
    "codegen": CommandEntry(
        "symchain.cli.codegen",
        "codegen_command",
        "Generate loss_and_gradients(params, X, Y) from the matrix form.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is looked up."""

    def __init__(self, *args: Any, lazy: dict[str, CommandEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *sorted(set(self.commands) - set(self.lazy))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
        return command

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (with their summaries) and options, without importing any command."""
        results = [
            CompletionItem(name, help=entry.summary)
            for name, entry in self.lazy.items()
            if name.startswith(incomplete)
        ]
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table's summaries, without importing any command."""
        rows = [(name, entry.summary) for name, entry in self.lazy.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class SymchainGroup(LazyGroup):
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


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(
    cls=SymchainGroup,
    name="symchain",
    lazy=COMMANDS,
    invoke_without_command=True,
    context_settings=CONTEXT_SETTINGS,
)
@click.version_option(package_name="symchain", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Derive backpropagation symbolically, in the notation of the chain-rule lecture."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``symchain`` script."""
    with guarded():
        cli.main(args=argv)
