"""Shared CLI options: the network (widths, activation, loss, spec file) and their validation."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..activations import ACTIVATIONS
from ..errors import SymchainError
from ..files import atomic_write
from ..limits import MAX_TIMEOUT_SECONDS
from ..losses import LOSSES
from ..network import Network
from ..spec import NetworkSpec, load_spec, parse_activations, parse_widths

F = TypeVar("F", bound=Callable[..., Any])


class WidthsType(click.ParamType):
    """Comma-separated layer widths including the inputs, e.g. ``2,3,2``."""

    name = "WIDTHS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        try:
            return parse_widths(str(value))
        except SymchainError as error:
            self.fail(error.message, param, ctx)


class ActivationsType(click.ParamType):
    """One activation name for every layer, or one per layer separated by commas."""

    name = "NAME[,NAME...]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        try:
            return parse_activations(str(value))
        except SymchainError as error:
            self.fail(error.message, param, ctx)


class SecondsType(click.ParamType):
    """A time budget: a positive, finite number of seconds (``nan``, ``inf``, 0 are refused)."""

    name = "SECONDS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            seconds = value
        else:
            try:
                seconds = float(str(value))
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT_SECONDS):
            self.fail(
                f"{value!r} is not a time budget; give seconds in (0, {MAX_TIMEOUT_SECONDS:g}]",
                param,
                ctx,
            )
        return seconds


def timeout_option(default: float, help_text: str) -> Any:
    """``--timeout SECONDS``: the time budget of a command's symbolic work."""
    return click.option(
        "--timeout", type=SecondsType(), default=default, show_default=True, help=help_text
    )


def seed_option(default: int | None, help_text: str) -> Any:
    """``--seed SEED`` (also spelled ``--init``, its old name in ``eval``): one seed everywhere."""
    return click.option(
        "--seed",
        "--init",
        "seed",
        type=click.IntRange(min=0),
        default=default,
        show_default=default is not None,
        metavar="SEED",
        help=help_text,
    )


def output_option(help_text: str = "Write to this file instead of standard output.") -> Any:
    """``-o/--output FILE``: where a command writes instead of standard output."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False, writable=True),
        default=None,
        help=help_text,
    )


def styled_stdout() -> bool:
    """Whether rich could style standard output: a terminal, or ``FORCE_COLOR``/``TTY_COMPATIBLE``.

    False means rich would certainly print plain text, so the caller need not import it (20 ms).
    """
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return True
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False


def plain_width() -> int:
    """The width rich gives a console that is not a terminal: ``COLUMNS``, else the size of the
    terminal on standard input, output or error, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    for descriptor in (0, 1, 2):
        try:
            width = os.get_terminal_size(descriptor).columns
        except (AttributeError, ValueError, OSError):  # not a terminal
            continue
        return width or 80
    return 80


def write_output(content: str | bytes, output: Path | None) -> None:
    """Write to standard output, or atomically to ``output`` (its old content kept on error)."""
    if output is not None:
        atomic_write(output, content)
    elif isinstance(content, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        sys.stdout.write(content)


def network_options(command: F) -> F:
    """Add ``--layers``, ``--activation``, ``--loss``, ``--spec`` and ``--notation``.

    The command receives ``network`` (a :class:`Network`) and ``notation`` (a string).
    """

    @click.option(
        "--layers",
        type=WidthsType(),
        default=None,
        help="Widths n_0 (inputs) .. n_L, comma-separated. Default: 1,1,1,1 (the seed's chain).",
    )
    @click.option(
        "--activation",
        type=ActivationsType(),
        default=None,
        help=f"Activation for every layer, or one per layer ({', '.join(ACTIVATIONS)}). "
        "Default: sigmoid.",
    )
    @click.option(
        "--loss",
        type=click.Choice(list(LOSSES)),
        default=None,
        help="Per-sample loss C_0. Default: squared_error.",
    )
    @click.option(
        "--spec",
        "spec_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="TOML file with layers, activation, loss, notation; options given here win.",
    )
    @click.option(
        "--notation",
        type=click.Choice(["relative", "absolute"]),
        default=None,
        help="Layer labels: relative (L), (L-1), ... or absolute (1) .. (L). Default: relative.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        layers: tuple[int, ...] | None,
        activation: tuple[str, ...] | None,
        loss: str | None,
        spec_file: Path | None,
        notation: str | None,
        **kwargs: Any,
    ) -> Any:
        base = NetworkSpec()
        file_notation = None
        if spec_file is not None:
            base, file_notation = load_spec(spec_file)
        widths = layers if layers is not None else base.widths
        if activation is not None:
            names = activation
        elif layers is not None and spec_file is None:
            names = ("sigmoid",)
        else:
            names = base.activations
        if len(names) not in (1, len(widths) - 1):
            raise click.BadParameter(
                f"{len(names)} activations for {len(widths) - 1} layers; "
                "give one name for all layers or one per layer",
                param_hint="'--activation'",
            )
        spec = NetworkSpec.build(widths, names, loss or base.loss)
        kwargs["network"] = Network(spec)
        kwargs["notation"] = notation or file_notation or "relative"
        return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def graph_option(command: Any) -> Any:
    """``--graph FILE``: a TOML graph of named quantities instead of a dense network."""
    return click.option(
        "--graph",
        "graph_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="A TOML graph: parameters, inputs, targets and equations in LaTeX "
        "(see docs/graphs.rst); the network options are then ignored.",
    )(command)
