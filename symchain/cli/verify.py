"""``symchain verify``: check hand-written derivations, one claim or whole documents."""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ..errors import InputFileError, SymchainError
from ..limits import MAX_VERIFY_PARAMETERS
from ..network import Network
from ..spec import check_parameter_count
from ..verify import Checker, Verdict
from ..verify.check import DEFAULT_CLAIM_BUDGET
from ..verify.documents import Document, derivative_on_left, has_equals, load_document
from .equations import verify_graph_file
from .options import graph_option, network_options, timeout_option

EXIT_HOLDS, EXIT_FAILS, EXIT_ERROR = 0, 1, 2
FORBIDDEN_DOCUMENT_OPTIONS = ("--help", "-h")


def claim_options(function: Any) -> Any:
    """``--numbering`` and ``--index-base``: how claims count layers and neurons."""
    function = click.option(
        "--index-base",
        type=click.IntRange(0, 1),
        default=0,
        show_default=True,
        help="1 when neuron and sample subscripts in the claims start at 1 (a_1 is the first "
        "neuron); a sum's range (\\sum_{j=1}^{n_L} a_{j-1}) works with either.",
    )(function)
    return click.option(
        "--numbering",
        type=click.Choice(["auto", "seed", "nielsen"]),
        default="auto",
        show_default=True,
        help="How bare layer superscripts (w^2_{jk}, \\delta^l_j) count: nielsen (inputs are "
        "layer 1, C is one sample's cost), seed (inputs are layer 0, as a^{(0)}) or auto "
        "(nielsen for bare superscripts; labels in parentheses always count as the seed's).",
    )(function)


@click.command("_document_network", add_help_option=False)
@network_options
@claim_options
def _document_network(
    network: Network, notation: str, numbering: str, index_base: int
) -> DocumentSettings:
    """The network options a document carries, parsed like the command line's."""
    return DocumentSettings(network, notation, numbering, index_base)


@dataclass(frozen=True)
class DocumentSettings:
    """The network and claim options a document asks for."""

    network: Network
    notation: str
    numbering: str
    index_base: int


def document_network(document: Document) -> DocumentSettings | None:
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
            result: DocumentSettings = _document_network.invoke(context)
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
    if "entry" in counterexample:
        parts.append(f"entry {counterexample['entry']}")
    parts.append(values)
    parts.append(f"left {counterexample['left']:g} ≠ right {counterexample['right']:g}")
    return "; ".join(parts)


def verdict_message(verdict: Verdict) -> str:
    """One line: the method for "holds", else the best diagnosis, counterexample, expected."""
    if verdict.verdict == "holds":
        return verdict.method
    parts = [verdict.diagnosis[0] if verdict.diagnosis else verdict.verdict]
    if verdict.counterexample:
        parts.append(f"counterexample: {_counterexample_text(verdict.counterexample)}")
    if verdict.expected and verdict.verdict == "fails":
        parts.append(f"expected: {verdict.expected}")
    return " | ".join(parts)


def verdict_location(verdict: Verdict, number: int) -> str:
    """``file:line:col`` (ruff style), or ``claim N`` for a claim given on the command line."""
    if verdict.file is None:
        return f"claim {number}"
    if verdict.line is None:
        return verdict.file
    return f"{verdict.file}:{verdict.line}:{verdict.column or 1}"


VERDICTS = ("holds", "fails", "unproven", "error", "skipped")


def summary(verdicts: list[Verdict]) -> str:
    counts = {name: sum(v.verdict == name for v in verdicts) for name in VERDICTS}
    total = len(verdicts)
    return f"{total} claim{'s' if total != 1 else ''}: " + ", ".join(
        f"{count} {name}" for name, count in counts.items()
    )


def text_report(verdicts: list[Verdict], width: int | None = None) -> str:
    """A short summary, then ``file:line:col: verdict: message`` per claim; with ``width``, a
    long message continues on indented lines (the location always starts its line whole)."""
    lines = textwrap.wrap(summary(verdicts), width) if width else [summary(verdicts)]
    for number, verdict in enumerate(verdicts, start=1):
        line = f"{verdict_location(verdict, number)}: {verdict.verdict}: {verdict_message(verdict)}"
        if width is None or len(line) <= width:
            lines.append(line)
        else:
            lines.extend(
                textwrap.wrap(
                    line,
                    width,
                    subsequent_indent="    ",
                    break_long_words=True,
                    break_on_hyphens=False,
                )
            )
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"fails": "error", "error": "error", "unproven": "warning"}


