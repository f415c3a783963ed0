"""The ``symchain`` group: help without a command, ``-h``, ``--version``, lazy command imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from symchain.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent

# Prints which heavy modules a run of the command line imported, as JSON.
PROBE = """
import json, sys
from symchain.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("sympy", "numpy", "mpmath", "symchain.derivation", "symchain.cli.derive")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
"""


def imported_modules(*args: str, **environment: str) -> list[str]:
    """The heavy modules a fresh ``symchain ARGS`` process imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **environment}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    return list(json.loads(result.stderr.strip().splitlines()[-1]))


def test_bare_symchain_prints_the_help_and_exits_0() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: symchain [OPTIONS] [COMMAND] [ARGS]...")
    assert "\nCommands:\n" in result.output
    assert result.output.count("\n") > 10  # multi-line, not one squashed error line
    assert result.output == CliRunner().invoke(cli, ["--help"]).output


@pytest.mark.parametrize("command", [[], ["derive"], ["check"], ["verify"]])
def test_dash_h_is_help(command: list[str]) -> None:
    short = CliRunner().invoke(cli, [*command, "-h"])
    long = CliRunner().invoke(cli, [*command, "--help"])
    assert short.exit_code == long.exit_code == 0
    assert short.output == long.output
    assert "-h, --help" in short.output


def test_help_lists_every_command_with_the_start_of_its_own_help() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    context = click.Context(cli)
    for name, entry in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None and command.name == name
        own_help = " ".join((command.help or "").split())
        assert own_help.startswith(entry.summary.rstrip(".")), name
        assert f"  {name} " in output


def test_version_is_the_installed_distribution_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"symchain {version('symchain')}\n"


def test_unknown_command_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["derivee"])
    assert result.exit_code == 2
    assert result.output.startswith("symchain: error: No such command 'derivee'")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_help_and_version_import_neither_sympy_nor_numpy(args: list[str]) -> None:
    assert imported_modules(*args) == []


def test_completion_of_command_names_imports_no_command() -> None:
    env = {"_SYMCHAIN_COMPLETE": "bash_complete", "COMP_WORDS": "symchain de", "COMP_CWORD": "1"}
    assert imported_modules(**env) == []


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["derive"], ()),
        (["derive", "--format", "html"], ("symchain.render.html", "symchain.render.markdown")),
        (["derive", "--format", "json"], ("symchain.render.json",)),
    ],
)
def test_derive_imports_only_what_its_output_needs(
    args: list[str], loaded: tuple[str, ...]
) -> None:
    """The other renderers, the graph parser's grammar (lark), package metadata,
    multiprocessing and rich (piped output is plain text) stay unloaded: each costs every run's
    start."""
    probe = PROBE.replace('"symchain.cli.derive")', '"symchain.cli.derive", *OPTIONAL)')
    optional = (
        "lark", "importlib.metadata", "multiprocessing", "rich", "symchain.graphs.parser",
        "symchain.render.html", "symchain.render.json", "symchain.render.markdown",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", f"OPTIONAL = {optional!r}\n{probe}", *args],
        capture_output=True, text=True, env=env, check=True,
    )
    modules = json.loads(result.stderr.strip().splitlines()[-1])
    assert sorted(set(modules) & set(optional)) == sorted(loaded)


def test_derive_imports_sympy_but_not_numpy() -> None:
    modules = imported_modules("derive")
    assert "sympy" in modules and "symchain.cli.derive" in modules
    assert "numpy" not in modules


def test_import_symchain_pulls_nothing_heavy_and_derive_no_numpy() -> None:
    code = (
        "import sys, symchain; print('sympy' in sys.modules, 'numpy' in sys.modules);"
        "from symchain import Network, derive; derive(Network.from_widths((1, 1)));"
        "print('sympy' in sys.modules, 'numpy' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["False", "False", "True", "False"]


SEED_CLAIM = r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"


@pytest.mark.parametrize("claim", [SEED_CLAIM, SEED_CLAIM.replace("2(a", "3(a")])
def test_verify_lines_wrap_to_a_terminal_and_stay_whole_in_a_pipe(claim: str) -> None:
    from symchain.cli.verify import text_report
    from symchain.network import Network
    from symchain.verify import Checker

    verdicts = [Checker(Network.from_widths()).check_text(claim)]
    piped = text_report(verdicts).splitlines()
    assert len(piped) == 2 and piped[1].startswith("claim 1: ")
    wrapped = text_report(verdicts, 72).splitlines()
    assert max(len(line) for line in wrapped) <= 72
    assert wrapped[1].startswith("claim 1: ")
    assert " ".join(line.strip() for line in wrapped[1:]).split() == piped[1].split()


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--layers", "2,3,2", "--batch", "2"],
        ["derive", "--layers", "2,3,2"],
    ],
)
@pytest.mark.parametrize("columns", [72, 120])
def test_tables_and_text_fit_the_terminal_width(args: list[str], columns: int) -> None:
    result = CliRunner().invoke(cli, args, env={"COLUMNS": str(columns)})
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= columns
