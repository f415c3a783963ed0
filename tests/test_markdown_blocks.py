"""```symchain blocks in Markdown: replaced by formulas; errors cite lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from symchain import Network, derive
from symchain.cli import cli
from symchain.errors import SpecError
from symchain.markdown_blocks import render_markdown_blocks
from symchain.render.blocks import (
    BlockOptionError,
    BlockOptions,
    block_formulas,
    parse_block,
    split_parameters,
)
from symchain.render.latex import latex_printer

SOURCE = """\
# Notes

Some text with `inline code` and $x$ math.

```symchain
# the seed's last weight
layers: 1,1,1,1
param: w^{(L)}
form: chain
label: seed
```

```python
layers: not a symchain block
```

- In a list:

  ```symchain
  layers: 2,3,2
  activation: tanh
  param: b^{(L)}_{1}
  form: gradient
  ```

> ```symchain
> param: b^{(L)}
> form: batch
> ```
"""


def test_blocks_are_replaced_by_formulas() -> None:
    out = render_markdown_blocks(SOURCE, "notes.md.in")
    assert "```symchain" not in out
    assert "```python\nlayers: not a symchain block\n```" in out
    assert '<a id="seed"></a>\n\n$$\n\\begin{aligned}\n' in out
    assert (
        "\\frac{\\partial C_0}{\\partial w^{(L)}} &= \\frac{\\partial z^{(L)}}{\\partial w^{(L)}} "
        "\\frac{\\partial a^{(L)}}{\\partial z^{(L)}} "
        "\\frac{\\partial C_0}{\\partial a^{(L)}} \\\\\n"
        "&= a^{(L-1)} \\sigma'(z^{(L)}) \\cdot 2 \\left(a^{(L)} - y\\right)\n\\end{aligned}\n$$"
    ) in out
    # indentation of the list item and the quote marker are kept
    assert "  $$\n  \\frac{\\partial C_0}{\\partial b_{1}^{(L)}} = \\tanh'(z_{1}^{(L)})" in out
    assert "> $$\n> \\begin{aligned}\n> \\frac{\\partial C}{\\partial b^{(L)}}" in out
    assert out.startswith("# Notes\n\nSome text with `inline code` and $x$ math.\n")


def test_block_formulas_match_the_derivation() -> None:
    options = parse_block("layers: 2,3,2\nparam: w^{(L-1)}_{21}\nform: gradient")
    (formula,) = block_formulas(options)
    network = Network.from_widths((2, 3, 2))
    gradient = derive(network)[network.w(1, 2, 1)]
    printer = latex_printer(derive(network, (network.w(1, 2, 1),)))
    expected = printer.product([f.value for f in gradient.chain.factors if f.value != 1])
    assert formula.rows == (f"{printer.doprint(gradient.leibniz)} &= {expected}",)
    assert sp.Mul(*(f.value for f in gradient.chain.factors)) == gradient.gradient


@pytest.mark.parametrize(
    ("form", "count", "titles"),
    [
        ("chain", 6, None),
        ("gradient", 6, None),
        ("batch", 6, None),
        ("all", 8, "Forward pass"),
        ("forward", 1, "Forward pass"),
        ("vector", 1, "Gradient"),
    ],
)
def test_forms_and_labels(form: str, count: int, titles: str | None) -> None:
    formulas = block_formulas(BlockOptions(form=form, label="eq"))
    assert len(formulas) == count
    assert [f.label for f in formulas] == (
        [f"eq-{i}" for i in range(1, count + 1)] if count > 1 else ["eq"]
    )
    if titles is not None:
        assert formulas[0].title == titles
    if form not in ("forward", "vector"):
        (single,) = block_formulas(BlockOptions(form=form, params=("b^{(L)}",), label="one"))
        assert single.label == "one"


def test_error_terms_form() -> None:
    formulas = block_formulas(BlockOptions((2, 3, 2), form="errors"))
    assert [f.key for f in formulas] == ["δ_2_0", "δ_2_1"]
    assert formulas[0].rows[0].startswith("\\delta_{0}^{(L)} &= \\frac{\\partial C_0}")
    with pytest.raises(SpecError, match="form 'errors' shows nothing for this network"):
        block_formulas(BlockOptions(form="errors"))


def test_parameter_lists_split_outside_braces() -> None:
    assert split_parameters("w^{(L)}_{12,3}, b^{(L)} ;w^{(1)}_{10}") == (
        "w^{(L)}_{12,3}",
        "b^{(L)}",
        "w^{(1)}_{10}",
    )
    with pytest.raises(SpecError, match="unbalanced braces"):
        split_parameters("w^{(L)")


@pytest.mark.parametrize(
    ("body", "offset", "message"),
    [
        ("layers: 2,0", 0, "width 0 at position 1"),
        ("layers: 2,3\nloss: l1", 1, "unknown loss 'l1'; known:"),
        ("\n\nform: none", 2, "'none' is not a form"),
        ("notation: sideways", 0, "'sideways' is not a notation"),
        ("label: 9lives", 0, "label '9lives' is not valid"),
        ("layers: 1,1\nlayers: 1,1", 1, "option 'layers' is given twice"),
        ("colour: red", 0, "unknown option 'colour'; accepted: layers, activation"),
        ("just words", 0, "expected 'key: value'"),
        ("layers: 2,2\nparam: b^{(L)}_{5}", 1, "no parameter 'b^{(L)}_{5}'"),
        ("activation: tanh,tanh\nlayers: 1,1", None, "2 activations given for 1 layers"),
        ("layers: __import__('os')", 0, "is not a positive whole number"),
    ],
)
def test_bad_blocks(body: str, offset: int | None, message: str) -> None:
    with pytest.raises(BlockOptionError) as caught:
        parse_block(body)
    assert caught.value.offset == offset
    assert message in caught.value.message


def test_errors_cite_source_and_line() -> None:
    source = "# t\n\ntext\n\n```symchain\nlayers: 2,3,2\nparam: w^{(L)}_{77}\n```\n"
    with pytest.raises(
        SpecError, match=r"^notes\.md\.in:7: param: no parameter 'w\^\{\(L\)\}_\{77\}'"
    ):
        render_markdown_blocks(source, "notes.md.in")
    whole = "x\n\n```symchain\nactivation: tanh,tanh\nlayers: 1,1\n```\n"
    with pytest.raises(SpecError, match=r"^n\.md:3: 2 activations"):
        render_markdown_blocks(whole, "n.md")


def test_cli_render(tmp_path: Path) -> None:
    source = tmp_path / "notes.md.in"
    source.write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "notes.md"
    result = CliRunner().invoke(cli, ["render", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_markdown_blocks(SOURCE, str(source))
    stdout = CliRunner().invoke(cli, ["render", str(source)])
    assert stdout.exit_code == 0 and stdout.output == render_markdown_blocks(SOURCE, str(source))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("```symchain\nform: nope\n```\n", "notes.md.in:2: form: 'nope' is not a form"),
        (None, "notes.md.in' does not exist"),
        (b"\xff\xfe\x00bad", "notes.md.in': not UTF-8 text"),
    ],
)
def test_cli_render_bad_input(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    source = tmp_path / "notes.md.in"
    if isinstance(content, str):
        source.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        source.write_bytes(content)
    result = CliRunner().invoke(cli, ["render", str(source)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
