"""Fuzzing every command in-process: exit 0, 1 or 2, one error line, no traceback, no stray file.

Inputs come from tests/fuzzing.py (grammar-aware mutations of claims, documents, spec, parameter
and data files and command lines); the run is derandomized so CI is reproducible, and bounded
(about 20 s). bench/fuzz.py runs the same cases at length (>= 10,000 inputs).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzing import Case, cases, check_case, mutated
from hypothesis import HealthCheck, given, settings

BLOCK = "```symchain\nlayers: 1,1\n```\n"
FUZZ = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(cases())
def test_commands_keep_their_promises(tmp_path: Path, case: Case) -> None:
    check_case(case, tmp_path)


@settings(FUZZ, max_examples=300)
@given(mutated("csv"), mutated("json"))
def test_eval_reads_any_data_and_parameter_file_safely(
    tmp_path: Path, data: str, params: str
) -> None:
    files = (("d.csv", data), ("p.json", params))
    check_case(
        Case(("eval", "--layers", "2,1", "--params", "p.json", "--data", "d.csv"), files), tmp_path
    )


@settings(FUZZ, max_examples=300)
@given(mutated("spec"))
def test_any_spec_file_is_read_safely(tmp_path: Path, spec: str) -> None:
    check_case(Case(("codegen", "--spec", "net.toml"), (("net.toml", spec),)), tmp_path)


@pytest.mark.parametrize(
    "case",
    [
        Case(("derive", "--layers", "4096,4096")),
        Case(("graph", "--layers", "1024,1024")),
        Case(("derive", "--timeout", "nan")),
        Case(("derive", "-o", "/dev/full")),
        Case(("derive", "--spec", "/dev/zero")),
        Case(("render", "doc.md", "-o", "doc.md"), (("doc.md", BLOCK),)),
        Case(("eval", "--layers", "2,1", "--init", "0", "--data", "d.csv"),
             (("d.csv", "1," + "1" * 200_000 + ",1\n"),)),
        Case(("eval", "--layers", "2,1", "--data", "d.csv", "--params", "p.json"),
             (("d.csv", "1,1,1\n"), ("p.json", '{"W1": [[1, 2]], "b1": [' + "9" * 400 + "]}"))),
    ],
    ids=["derive-4096", "graph-1024", "timeout-nan", "dev-full", "dev-zero", "render-self",
         "csv-long-field", "json-400-digits"],
)  # fmt: skip
def test_the_issues_hostile_inputs(tmp_path: Path, case: Case) -> None:
    check_case(case, tmp_path)
