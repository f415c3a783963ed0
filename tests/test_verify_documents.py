"""verify on documents: real LaTeX and Markdown parsing, ruff-style lines, GitHub annotations."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from symchain.cli import cli
from symchain.verify.documents import Document, front_matter, latex_equations, load_document

RIGHT = r"\frac{\partial C_0}{\partial b^{(L)}} = \sigma'(z^{(L)}) 2(a^{(L)} - y)"
WRONG = r"\frac{\partial C_0}{\partial w^{(L)}} = 0"

LATEX = rf"""\documentclass{{article}}
\begin{{document}}
% \[ {WRONG} \]
\iffalse
\[ {WRONG} \]
\fi
\begin{{comment}}
\[ {WRONG} \]
\end{{comment}}
\begin{{verbatim}}
\[ {WRONG} \]
\end{{verbatim}}
Text 100\% sure: \[ {RIGHT} \]
\begin{{equation}}
  {RIGHT}
\end{{equation}}
Inline too: ${RIGHT}$.
\end{{document}}
"""


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_latex_comments_iffalse_comment_and_verbatim_are_skipped() -> None:
    found = latex_equations(LATEX)
    assert [e.line for e in found] == [13, 15, 17]
    assert all("= 0" not in e.text for e in found)


def test_text_output_is_one_ruff_style_line_per_claim(tmp_path: Path) -> None:
    path = tmp_path / "notes.tex"
    path.write_text(LATEX, encoding="utf-8")
    code, out, _ = invoke("--file", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "3 claims: 3 holds, 0 fails, 0 unproven, 0 error, 0 skipped"
    assert lines[1] == f"{path}:13:21: holds: symbolic"
    assert lines[2].startswith(f"{path}:15:3: holds: ")
    assert lines[3].startswith(f"{path}:17:14: holds: ")


MARKDOWN = f"""---
title: notes
symchain: --layers 1,1
---

The last layer's weight:

$$
{WRONG}
$$
"""


def test_markdown_front_matter_through_the_plugin() -> None:
    lines, first = front_matter(MARKDOWN)
    assert lines == ["title: notes", "symchain: --layers 1,1"] and first == 2
    document = load_document_text(MARKDOWN)
    assert document.options == ("--layers", "1,1") and document.options_line == 3


def load_document_text(text: str, name: str = "notes.md") -> Document:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text, encoding="utf-8")
        return load_document(str(path))


def test_github_annotations(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    code, out, _ = invoke("--file", str(path), "--format", "github")
    assert code == 1
    first, summary = out.splitlines()
    assert first.startswith(f"::error file={path},line=9,col=1,title=symchain verify%3A fails::")
    assert "network 1-1" in first
    assert summary == "1 claim: 0 holds, 1 fails, 0 unproven, 0 error, 0 skipped"


def test_stdin_and_a_missing_file_among_others(tmp_path: Path) -> None:
    missing = tmp_path / "missing.md"
    code, out, err = invoke(
        "--file", str(missing), "--file", "-", "--format", "json", stdin=f"$$\n{RIGHT}\n$$\n"
    )
    assert code == 2
    assert err == f"symchain: error: document '{missing}' does not exist\n"
    report = json.loads(out)
    assert [(r["file"], r["verdict"]) for r in report] == [(str(missing), "error"), ("-", "holds")]
    assert report[1]["line"] == 2 and report[1]["column"] == 1


def test_stdin_latex_is_recognised() -> None:
    code, out, _ = invoke("--file", "-", "--format", "json", stdin=LATEX)
    assert code == 0 and [r["line"] for r in json.loads(out)] == [13, 15, 17]


def test_formulas_without_equals_are_not_claims(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(f"## The weight $w^{{(L)}}$\n\n$$\n{RIGHT}\n$$\n", encoding="utf-8")
    code, out, _ = invoke("--file", str(path), "--format", "json")
    assert code == 0 and [r["verdict"] for r in json.loads(out)] == ["holds"]


def test_derive_latex_piped_to_stdin_is_read_as_latex() -> None:
    derived = CliRunner().invoke(cli, ["derive", "--layers", "2,2,1", "--format", "latex"])
    assert derived.exit_code == 0
    code, out, _ = invoke("--layers", "2,2,1", "--file", "-", stdin=derived.stdout)
    assert code == 0, out
    summary = out.splitlines()[0]
    assert summary.endswith("0 fails, 0 unproven, 0 error, 0 skipped")


def test_a_network_too_large_to_verify_is_refused_from_its_widths() -> None:
    from click.testing import CliRunner

    from symchain.cli import cli

    result = CliRunner().invoke(cli, ["verify", "--layers", "1024,1024", "x = 1"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "too large for symchain verify (at most 5000)" in lines[0]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_given_as_a_document_is_one_error(device: str) -> None:
    from click.testing import CliRunner

    from symchain.cli import cli

    result = CliRunner().invoke(cli, ["verify", "--file", device])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "not a regular file" in result.stderr
