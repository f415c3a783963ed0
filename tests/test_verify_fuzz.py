"""Fuzzing symchain verify: never a traceback, never code executed, exit code always 0, 1 or 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symchain.cli import cli
from symchain.network import Network
from symchain.verify import Checker

MARKER = Path("/tmp/symchain_verify_pwned")

INJECTIONS = [
    f"__import__('os').system('touch {MARKER}')",
    f"exec(\"open('{MARKER}', 'w')\")",
    f"eval(\"__import__('os').system('touch {MARKER}')\")",
    f"\\frac{{\\partial C_0}}{{\\partial w^{{(L)}}}} = __import__('os').system('touch {MARKER}')",
    "lambda: 0",
    "9**9**9**9",
    "x.__class__.__bases__[0].__subclasses__()",
    "Symbol('x')",
    "\\input{/etc/passwd}",
    "${{7*7}}",
]

TOKENS = [
    "\\frac", "\\partial", "C_0", "C", "C_k", "w", "b", "z", "a", "x", "y", "^{(L)}", "^{(L-1)}",
    "^{(1)}", "^{(0)}", "_{jk}", "_j", "_k", "_0", "_{10}", "\\sigma", "'", "^{\\prime}", "\\tanh",
    "\\exp", "\\ln", "e^{", "\\sum_j", "\\sum_{j=0}^{n_L-1}", "\\sum_{i=0}^{n-1}", "\\delta",
    "\\cdot", "\\times", "(", ")", "\\left(", "\\right)", "[", "]", "{", "}", "=", "+", "-", "/",
    "2", "1", "0.5", "n", "n_L", "^[i]", "^{(L)[i]}", " ", "&", "\\\\", "9^{99}", "\\alpha",
    "__import__", "'os'", ".system", "(", "os", ";",
    "\\nabla", "\\nabla_a", "\\begin{bmatrix}", "\\end{bmatrix}", "\\vdots", "\\ldots", "&",
    "\\odot", "\\oslash", "^T", "^{\\top}", "^{\\mathsf T}", "W", "Z", "A", "\\Delta", "X", "Y",
    "\\mathbf{1}", "\\mathbf{a}", "\\operatorname{ReLU}", "\\operatorname{softmax}_0", "^{(l)}",
    "^{(l+1)}", "^l", "^2", "[j = k]", "\\text{when the targets sum to 1}", ",", "\\biggl[",
    "\\biggr]",
]  # fmt: skip

SEED = r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"

claims = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
    st.sampled_from(INJECTIONS),
    # Mutations of a true claim: a token inserted, one removed.
    st.tuples(st.integers(0, len(SEED)), st.sampled_from(TOKENS)).map(
        lambda p: SEED[: p[0]] + p[1] + SEED[p[0] :]
    ),
    st.integers(0, len(SEED) - 1).map(lambda i: SEED[:i] + SEED[i + 1 :]),
    st.lists(st.sampled_from(TOKENS), max_size=12).map(
        lambda t: r"\frac{\partial C_0}{\partial w^{(L)}} = " + "".join(t)
    ),
)

CHECKER = Checker(Network.from_widths(), budget=5.0)
CHECKER_232 = Checker(Network.from_widths((2, 3, 2)), budget=5.0)


@settings(
    max_examples=2500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(claims)
def test_checker_never_raises_and_never_executes(text: str) -> None:
    for checker in (CHECKER, CHECKER_232):
        verdict = checker.check_text(text)
        assert verdict.verdict in ("holds", "fails", "unproven", "skipped", "error")
        if verdict.verdict == "error":
            assert len(verdict.diagnosis) == 1 and "\n" not in verdict.diagnosis[0]
    assert not MARKER.exists()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(claims, min_size=1, max_size=2))
def test_cli_exit_codes_and_one_line_errors(texts: list[str]) -> None:
    result = CliRunner().invoke(cli, ["verify", "--", *texts])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1
    assert not MARKER.exists()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(claims, min_size=1, max_size=4))
def test_documents_with_fuzzed_math(tmp_path_factory: object, texts: list[str]) -> None:
    directory = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    path = directory / "notes.md"
    body = "\n\n".join(f"$$\n{t}\n$$" for t in texts)
    path.write_text(body, encoding="utf-8", errors="replace")
    result = CliRunner().invoke(cli, ["verify", "--file", str(path), "--format", "json"])
    assert result.exit_code in (0, 1, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    assert not MARKER.exists()


def test_injections_are_rejected_before_anything_runs() -> None:
    for text in INJECTIONS:
        result = CliRunner().invoke(cli, ["verify", "--", text])
        assert result.exit_code in (1, 2)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not MARKER.exists()
