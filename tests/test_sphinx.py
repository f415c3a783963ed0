"""Sphinx: a project using ``.. symchain-derive::`` builds with -W; bad options cite the line."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import click
from tools import require

from symchain.cli import cli

try:
    import sphinx
except ImportError:  # pragma: no cover - the test extra installs it
    sphinx = None

CONF = 'project = "t"\nextensions = ["symchain.sphinx"]\nexclude_patterns = ["_build"]\n'

GOOD = """\
Notes
=====

The seed's chain:

.. symchain-derive::
   :param: w^{(L)}
   :show: chain
   :label: seed-chain

Equation :eq:`seed-chain` is the chain rule. Two results of a wider network:

.. symchain-derive::
   :layers: 2,3,2
   :activation: tanh
   :loss: half_squared_error
   :param: b^{(L-1)}_{2}, w^{(L)}_{10}
   :show: gradient
   :label: wide

See :eq:`wide-1` and :eq:`wide-2`.

.. symchain-derive::
   :layers: 1,2,1
   :notation: absolute
   :show: batch

.. symchain-derive::
   :layers: 1,1

The matrix form's error terms (:eq:`bp`) and the index form's gradients:

.. symchain-derive::
   :layers: 2,3,2
   :form: matrix
   :show: errors
   :label: bp

.. symchain-derive::
   :form: index
   :show: gradient
"""


def _build(tmp_path: Path, index: str, strict: bool = True) -> subprocess.CompletedProcess[str]:
    require(sphinx is not None, "sphinx is not installed (pip install sphinx)")
    source = tmp_path / "src"
    source.mkdir(parents=True)
    (source / "conf.py").write_text(CONF, encoding="utf-8")
    (source / "index.rst").write_text(index, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            *(["-W"] if strict else []),
            "-q",
            "-b",
            "html",
            str(source),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_project_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    result = _build(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(page)
    # the seed's chain, factor by factor, then evaluated
    assert (
        r"\frac{\partial C_0}{\partial w^{(L)}} &= \frac{\partial z^{(L)}}{\partial w^{(L)}} "
        r"\frac{\partial a^{(L)}}{\partial z^{(L)}} \frac{\partial C_0}{\partial a^{(L)}}"
    ) in text
    assert r"&= a^{(L-1)} \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)" in text
    assert r"\tanh'(z_{1}^{(L)})" in text
    assert r"\frac{\partial C}{\partial w_{10}^{(1)}} &= \frac{1}{n} \sum_{i=0}^{n-1}" in text
    # numbered equations, and :eq: references resolve to them
    assert re.search(r'id="equation-seed-chain">\s*<span class="eqno">\(1\)', page)
    assert '<a class="reference internal" href="#equation-seed-chain">(1)</a>' in page
    assert '<a class="reference internal" href="#equation-wide-1">(2)</a>' in page
    assert '<a class="reference internal" href="#equation-wide-2">(3)</a>' in page
    # the parameters in the order given: b first, then w
    wide_1 = page.split('id="equation-wide-1"', 1)[1].split("</div>", 1)[0]
    assert r"\partial b_{2}^{(L-1)}" in html.unescape(wide_1)
    assert '<a class="reference internal" href="#equation-bp">(4)</a>' in page
    # the matrix and index forms, embedded
    assert r"\delta^{(L)} &= 2\left(a^{(L)} - y\right) \odot \sigma'(z^{(L)})" in text
    assert r"\frac{\partial C_0}{\partial w_{jk}^{(L)}} &=" in text
    assert "mathjax" in page.lower()
    # one math block per chain, per result, per batch form (1-2-1: 7 parameters) and per section
    # of the full 1-1 derivation (forward pass, w, b, ∇C), then one per embedded form
    assert page.count('class="math notranslate nohighlight"') == 1 + 2 + 7 + 4 + 1 + 1


OLD_SPELLING = """\
Notes
=====

.. symchain-derive::
   :param: w^{(L)}
   :form: chain
