"""MkDocs plugin: ```symchain blocks become formulas; a bad block fails the build (file, line)."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

from tools import require

try:
    import mkdocs
    import pymdownx
except ImportError:  # pragma: no cover - the test extra installs both
    mkdocs = pymdownx = None

CONFIG = """\
site_name: notes
plugins:
  - symchain
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
"""

PAGE = """\
# Backpropagation notes

```symchain
layers: 1,1,1,1
param: w^{(L)}
show: chain
label: seed
```

A wider network:

```symchain
layers: 2,3,2
activation: relu,sigmoid
loss: binary_cross_entropy
param: b^{(L-1)}_{0}
show: all
```

The matrix form:

```symchain
layers: 2,3,2
form: matrix
show: gradient
```
"""


def _build(
    tmp_path: Path, pages: dict[str, str], strict: bool = True, quiet: bool = True
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build`` (``--strict``, ``-q``); -q also drops warnings, so strict ignores them."""
    require(mkdocs is not None and pymdownx is not None, "pip install mkdocs pymdown-extensions")
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name, text in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    return subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build"),
            *(["--strict"] if strict else []),
            *(["-q"] if quiet else []),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_strict_build_renders_blocks(tmp_path: Path) -> None:
    result = _build(tmp_path, {"index.md": PAGE})
    assert result.returncode == 0, result.stderr
    page = html.unescape((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert "```symchain" not in page and "layers: 1,1,1,1" not in page
    assert '<a id="seed"></a>' in page
    assert '<div class="arithmatex">\\[\n\\begin{aligned}' in page
    assert "&= a^{(L-1)} \\sigma'(z^{(L)}) \\cdot 2 \\left(a^{(L)} - y\\right)" in page
    assert "\\operatorname{ReLU}'(z_{0}^{(L-1)})" in page
    assert "\\frac{\\partial C_0}{\\partial W^{(L)}} &= \\delta^{(L)}" in page
    # the chain, then for b_0^(L-1): the error terms δ_0^(L), δ_1^(L) it uses and its section,
    # then the matrix form's BP3 and BP4
    assert page.count('<div class="arithmatex">') == 1 + 3 + 1


def test_bad_block_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    bad = PAGE + "\n```symchain\nlayers: 2,3,2\nactivation: swish\n```\n"
    result = _build(tmp_path, {"index.md": PAGE, "bad.md": bad})
    assert result.returncode != 0
    line = bad.splitlines().index("activation: swish") + 1
    assert f"symchain: bad.md:{line}: activation: unknown activation 'swish'" in result.stderr, (
        result.stderr
    )
    assert "Traceback" not in result.stderr


OLD = "# Notes\n\n```symchain\nparam: w^{(L)}\nform: chain\n```\n"


def test_old_form_spelling_is_a_warning_and_fails_only_strict_builds(tmp_path: Path) -> None:
    lenient = _build(tmp_path / "lenient", {"index.md": OLD}, strict=False, quiet=False)
    assert lenient.returncode == 0, lenient.stderr
    assert "symchain: index.md:3: form: chain is deprecated" in lenient.stderr
    page = html.unescape((tmp_path / "lenient" / "site" / "index.html").read_text("utf-8"))
    assert "&= a^{(L-1)} \\sigma'(z^{(L)}) \\cdot 2 \\left(a^{(L)} - y\\right)" in page
    strict = _build(tmp_path / "strict", {"index.md": OLD}, quiet=False)
    assert strict.returncode != 0
    assert "Aborted with 1 warnings in strict mode" in strict.stdout + strict.stderr


GRAPH_PAGE = """\
# A recurrent network

```symchain
graph: nets/rnn.toml
param: w_h
```

```symchain
graph: nets/rnn.toml
view: interactive
```
"""


def test_graph_blocks_are_read_relative_to_the_page(tmp_path: Path) -> None:
    nets = tmp_path / "docs" / "notes" / "nets"
    nets.mkdir(parents=True)
    example = Path(__file__).resolve().parent.parent / "examples" / "rnn.toml"
    (nets / "rnn.toml").write_bytes(example.read_bytes())
    result = _build(tmp_path, {"notes/rnn.md": GRAPH_PAGE})
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "notes" / "rnn" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(page)
    assert "```symchain" not in text and "graph: nets" not in text
    # w_h's chain, one product per use, in a math block; then the interactive view.
    assert page.count('<div class="arithmatex">') == 1
    assert (
        r"\frac{\partial C_0}{\partial w_h} &= \frac{\partial h_2}{\partial w_h} "
        r"\frac{\partial C_0}{\partial h_2} + \frac{\partial h_3}{\partial w_h}"
    ) in text
    assert r"\text{use in }h_3: \quad" in text
    assert page.count('<div class="symchain-view"') == 1 and 'data-param="w_h"' in page
