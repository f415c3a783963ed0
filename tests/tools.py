"""External tools the tests use: KaTeX (one long-lived node process), pdflatex, dot.

Locally a missing tool skips its tests with the reason; under ``SYMCHAIN_REQUIRE_ALL=1`` (set by
``.ci/run``) a missing tool fails them, so CI never skips silently.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

KATEX_DIR = Path(__file__).parent / "katex"


def require(tool_available: bool, reason: str) -> None:
    """Skip (or, in CI, fail) when a tool is missing."""
    if tool_available:
        return
    if os.environ.get("SYMCHAIN_REQUIRE_ALL") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


class NodeRenderer:
    """A long-lived node process running ``render.js`` in ``directory`` (KaTeX or MathJax).

    Each request is one JSON line ``{"latex", "display"}``; each reply ``{"ok", "error"}``.
    """

    def __init__(self, directory: Path) -> None:
        self.process = subprocess.Popen(
            ["node", str(directory / "render.js")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=directory,
        )
        self.count = 0

    def render(self, latex: str, display: bool = True) -> str | None:
        """None when the engine renders ``latex``, else its error message."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"latex": latex, "display": display}) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        self.count += 1
        return None if reply["ok"] else str(reply["error"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


# KaTeX 0.16 with throwOnError and strict: 'error' (tests/katex/render.js).
KatexRenderer = NodeRenderer


def start_node_renderer(directory: Path, package: str) -> NodeRenderer:
    """Install the pinned npm ``package`` in ``directory`` if needed, then start its renderer."""
    require(shutil.which("node") is not None, "node is not installed")
    if not (directory / "node_modules" / package).is_dir():
        require(shutil.which("npm") is not None, "npm is not installed")
        # pytest-xdist workers may get here together: one installs, the others wait for it.
        with open(directory / ".npm-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (directory / "node_modules" / package).is_dir():
                subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                    cwd=directory,
                    check=True,
                    timeout=300,
                )
    return NodeRenderer(directory)


def start_katex() -> NodeRenderer:
    """KaTeX from the pinned tests/katex/package.json."""
    return start_node_renderer(KATEX_DIR, "katex")


def require_module(name: str) -> Any:
    """Import module ``name``; skip (or, in CI, fail) when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        require(False, f"the Python package {name!r} is not installed (pip install '.[test]')")


def have_pdflatex() -> bool:
    return shutil.which("pdflatex") is not None


def have_dot() -> bool:
    return shutil.which("dot") is not None


def chromium_executable() -> str | None:
    """Debian's Chromium (``/usr/bin/chromium``), which Playwright drives; None when missing."""
    return shutil.which("chromium") or shutil.which("chromium-browser")
