"""```symchain blocks in Markdown: replaced by formulas; errors cite lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from markdown_it import MarkdownIt

from symchain import Network, derive
from symchain.cli import cli
from symchain.errors import SpecError
from symchain.forms import FormDocument, matrix_document
from symchain.forms.index import network_index_document
from symchain.markdown_blocks import render_markdown_blocks
from symchain.render.blocks import (
    FORM_SHOWS,
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
show: chain
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
  show: gradient
  ```

> ```symchain
> param: b^{(L)}
> show: batch
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
    options = parse_block("layers: 2,3,2\nparam: w^{(L-1)}_{21}\nshow: gradient")
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
    formulas = block_formulas(BlockOptions(show=form, label="eq"))
    assert len(formulas) == count
    assert [f.label for f in formulas] == (
        [f"eq-{i}" for i in range(1, count + 1)] if count > 1 else ["eq"]
    )
    if titles is not None:
        assert formulas[0].title == titles
    if form not in ("forward", "vector"):
        (single,) = block_formulas(BlockOptions(show=form, params=("b^{(L)}",), label="one"))
        assert single.label == "one"


def test_error_terms_form() -> None:
    formulas = block_formulas(BlockOptions((2, 3, 2), show="errors"))
    assert [f.key for f in formulas] == ["δ_2_0", "δ_2_1"]
    assert formulas[0].rows[0].startswith("\\delta_{0}^{(L)} &= \\frac{\\partial C_0}")
    with pytest.raises(SpecError, match="show: errors shows nothing for this network"):
        block_formulas(BlockOptions(show="errors"))


def test_parameter_lists_split_outside_braces() -> None:
    assert split_parameters("w^{(L)}_{12,3}, b^{(L)} ;w^{(1)}_{10}") == (
        "w^{(L)}_{12,3}",
        "b^{(L)}",
        "w^{(1)}_{10}",
    )
    assert split_parameters("W3[1,0] w^(L-1)_{1,0}, b2") == ("W3[1,0]", "w^(L-1)_{1,0}", "b2")
    with pytest.raises(SpecError, match="unbalanced brackets"):
        split_parameters("w^{(L)")


@pytest.mark.parametrize(
    ("body", "offset", "message"),
    [
        ("layers: 2,0", 0, "width 0 at position 1"),
        ("layers: 2,3\nloss: l1", 1, "unknown loss 'l1'; known:"),
        ("\n\nform: none", 2, "'none' is not a form; accepted: unrolled, index, matrix"),
        ("show: none", 0, "'none' is not a show; accepted: all, forward"),
        ("form: matrix\nshow: vector", None, "show: vector is for form: unrolled"),
        ("form: index\nparam: w^{(L)}", None, "param selects parameters of the unrolled form"),
        ("form: chain\nshow: chain", None, "give show: for the sections and form: unrolled"),
        ("notation: sideways", 0, "'sideways' is not a notation"),
        ("label: 9lives", 0, "label '9lives' is not valid"),
        ("layers: 1,1\nlayers: 1,1", 1, "option 'layers' is given twice"),
        ("colour: red", 0, "unknown option 'colour'; accepted: layers, activation"),
        ("just words", 0, "expected 'key: value'"),
        ("layers: 2,2\nparam: b^{(L)}_{5}", 1, "no parameter 'b^{(L)}_{5}'"),
        ("activation: tanh,tanh\nlayers: 1,1", None, "2 activations given for 1 layers"),
        ("layers: __import__('os')", 0, "is not a positive whole number"),
        ("view: 3d", 0, "'3d' is not a view; accepted: formulas, interactive"),
        ("view: interactive\nform: chain", None, "view: interactive shows every section"),
        ("label: x\nview: interactive", None, "remove form, show and label"),
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


def test_interactive_view_is_one_raw_html_block() -> None:
    source = "# Notes\n\n```symchain\nlayers: 2,3,2\nview: interactive\n```\n\nAfter.\n"
    text = render_markdown_blocks(source)
    tokens = MarkdownIt("commonmark").parse(text)
    assert [t.type for t in tokens if t.type in ("html_block", "fence", "paragraph_open")] == [
        "html_block",
        "paragraph_open",
    ]
    view = next(t for t in tokens if t.type == "html_block").content
    network = Network.from_widths((2, 3, 2), ("sigmoid",), "squared_error")
    printer = latex_printer(derive(network))
    for parameter in network.parameters:
        assert f'data-param="{printer.doprint(parameter)}"' in view
    assert view.startswith('<div class="symchain-view" data-notation="relative"')
    assert text.endswith("\n\nAfter.\n")


@pytest.mark.parametrize("old", ["chain", "gradient", "batch", "all", "forward", "vector"])
def test_old_form_spelling_means_show_and_warns(old: str) -> None:
    options = parse_block(f"form: {old}")
    assert (options.form, options.show) == ("unrolled", old)
    assert options.deprecations == (
        f"form: {old} is deprecated: form is now unrolled, index or matrix "
        f"(as the command line's --form); write show: {old}",
    )
    assert block_formulas(options) == block_formulas(parse_block(f"show: {old}"))
    source = f"# t\n\n```symchain\nform: {old}\n```\n"
    with pytest.warns(DeprecationWarning, match=rf"^n\.md:3: form: {old} is deprecated"):
        old_output = render_markdown_blocks(source, "n.md")
    assert old_output == render_markdown_blocks(source.replace("form:", "show:"), "n.md")


def test_cli_render_reports_the_old_spelling_on_stderr(tmp_path: Path) -> None:
    source = tmp_path / "n.md.in"
    source.write_text("```symchain\nform: chain\n```\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(source)])
    assert result.exit_code == 0
    assert result.stderr == (
        f"symchain: warning: {source}:1: form: chain is deprecated: form is now unrolled, "
        "index or matrix (as the command line's --form); write show: chain\n"
    )
    assert "\\frac{\\partial C_0}{\\partial w^{(L)}}" in result.stdout


def form_document(form: str, widths: tuple[int, ...]) -> FormDocument:
    network = Network.from_widths(widths)
    return matrix_document(network) if form == "matrix" else network_index_document(network)


@pytest.mark.parametrize("form", ["index", "matrix"])
@pytest.mark.parametrize("show", ["all", *FORM_SHOWS["matrix"]])
def test_index_and_matrix_forms_are_embeddable(form: str, show: str) -> None:
    formulas = block_formulas(parse_block(f"layers: 2,3,2\nform: {form}\nshow: {show}\nlabel: f"))
    document = form_document(form, (2, 3, 2))
    names = FORM_SHOWS[form].get(show)
    expected = [
        e.latex.partition(" = ")[0]
        for e in document.equations
        if names is None or e.name in names
    ]
    rows = [row for formula in formulas for row in formula.rows]
    # every selected equation, in the document's order, as an alignment row
    assert [row.partition(" &= ")[0] for row in rows] == expected
    titles = [s.title for s in document.sections]
    assert [f.title for f in formulas] == [t for t in titles if t in {f.title for f in formulas}]
    labels = [f.label for f in formulas]
    numbered = [f"f-{n}" for n in range(1, 1 + len(labels))]
    assert labels == (["f"] if len(formulas) == 1 else numbered)


def test_matrix_block_shows_bp1_to_bp4_with_the_networks_matrices() -> None:
    (errors,) = block_formulas(parse_block("layers: 2,3,2\nform: matrix\nshow: errors"))
    assert errors.rows[0].startswith("\\delta^{(L)} &= 2\\left(a^{(L)} - y\\right) \\odot")
    (gradient,) = block_formulas(parse_block("layers: 2,3,2\nform: matrix\nshow: gradient"))
    assert "\\frac{\\partial C_0}{\\partial W^{(L)}} &= \\delta^{(L)}" in gradient.aligned()


def test_params_keep_the_order_given_and_so_do_labels() -> None:
    options = parse_block("layers: 2,3,2\nparam: b⁽ᴸ⁻¹⁾₂ W2[1,0]\nshow: gradient\nlabel: g")
    first, second = block_formulas(options)
    assert (first.label, second.label) == ("g-1", "g-2")
    assert first.rows[0].startswith("\\frac{\\partial C_0}{\\partial b_{2}^{(L-1)}}")
    assert second.rows[0].startswith("\\frac{\\partial C_0}{\\partial w_{10}^{(L)}}")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GRAPH_SOURCE = "# An RNN\n\n```symchain\ngraph: nets/rnn.toml\n{extra}```\n"


def graph_document(tmp_path: Path, extra: str = "") -> tuple[Path, str]:
    """A document folder holding ``nets/rnn.toml`` and a block naming it relative to the folder."""
    (tmp_path / "nets").mkdir(exist_ok=True)
    (tmp_path / "nets" / "rnn.toml").write_bytes((EXAMPLES / "rnn.toml").read_bytes())
    return tmp_path, GRAPH_SOURCE.format(extra=extra)


def latex_output_blocks(path: Path) -> list[list[str]]:
    """The lines of every ``align*`` block of ``derive --graph FILE --format latex``."""
    result = CliRunner().invoke(cli, ["derive", "--graph", str(path), "--format", "latex"])
    assert result.exit_code == 0, result.output
    blocks = result.output.split("\\begin{align*}\n")[1:]
    return [block.split("\n\\end{align*}", 1)[0].split(" \\\\\n") for block in blocks]


def display_lines(markdown: str) -> list[list[str]]:
    """The lines of each ``$$`` block (inside ``aligned``, or the one equation)."""
    found = []
    for block in markdown.split("$$\n")[1::2]:
        body = block.strip("\n").removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}")
        found.append(body.split(" \\\\\n"))
    return found


def test_graph_block_renders_the_rnn_formulas_read_relative_to_the_document(
    tmp_path: Path,
) -> None:
    base, source = graph_document(tmp_path)
    rendered = render_markdown_blocks(source, "notes.md", base=base)
    expected = latex_output_blocks(base / "nets" / "rnn.toml")
    shown = display_lines(rendered)
    # Forward pass, adjoints and one block per parameter: the LaTeX output's rows ('=' for a
    # single equation), each shared weight with one product per use.
    assert len(shown) == len(expected) == 2 + 4
    for lines, rows in zip(shown, expected, strict=True):
        if len(lines) == 1 and len(rows) == 1:
            assert lines[0] == rows[0].replace(" &= ", " = ")
        else:
            assert lines == rows
    assert r"\text{use in }h_2: \quad \frac{\partial h_2}{\partial w_h}" in rendered
    # param narrows to those parameters' sections, in graph order.
    narrowed = render_markdown_blocks(
        GRAPH_SOURCE.format(extra="param: v, w_h\n"), "notes.md", base=base
    )
    assert [lines[0].split(" &= ")[0] for lines in display_lines(narrowed)] == [
        r"\frac{\partial C_0}{\partial w_h}",
        r"\frac{\partial C_0}{\partial v}",
    ]


def test_graph_block_interactive_view(tmp_path: Path) -> None:
    base, source = graph_document(tmp_path, "view: interactive\n")
    rendered = render_markdown_blocks(source, "notes.md", base=base)
    assert rendered.count('<div class="symchain-view"') == 1
    assert 'data-param="w_h"' in rendered and "data-adjoint=" in rendered
    assert "\n\n" not in rendered.split("# An RNN\n\n", 1)[1]  # one raw HTML block


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("layers: 2,2\n", 5, "graph: takes only param, label, view; remove layers"),
        ("param: w_z\n", 5, "param: no parameter 'w_z' in this graph; parameters: w_x, w_h, b, v"),
        ("view: interactive\nlabel: rnn\n", 6, "view: interactive shows every section"),
    ],
)
def test_bad_graph_blocks_are_one_error_with_the_line(
    tmp_path: Path, extra: str, line: int, message: str
) -> None:
    base, source = graph_document(tmp_path, extra)
    with pytest.raises(SpecError) as caught:
        render_markdown_blocks(source, "notes.md", base=base)
    assert caught.value.message.startswith(f"notes.md:{line}: {message}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "graph file '{path}' does not exist"),
        ("parameters = [", "graph file '{path}' is not valid TOML"),
        ("parameters = ['w']\nequations = ['C_0 = w +']\n", "{path}: equation 1 'C_0 = w +'"),
    ],
)
def test_bad_graph_files_are_one_error_at_the_graph_line(
    tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "nets" / "bad.toml"
    path.parent.mkdir()
    if text is not None:
        path.write_text(text, encoding="utf-8")
    source = "```symchain\ngraph: nets/bad.toml\n```\n"
    with pytest.raises(SpecError) as caught:
        render_markdown_blocks(source, "notes.md", base=tmp_path)
    first = caught.value.message.splitlines()
    assert len(first) == 1
    assert first[0].startswith(f"notes.md:2: graph: {message.format(path=path)}"), first[0]


def test_cli_render_reads_graphs_relative_to_the_source(tmp_path: Path) -> None:
    base, source = graph_document(tmp_path)
    (base / "notes.md").write_text(source, encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(base / "notes.md")])
    assert result.exit_code == 0, result.output
    chain = r"\frac{\partial C_0}{\partial w_h} &= \frac{\partial h_2}{\partial w_h}"
    assert chain in result.output
