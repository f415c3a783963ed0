"""Grammar-aware fuzz inputs for the command line, and the promises every run must keep.

Shared by the CI fuzz tests (tests/test_fuzz_cli.py, bounded) and the long run (bench/fuzz.py).
Each input starts from a valid claim, document, spec, parameter or data file or command line and
is mutated token by token (tokens of its own grammar), byte by byte, or by truncation; the
networks stay small except for a few huge widths that must be refused up front.
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import strategies as st

from symchain.cli import cli

SEED_CLAIM = r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"

SEEDS = {
    "claim": SEED_CLAIM,
    "markdown": (
        "---\nsymchain: --layers 1,1,1\n---\n# Notes\n\n"
        "```symchain\nlayers: 1,1,1\nparam: w^{(L)}\nform: chain\nlabel: eq-1\n```\n\n"
        f"$$\n{SEED_CLAIM}\n$$\n\nInline $x = 1$.\n"
    ),
    "latex": (
        "% symchain: --layers 1,1,1,1\n\\begin{align}\n"
        f"{SEED_CLAIM} \\\\\n\\frac{{\\partial C_0}}{{\\partial b^{{(L)}}}} &= 1\n"
        "\\end{align}\n"
    ),
    "spec": 'layers = [2, 3, 2]\nactivation = ["tanh", "sigmoid"]\nloss = "squared_error"\n'
    'notation = "absolute"\n',
    "json": json.dumps({"W1": [[0.5, -1.0]], "b1": [0.25]}),
    "csv": "x0,x1,y0\n0.5,1.0,1\n-0.3,0.2,0\n1.5,-2,1\n",
}

TOKENS = {
    "claim": [
        "\\frac", "\\partial", "C_0", "C", "w", "b", "z", "a", "x", "y", "^{(L)}", "^{(L-1)}",
        "^{(1)}", "_{jk}", "_j", "\\sigma", "'", "\\tanh", "\\exp", "\\ln", "e^{", "\\sum_j",
        "\\sum_{i=0}^{n-1}", "\\delta", "\\cdot", "(", ")", "{", "}", "=", "+", "-", "/", "2",
        "0.5", "n", "^{[i]}", "&", "\\\\", "9^{99}", "\\left(", "\\right)", "^{16}", "_{99}",
    ],
    "markdown": [
        "```", "```symchain\n", "\n", "$$", "$", "layers: ", "1,1", "4096,4096", "2048,2048,2",
        "param: ", "form: ", "all", "chain", "label: ", "notation: ", "absolute", "activation: ",
        "softmax", "loss: ", "cross_entropy", "symchain: ", "--spec /dev/zero", "--layers 9,x",
        "--timeout nan", "<!-- ", " -->", "---\n", "w^{(L)}", "> ", "    ", ":", "#", "\x00",
    ],
    "latex": [
        "\\begin{align}", "\\end{align}", "\\begin{equation}", "\\end{equation}", "\\[", "\\]",
        "$$", "&", "\\\\", "%", " symchain: ", "--layers 2,3,2", "--file /dev/zero", "\n",
        "\\frac{\\partial C_0}{\\partial w^{(L)}}", "=", "{", "}",
    ],
    "spec": [
        "layers", "=", "[", "]", "{", "}", ",", "0", "1", "4096", "99999999999999999999", "-1",
        "true", '"', "'''", "activation", "loss", "notation", "sigmoid", "softmax", "\n", "#",
        "[[layers]]", "[table]", "inf", "nan", "1e400", "\\u0000", "=\n",
    ],
    "json": [
        "{", "}", "[", "]", ",", ":", '"W1"', '"b1"', '"X"', "1", "-0.5", "1e400", "NaN",
        "Infinity", "1" * 400, "true", "null", '"a"', "[" * 40, "]" * 40, " ",
    ],
    "csv": [
        ",", "\n", "\r\n", "1", "0.5", "O.2", "nan", "inf", "1e400", "x0", '"', "\ufeff", " ",
        "1_0", "-", "0x10", "\x00", "a" * 200_000, "1" * 400,
    ],
}  # fmt: skip

SUFFIX = {"markdown": ".md", "latex": ".tex", "spec": ".toml", "json": ".json", "csv": ".csv"}


def _apply(seed: str, edits: list[tuple[int, float, str]]) -> str:
    """Apply (kind, position, token) edits: 0 insert, 1 delete a span, 2 replace, 3 truncate."""
    text = seed
    for kind, where, token in edits:
        at = int(where * len(text))
        if kind == 0:
            text = text[:at] + token + text[at:]
        elif kind == 1:
            text = text[:at] + text[at + 1 + len(token) % 7 :]
        elif kind == 2:
            text = text[:at] + token + text[at + len(token) :]
        else:
            text = text[:at]
    return text


def mutated(kind: str) -> st.SearchStrategy[str]:
    """The seed of ``kind`` as it is, under one or up to 6 grammar-aware edits, or its tokens at
    random."""
    edit = st.tuples(
        st.integers(0, 3), st.floats(0, 1), st.sampled_from(TOKENS[kind]) | st.text(max_size=3)
    )
    return st.one_of(
        st.just(SEEDS[kind]),
        st.lists(edit, max_size=1).map(lambda edits: _apply(SEEDS[kind], edits)),
        st.lists(edit, max_size=6).map(lambda edits: _apply(SEEDS[kind], edits)),
        st.lists(st.sampled_from(TOKENS[kind]), max_size=20).map("".join),
    )


SMALL_WIDTHS = st.lists(st.integers(1, 3), min_size=2, max_size=4).map(
    lambda w: ",".join(map(str, w))
)
WIDTHS = st.one_of(
    SMALL_WIDTHS,
    SMALL_WIDTHS,
    SMALL_WIDTHS,
    st.sampled_from(["4096,4096", "1000,1000,1000", "1024,1024", "0,1", "2,x", "", "1," * 70 + "1",
                     "9" * 30 + ",1", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"
                     ",1,1,1,1"]),
)  # fmt: skip
ACTIVATION = st.sampled_from(
    ["sigmoid", "tanh", "relu", "linear", "softplus", "softmax", "tanh,sigmoid", "gelu", ""]
)
LOSS = st.sampled_from(
    ["squared_error", "half_squared_error", "binary_cross_entropy", "cross_entropy", "l1"]
)
PARAM = st.sampled_from(["w^{(L)}", "b^{(L-1)}", "w^{(1)}_{00}", "w^{(L)}_{10}", "v", "w^{(L-9)}"])


@st.composite
def network_args(draw: st.DrawFn) -> list[str]:
    """Network options: widths mostly small, sometimes huge or malformed."""
    args = ["--layers", draw(WIDTHS)]
    if draw(st.booleans()):
        args += ["--activation", draw(ACTIVATION)]
    if draw(st.booleans()):
        args += ["--loss", draw(LOSS)]
    if draw(st.booleans()):
        args += ["--notation", draw(st.sampled_from(["relative", "absolute", "x"]))]
    return args


@dataclass(frozen=True)
class Case:
    """One fuzz input: the command line and the files it reads (name -> content)."""

    args: tuple[str, ...]
    files: tuple[tuple[str, str | bytes], ...] = ()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A command line for one of the commands, with mutated files or arguments."""
    command = draw(
        st.sampled_from(
            ["derive", "graph", "codegen", "render", "spec", "eval", "verify", "verify-file"]
        )
    )
    if command == "derive":
        args = ["derive", *draw(network_args())]
        if draw(st.booleans()):
            args += ["--format", draw(st.sampled_from(["text", "latex", "markdown", "json"]))]
        if draw(st.booleans()):
            args += ["--form", draw(st.sampled_from(["unrolled", "index", "matrix"]))]
        if draw(st.booleans()):
            args += ["--param", draw(PARAM)]
        if draw(st.booleans()):
            args += ["--timeout", draw(st.sampled_from(["nan", "inf", "0", "-1", "5", "1e9"]))]
        if draw(st.booleans()):
            args += ["-o", "out.txt"]
        return Case(tuple(args))
    if command == "graph":
        args = ["graph", *draw(network_args())]
        if draw(st.booleans()):
            args += ["--param", draw(PARAM)]
            if draw(st.booleans()):
                args += ["--focus"]
        args += ["--format", draw(st.sampled_from(["dot", "tikz", "mermaid", "svg"]))]
        if draw(st.booleans()):
            args += ["-o", "out.txt"]
        return Case(tuple(args))
    if command == "codegen":
        backend = draw(st.sampled_from(["numpy", "jax", "torch", "cobol"]))
        return Case(("codegen", *draw(network_args()), "--backend", backend, "-o", "out.py"))
    if command == "render":
        return Case(("render", "doc.md", "-o", "out.md"), (("doc.md", draw(mutated("markdown"))),))
    if command == "spec":
        return Case(("derive", "--spec", "net.toml"), (("net.toml", draw(mutated("spec"))),))
    if command == "eval":
        params = draw(mutated("json"))
        data = draw(mutated("csv"))
        files: tuple[tuple[str, str | bytes], ...] = (("p.json", params), ("d.csv", data))
        return Case(("eval", "--layers", "2,1", "--params", "p.json", "--data", "d.csv"), files)
    if command == "verify":
        claim = draw(mutated("claim"))
        # Small networks only: verify's own budget on huge ones is the verify module's (issue 15
        # lists `verify --timeout 2 --layers 1024,1024` taking minutes).
        return Case(("verify", "--timeout", "2", "--layers", draw(SMALL_WIDTHS), "--", claim))
    kind = draw(st.sampled_from(["markdown", "latex"]))
    name = "doc" + SUFFIX[kind]
    return Case(("verify", "--timeout", "2", "--file", name), ((name, draw(mutated(kind))),))