def github_report(verdicts: list[Verdict]) -> str:
    """GitHub Actions workflow commands: an annotation per claim that does not hold."""
    lines = []
    for number, verdict in enumerate(verdicts, start=1):
        level = GITHUB_LEVELS.get(verdict.verdict)
        if level is None:
            continue
        properties = []
        if verdict.file is not None:
            properties.append(f"file={_escape_property(verdict.file)}")
            if verdict.line is not None:
                properties.append(f"line={verdict.line}")
                properties.append(f"col={verdict.column or 1}")
        properties.append(f"title={_escape_property(f'symchain verify: {verdict.verdict}')}")
        message = verdict_message(verdict)
        if verdict.file is None:
            message = f"claim {number}: {message}"
        lines.append(f"::{level} {','.join(properties)}::{_escape_data(message)}")
    lines.append(summary(verdicts))
    return "\n".join(lines) + "\n"



@click.command("verify")
@network_options
@claim_options
@click.argument("claims", nargs=-1)
@click.option(
    "--file",
    "files",
    multiple=True,
    help="Markdown (.md) or LaTeX (.tex) document whose equations are checked ('-': standard "
    "input); repeatable. "
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
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: a summary, then 'file:line:col: verdict: message' per claim; json: one object "
    "per claim; github: workflow annotations.",
)
@timeout_option(DEFAULT_CLAIM_BUDGET, "Seconds each claim may take.")
@graph_option
def verify_command(
    network: Network,
    notation: str,
    numbering: str,
    index_base: int,
    claims: tuple[str, ...],
    files: tuple[str, ...],
    documents: bool,
    output_format: str,
    timeout: float,
    graph_file: Path | None,
) -> int:
    """Check hand-written derivatives against the true ones, with counterexamples.

    Each CLAIM is LaTeX in the seed's notation, e.g.
    '\\frac{\\partial C_0}{\\partial w^{(L)}} = a^{(L-1)} \\sigma'(z^{(L)}) 2(a^{(L)} - y)'.
    Exit code 0 when every claim holds, 1 when any fails, 2 for unreadable claims or files.
    With --graph FILE, claims use the graph's own names (checked numerically).
    """
    if graph_file is not None:
        if files or documents or not claims:
            raise click.UsageError("--graph checks claims given as arguments (no --file)")
        return verify_graph_file(graph_file, claims, output_format)
    _check_size(network)
    if documents:
        files, claims = files + claims, ()
    if not claims and not files:
        raise click.UsageError("give a claim to check or --file DOCUMENT ('-' reads stdin)")
    checker = Checker(network, notation, timeout, numbering=numbering, index_base=index_base)
    verdicts: list[Verdict] = []
    for number, claim in enumerate(claims, start=1):
        verdict = checker.check_text(claim)
        if verdict.verdict == "error":
            prefix = f"claim {number}: " if len(claims) > 1 else ""
            raise SymchainError(prefix + verdict.diagnosis[0])
        verdicts.append(verdict)
    for path in files:
        verdicts += _document_verdicts(path, checker, timeout)
    if output_format == "json":
        sys.stdout.write(
            json.dumps([v.as_dict() for v in verdicts], indent=2, ensure_ascii=False) + "\n"
        )
    elif output_format == "github":
        sys.stdout.write(github_report(verdicts))
    else:
        # A terminal gets lines wrapped to its width; a pipe one line per claim, for tools.
        width = Console().width if sys.stdout.isatty() else None
        sys.stdout.write(text_report(verdicts, width))
    if any(v.verdict == "error" for v in verdicts):
        return EXIT_ERROR
    if any(v.verdict in ("fails", "unproven") for v in verdicts):
        return EXIT_FAILS
    return EXIT_HOLDS


def _check_size(network: Network) -> None:
    """Refuse a network too large to verify on, from its widths alone."""
    check_parameter_count(
        network.widths, MAX_VERIFY_PARAMETERS, "symchain verify", "use a smaller network"
    )


def _document_verdicts(path: str, checker: Checker, timeout: float) -> list[Verdict]:
    """Every claim of one document; a document that cannot be read is one error verdict (also
    said on stderr), and the other documents are still checked."""
    try:
        document = load_document(path)
        chosen = document_network(document)
    except SymchainError as error:
        click.echo(f"symchain: error: {error.message}", err=True)
        return [Verdict("", "error", diagnosis=(error.message,), file=path)]
    file_checker = checker
    if chosen is not None:
        try:
            _check_size(chosen.network)
        except SymchainError as error:
            click.echo(f"symchain: error: {path}: {error.message}", err=True)
            return [Verdict("", "error", diagnosis=(error.message,), file=path)]
        file_checker = Checker(
            chosen.network,
            chosen.notation,
            timeout,
            numbering=chosen.numbering,
            index_base=chosen.index_base,
        )
    verdicts = []
    for equation in document.equations:
        if not has_equals(equation.text):
            continue  # not a claim: a formula without '='
        if not derivative_on_left(equation.text):
            verdicts.append(
                Verdict(
                    equation.text,
                    "skipped",
                    diagnosis=("nothing to check on the left side",),
                    file=document.path,
                    line=equation.line,
                    column=equation.column,
                )
            )
            continue
        verdict = file_checker.check_text(equation.text, document.path, equation.line)
        verdicts.append(replace(verdict, column=equation.column))
    return verdicts
