"""README.md's Python blocks run as written, each on its own in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent


def python_blocks() -> list[tuple[int, str]]:
    """(line, code) of every ```python fence of README.md."""
    tokens = MarkdownIt("commonmark").parse((ROOT / "README.md").read_text(encoding="utf-8"))
    return [
        (token.map[0] + 1 if token.map else 0, token.content)
        for token in tokens
        if token.type == "fence" and token.info.strip() == "python"
    ]


def test_the_readme_has_python_blocks() -> None:
    assert len(python_blocks()) >= 3


@pytest.mark.parametrize(("line", "code"), python_blocks(), ids=lambda v: str(v)[:12])
def test_readme_python_block_runs(line: int, code: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, f"README.md line {line}:\n{result.stderr}"
