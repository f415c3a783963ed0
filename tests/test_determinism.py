"""Every output is byte-identical across PYTHONHASHSEED values (docs builds diff their output).

One Python process per hash seed runs every command below in-process and prints a digest of each
output (and its exit code); the digests must agree across seeds. (A process per command and seed
cost about 35 interpreter starts; this costs three.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

_SCRIPT = """
import hashlib, json, sys
from click.testing import CliRunner
from symchain.cli import cli
runs = json.loads(sys.argv[1])
out = {}
for name, args in runs.items():
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    digest = hashlib.sha256(result.stdout_bytes).hexdigest()
    out[name] = [result.exit_code, digest, len(result.stdout_bytes)]
print(json.dumps(out))
"""

_NOTES = r"""---
title: backprop notes
symchain: --layers 1,1,1,1
---
# Notes

$$
\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)
$$

and the bias, inline: $\frac{\partial C_0}{\partial b^{(L)}} = \sigma'(z^{(L)}) (a^{(L)} - y)$.
"""

_CLAIM = (
    r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = \sum_j w_{jk}^{(L)} \sigma'(z_j^{(L)}) "
    r"2(a_j^{(L)} - y_j)"
)
_WRONG = (
    r"\frac{\partial C_0}{\partial w_{10}^{(2)}} = a_0^{(1)} \sigma'(z_1^{(2)}) (a_1^{(2)} - y_1)"
)


def _runs(tmp_path: Path) -> dict[str, list[str]]:
    notes = tmp_path / "notes.md"
    notes.write_text(_NOTES, encoding="utf-8")
    source = tmp_path / "blocks.md.in"
    source.write_text("# N\n\n```symchain\nlayers: 2,3,2\nform: unrolled\nlabel: n\n```\n")
    wide = ["--layers", "3,4,4,3", "--activation", "relu,tanh,softmax", "--loss", "cross_entropy"]
    attention = str(EXAMPLES / "attention.toml")
    runs = {
        f"derive-{fmt}": ["derive", "--layers", "2,3,2", "--format", fmt]
        for fmt in ("text", "latex", "markdown", "json", "html")
    }
    runs |= {
        "matrix-json": ["derive", "--form", "matrix", "--format", "json", *wide],
        "index-latex": ["derive", "--form", "index", "--format", "latex", *wide],
        "standalone": ["derive", "--layers", "2,3,2", "--format", "latex", "--standalone"],
        "tanh-markdown": ["derive", "--layers", "2,3,2", "--activation", "tanh",
                          "--format", "markdown"],
        "absolute": ["derive", "--layers", "1,2,1", "--format", "latex", "--notation", "absolute"],
        "check": ["check", "--layers", "2,2,1", "--batch", "3"],
        "verify": ["verify", "--file", str(notes), "--format", "json", "--layers", "2,3,2",
                   _CLAIM, _WRONG],
        "dot": ["graph", "--layers", "2,3,2", "--param", "w^{(L-1)}_{10}"],
        "tikz": ["graph", "--layers", "2,3,2", "--format", "tikz", "--param", "b^{(L)}_{1}"],
        "mermaid": ["graph", "--layers", "2,3,2", "--format", "mermaid", "--labels", "latex"],
        "render": ["render", str(source)],
        "graph-latex": ["derive", "--graph", attention, "--format", "latex"],
        "graph-html": ["derive", "--graph", attention, "--format", "html"],
    }  # fmt: skip
    return runs


def test_every_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    digests = []
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1", "COLUMNS": "100",
               "PYTHONPATH": str(ROOT)}  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT, json.dumps(runs)],
            env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        digests.append(json.loads(result.stdout))
    first = digests[0]
    assert set(first) == set(runs)
    for name, (code, _, size) in first.items():
        assert size > 0, name
        assert code == (1 if name == "verify" else 0), (name, code)
    for other in digests[1:]:
        assert other == first, [n for n in runs if other[n] != first[n]]
    # distinct commands give distinct outputs (a run that printed nothing useful would not)
    assert len({digest for _, digest, _ in first.values()}) == len(first)
