"""``symchain verify``: check hand-written derivations, one claim or whole documents."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..errors import InputFileError, SymchainError
from ..network import Network
from ..verify import Checker, Verdict
from ..verify.check import DEFAULT_CLAIM_BUDGET
from ..verify.documents import Document, derivative_on_left, load_document
from .options import network_options

EXIT_HOLDS, EXIT_FAILS, EXIT_ERROR = 0, 1, 2
FORBIDDEN_DOCUMENT_OPTIONS = ("--help", "-h")


@click.command("_document_network", add_help_option=False)
@network_options
def _document_network(network: Network, notation: str) -> tuple[Network, str]:
    """The network options a document carries, parsed like the command line's."""
    return network, notation


def document_network(document: Document) -> tuple[Network, str] | None:
    """The network a document asks for (``symchain: --layers 2,3,2``), or None."""
    if document.options is None:
        return None
    where = f"{document.path}:{document.options_line}"
    for word in document.options:
        if word in FORBIDDEN_DOCUMENT_OPTIONS:
            raise InputFileError(f"{where}: {word} is not a network option")
    try:
        context = _document_network.make_context(
            "symchain options", list(document.options), resilient_parsing=False
        )
        with context:
            result: tuple[Network, str] = _document_network.invoke(context)
    except click.ClickException as error:
        message = " ".join(error.format_message().split())
        raise InputFileError(f"{where}: {message}") from None
    except SymchainError as error:
        raise InputFileError(f"{where}: {error.message}") from None
    return result


def _counterexample_text(counterexample: dict[str, Any] | None) -> str:
    if not counterexample:
        return ""
    values = ", ".join(f"{k}={v:g}" for k, v in counterexample["values"].items())
    parts = [f"network {counterexample['network']}"]
    if "indices" in counterexample:
        parts.append(", ".join(f"{k}={v}" for k, v in counterexample["indices"].items()))
    parts.append(values)
    parts.append(f"left {counterexample['left']:g} ≠ right {counterexample['right']:g}")
    return "; ".join(parts)


def _report_table(verdicts: list[Verdict]) -> Table:
    table = Table(show_lines=True, expand=False)
    table.add_column("claim", overflow="fold")
    table.add_column("verdict")
    table.add_column("method", overflow="fold")
    table.add_column("counterexample / diagnosis", overflow="fold")
    colours = {
        "holds": "green",
        "fails": "red",
        "unproven": "yellow",
        "error": "red",
        "skipped": "dim",
    }
    for verdict in verdicts:
        where = f"{verdict.file}:{verdict.line}\n" if verdict.file else ""
        details = []
        if verdict.counterexample:
            details.append(_counterexample_text(verdict.counterexample))
        details += list(verdict.diagnosis)
        if verdict.expected and verdict.verdict == "fails":
            details.append(f"expected: {verdict.expected}")
        table.add_row(
            where + verdict.claim,
            f"[{colours[verdict.verdict]}]{verdict.verdict}[/]",
            verdict.method,
            "\n".join(details),
        )
    return table


MAX_TIMEOUT = 3600.0


class SecondsType(click.ParamType):
    """A positive, finite number of seconds (at most :data:`MAX_TIMEOUT`)."""

    name = "SECONDS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            seconds = value
        else:
            try:
                seconds = float(str(value))
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
            self.fail(
                f"{value} is not a positive, finite number of seconds up to {MAX_TIMEOUT:g}",
                param,
                ctx,
            )
        return seconds


@click.command("verify")
@network_options
@click.argument("claims", nargs=-1)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Markdown (.md) or LaTeX (.tex) document whose equations are checked; repeatable. "
    "A document may carry its network: 'symchain: --layers 2,3,2' in front matter or a comment.",
)
@click.option(
    "--documents",
    is_flag=True,
    help="Treat every argument as a document path, like --file (for pre-commit hooks).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table (text) or a JSON list with one object per equation.",
)
@click.option(
    "--timeout",
    type=SecondsType(),
    default=DEFAULT_CLAIM_BUDGET,
    show_default=True,
    help="Seconds each claim may take.",
)
def verify_command(
    network: Network,
    notation: str,
    claims: tuple[str, ...],
    files: tuple[Path, ...],
    documents: bool,
    output_format: str,
    timeout: float,
) -> int:
    """Check hand-written derivatives against the true ones, with counterexamples.

    Each CLAIM is LaTeX in the seed's notation, e.g.
    '\\frac{\\partial C_0}{\\partial w^{(L)}} = a^{(L-1)} \\sigma'(z^{(L)}) 2(a^{(L)} - y)'.
    Exit code 0 when every claim holds, 1 when any fails, 2 for unreadable claims or files.
    """
    if documents:
        files, claims = files + tuple(Path(c) for c in claims), ()
    if not claims and not files:
        raise click.UsageError("give a claim to check or --file DOCUMENT")
    checker = Checker(network, notation, timeout)
    verdicts: list[Verdict] = []
    for number, claim in enumerate(claims, start=1):
        verdict = checker.check_text(claim)
        if verdict.verdict == "error":
            prefix = f"claim {number}: " if len(claims) > 1 else ""
            raise SymchainError(prefix + verdict.diagnosis[0])
        verdicts.append(verdict)
    for path in files:
        document = load_document(path)
        chosen = document_network(document)
        file_checker = checker if chosen is None else Checker(chosen[0], chosen[1], timeout)
        for equation in document.equations:
            if not derivative_on_left(equation.text):
                reason = "no derivative on the left side" if "=" in equation.text else "no '='"
                verdicts.append(
                    Verdict(
                        equation.text,
                        "skipped",
                        "",
                        None,
                        None,
                        (reason,),
                        document.path,
                        equation.line,
                    )
                )
                continue
            verdicts.append(file_checker.check_text(equation.text, document.path, equation.line))
    if output_format == "json":
        sys.stdout.write(
            json.dumps([v.as_dict() for v in verdicts], indent=2, ensure_ascii=False) + "\n"
        )
    else:
        console = Console(highlight=False, soft_wrap=False, width=160)
        console.print(_report_table(verdicts))
        counts = {
            name: sum(v.verdict == name for v in verdicts)
            for name in ("holds", "fails", "unproven", "error", "skipped")
        }
        console.print(", ".join(f"{count} {name}" for name, count in counts.items()))
    if any(v.verdict == "error" for v in verdicts):
        return EXIT_ERROR
    if any(v.verdict in ("fails", "unproven") for v in verdicts):
        return EXIT_FAILS
    return EXIT_HOLDS