"""


def test_old_form_spelling_works_with_a_deprecation_warning(tmp_path: Path) -> None:
    result = _build(tmp_path / "lenient", OLD_SPELLING, strict=False)
    assert result.returncode == 0, result.stderr
    assert "index.rst:4: WARNING: symchain-derive: form: chain is deprecated" in result.stderr
    assert "write show: chain" in result.stderr
    page = html.unescape((tmp_path / "lenient" / "out" / "index.html").read_text("utf-8"))
    assert r"&= a^{(L-1)} \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)" in page
    strict = _build(tmp_path / "strict", OLD_SPELLING)
    assert strict.returncode != 0


BAD_OPTIONS = [
    (":layers: 2,x", "layers: layer width 'x' is not a positive whole number"),
    (":param: w^{(9)}", "param: no parameter 'w^{(9)}'"),
    (":form: everything", "'everything' is not a form; accepted: unrolled, index, matrix"),
    (":show: everything", "'everything' is not a show; accepted: all, forward, errors"),
    (":form: matrix\n   :show: chain", "show: chain is for form: unrolled"),
    (":activation: swish", "unknown activation 'swish'"),
    (":bogus: 1", 'unknown option: "bogus"'),
    (":layers: 1,2,1\n   :show: errors", "show: errors shows nothing for this network"),
    (":view: 3d", "'3d' is not a view; accepted: formulas, interactive"),
]


def test_bad_options_are_errors_with_file_and_line(tmp_path: Path) -> None:
    index = "Title\n=====\n"
    lines = []
    for block, _ in BAD_OPTIONS:
        lines.append(index.count("\n") + 4)
        index += "\nText.\n\n.. symchain-derive::\n   " + block + "\n"
    result = _build(tmp_path, index)
    assert result.returncode != 0
    for line, (_, message) in zip(lines, BAD_OPTIONS, strict=True):
        cited = [m for m in result.stderr.splitlines() if f"index.rst:{line}: ERROR" in m]
        assert cited, (line, result.stderr)
        assert message in result.stderr.split(f"index.rst:{line}: ERROR", 1)[1], result.stderr


DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_user_guide_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    require(sphinx is not None, "sphinx is not installed (pip install sphinx)")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pages = {p.stem for p in DOCS.glob("*.rst")}
    assert pages >= {
        "index",
        "getting-started",
        "seed-example",
        "notation",
        "cli",
        "api",
        "verify",
        "docs-integration",
    }
    for page in pages:
        assert (tmp_path / f"{page}.html").is_file(), page
    seed = html.unescape((tmp_path / "seed-example.html").read_text(encoding="utf-8"))
    assert r"&= a^{(L-1)} \sigma'(z^{(L)}) \cdot 2 \left(a^{(L)} - y\right)" in seed
    assert re.search(r'href="#equation-seed-w">\(\d+\)</a>', seed)


def test_cli_reference_covers_every_command() -> None:
    text = (DOCS / "cli.rst").read_text(encoding="utf-8")
    names = cli.list_commands(click.Context(cli))
    assert len(names) >= 7
    for name in names:
        assert f".. click-help:: {name}\n" in text, f"docs/cli.rst lacks symchain {name}"


def test_interactive_view_is_embedded_in_html_builds(tmp_path: Path) -> None:
    example = os.path.relpath(DOCS.parent / "examples" / "attention.toml", tmp_path / "src")
    index = (
        "Notes\n=====\n\n.. symchain-derive::\n   :layers: 2,3,2\n   :view: interactive\n\n"
        f".. symchain-graph:: {example}\n   :view: interactive\n   :param: w_k\n\n"
        f".. symchain-graph:: {example}\n   :param: w_v\n"
    )
    result = _build(tmp_path, index)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="symchain-view"') == 2
    assert 'data-param="w_{10}^{(L)}"' in page and "katex" in page
    # The graph's view shows the parameter asked for; the formulas block, w_v's chain.
    assert 'data-param="w_k"' in page and 'data-param="w_v"' not in page
    text = html.unescape(page)
    assert r"\text{use in }v_2: \quad \frac{\partial v_2}{\partial w_v}" in text


def test_graph_directive_refuses_a_bad_view(tmp_path: Path) -> None:
    example = os.path.relpath(DOCS.parent / "examples" / "rnn.toml", tmp_path / "src")
    result = _build(tmp_path, f"Notes\n=====\n\n.. symchain-graph:: {example}\n   :view: page\n")
    assert result.returncode != 0
    assert "formulas" in result.stderr and "interactive" in result.stderr
