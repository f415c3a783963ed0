"""Every LaTeX formula of the default and of a 2-3-2 derivation renders in KaTeX 0.16."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from tools import KatexRenderer

from symchain.cli import cli

NETWORKS = [[], ["--layers", "2,3,2"], ["--layers", "2,3,2", "--notation", "absolute"]]


def _derive(*args: str) -> str:
    result = CliRunner().invoke(cli, ["derive", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _json_formulas(data: object) -> list[str]:
    """Every LaTeX string in the JSON output (srepr strings excluded)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("loss", "expression", "symbol", "network"):
                continue
            found.extend(_json_formulas(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_json_formulas(item))
    elif isinstance(data, str):
        found.append(data)
    return found


@pytest.mark.parametrize("network", NETWORKS, ids=["seed", "2-3-2", "2-3-2-absolute"])
def test_all_formulas_render(katex: KatexRenderer, network: list[str]) -> None:
    formulas: list[str] = []
    latex = _derive(*network, "--format", "latex")
    formulas += re.findall(r"\\begin\{align\*\}.*?\\end\{align\*\}", latex, flags=re.S)
    markdown = _derive(*network, "--format", "markdown")
    formulas += re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, flags=re.S | re.M)
    inline = re.findall(r"^## \$(.*)\$$", markdown, flags=re.M)
    data = json.loads(_derive(*network, "--format", "json"))
    formulas += _json_formulas(data["parameters"]) + _json_formulas(data["errors"])
    formulas += [data["loss_latex"], data["gradient"]]
    assert len(formulas) > 20
    failures = [(f, e) for f in formulas if (e := katex.render(f)) is not None]
    failures += [(f, e) for f in inline if (e := katex.render(f, display=False)) is not None]
    assert not failures, failures[:3]


def test_katex_rejects_broken_latex(katex: KatexRenderer) -> None:
    # the harness itself must be able to fail
    assert katex.render(r"\frac{\partial C_0}{\partial w^{(L)}") is not None
    assert katex.render(r"\sigmaprime(z)") is not None
    assert katex.render(r"\sigma'(z^{(L)})") is None