@dataclass(frozen=True)
class Outcome:
    """The exit code of a run, and what broke a promise (empty when none did)."""

    exit_code: int
    problem: str


def after_names(case: Case) -> set[str]:
    """The files a run may create: its output and the output's .dot twin."""
    outputs = [case.args[i + 1] for i, arg in enumerate(case.args[:-1]) if arg == "-o"]
    return {name for output in outputs for name in (output, Path(output).stem + ".dot")}


def run_case(case: Case, directory: Path) -> Outcome:
    """Run ``case`` in-process inside ``directory`` and check every promise."""
    for name, content in case.files:
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        (directory / name).write_bytes(data)
    before = set(os.listdir(directory))
    # -o out.EXT, and graph's fallback to DOT text (out.dot) when Graphviz is missing.
    allowed = {name for name in after_names(case) if "-o" in case.args}
    previous = Path.cwd()
    os.chdir(directory)
    try:
        result = CliRunner().invoke(cli, list(case.args))
    finally:
        os.chdir(previous)
    after = set(os.listdir(directory))
    for name in after:
        (directory / name).unlink()
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        return Outcome(code, f"crash: {trace[-1500:]}")
    if code not in (0, 1, 2):
        return Outcome(code, f"exit code {code}")
    if "Traceback" in result.stdout + result.stderr:
        return Outcome(code, "a traceback in the output")
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("symchain: error:")]
    if code == 2 and not lines and case.args[0] == "verify" and _reports_an_error(result.stdout):
        pass  # verify's unreadable claims: an "error" row in its report (stdout), exit 2
    elif code == 2 and (len(errors) != 1 or len(lines) != 1):
        return Outcome(code, f"exit 2 without exactly one error line: {result.stderr[:500]!r}")
    created = after - before - allowed
    if created:
        return Outcome(code, f"files created outside the output: {sorted(created)}")
    return Outcome(code, "")


def _reports_an_error(report: str) -> bool:
    return re.search(r"\b[1-9][0-9]* error\b", report) is not None


def check_case(case: Case, directory: Path, seen: Callable[[Outcome], None] | None = None) -> None:
    """Run ``case`` and fail with the broken promise, if any."""
    outcome = run_case(case, directory)
    if seen is not None:
        seen(outcome)
    assert not outcome.problem, f"symchain {' '.join(map(repr, case.args))}: {outcome.problem}"
