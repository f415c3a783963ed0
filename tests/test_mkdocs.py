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
form: chain
label: seed
```

A wider network:

```symchain
layers: 2,3,2
activation: relu,sigmoid
loss: binary_cross_entropy
param: b^{(L-1)}_{0}
form: all
```
"""


def _build(tmp_path: Path, pages: dict[str, str]) -> subprocess.CompletedProcess[str]:
    require(mkdocs is not None and pymdownx is not None, "pip install mkdocs pymdown-extensions")
    (tmp_path / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
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
    # the chain, then for b_0^(L-1): the error terms δ_0^(L), δ_1^(L) it uses and its section
    assert page.count('<div class="arithmatex">') == 1 + 3


def test_bad_block_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    bad = PAGE + "\n```symchain\nlayers: 2,3,2\nactivation: swish\n```\n"
    result = _build(tmp_path, {"index.md": PAGE, "bad.md": bad})
    assert result.returncode != 0
    assert "symchain: bad.md:22: activation: unknown activation 'swish'" in result.stderr, (
        result.stderr
    )
    assert "Traceback" not in result.stderr
