"""Terminal text: wrapped to the console width with a hanging indent, never inside a symbol."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from symchain import Network, derive
from symchain.cli import cli
from symchain.render import render_json, render_latex, render_markdown, render_text
from symchain.render.document import build_document
from symchain.render.layout import (
    _product_breaks,
    cell_width,
    wrap_equation_lines,
    wrap_product,
    wrap_text,
)
from symchain.render.text import render_plain_text, unicode_printer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def printed(widths: tuple[int, ...], columns: int | None, **options: str) -> str:
    """``render_text`` printed as ``symchain derive`` does, at ``columns`` (None: unwrapped)."""
    console = Console(width=columns or 1000, color_system=None, soft_wrap=True, record=True)
    with console.capture() as capture:
        console.print(render_text(derive(Network.from_widths(widths)), width=columns, **options))
    return capture.get()


@pytest.mark.parametrize("layers", ["1,1,1,1", "2,3,2"])
def test_golden_output_at_80_columns(layers: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "PYTHONHASHSEED": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "symchain", "derive", "--layers", layers],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    golden = GOLDEN / f"derive-{layers.replace(',', '-')}-80cols.txt"
    assert result.stdout == golden.read_text(encoding="utf-8")
    assert max(cell_width(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("columns", [40, 60, 80, 100, 132])
@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 3, 2), (12, 3, 2)])
def test_lines_fit_and_no_symbol_is_split(widths: tuple[int, ...], columns: int) -> None:
    wrapped, whole = printed(widths, columns), printed(widths, None)
    # the same words in the same order: only spaces and line breaks were added
    assert wrapped.split() == whole.split()
    for line in wrapped.splitlines():
        if cell_width(line) > columns:
            # only a side that cannot be broken may overflow: one word after the indent
            assert len(line.split()) <= 3, line
    if columns >= 60:
        assert max(cell_width(line) for line in wrapped.splitlines()) <= columns


def test_equals_signs_of_one_equation_stay_aligned() -> None:
    lines = printed((1, 1, 1, 1), 80).splitlines()
    start = lines.index(
        "  chain  ∂C₀/∂w⁽ᴸ⁻²⁾ = ∂z⁽ᴸ⁻²⁾/∂w⁽ᴸ⁻²⁾ · ∂a⁽ᴸ⁻²⁾/∂z⁽ᴸ⁻²⁾ · ∂z⁽ᴸ⁻¹⁾/∂a⁽ᴸ⁻²⁾"
    )
    column = lines[start].index(" = ")
    rows = lines[start + 1 : start + 5]
    continued = [row for row in rows if row.lstrip().startswith("·")]
    equals = [row for row in rows if row.lstrip().startswith("=")]
    assert continued and equals
    assert all(row.index("=") == column + 1 for row in equals)
    assert all(row.index("·") == column + 5 for row in continued)


@pytest.mark.parametrize(
    ("text", "limit", "rows"),
    [
        ("a · b · c", 20, ["a · b · c"]),
        ("a · b · c", 5, ["a · b", "· c"]),
        ("(x · y + z) · w", 11, ["(x · y + z)", "· w"]),
        ("(p, q, r)", 6, ["(p, q,", "r)"]),
        ("w⁽ᴸ⁻¹⁾₁₀·δ⁽ᴸ⁾₀ + b", 4, ["w⁽ᴸ⁻¹⁾₁₀·δ⁽ᴸ⁾₀", "+ b"]),
        ("Σᵢ₌₀ⁿ⁻¹ [x · y]", 8, ["Σᵢ₌₀ⁿ⁻¹ [x", "· y]"]),
    ],
)
def test_wrap_text_breaks_at_operators_outside_brackets_first(
    text: str, limit: int, rows: list[str]
) -> None:
    assert wrap_text(text, limit) == rows


@pytest.mark.parametrize("form", ["index", "matrix"])
@pytest.mark.parametrize("columns", [60, 80])
def test_index_and_matrix_forms_fit_the_terminal(form: str, columns: int) -> None:
    args = ["derive", "--layers", "2,3,2", "--activation", "tanh,softmax"]
    args += ["--loss", "cross_entropy", "--form", form]
    wrapped = CliRunner().invoke(cli, args, env={"COLUMNS": str(columns)})
    whole = CliRunner().invoke(cli, args, env={"COLUMNS": "1000"})
    assert wrapped.exit_code == whole.exit_code == 0
    assert max(cell_width(line) for line in wrapped.stdout.splitlines()) <= columns
    assert max(cell_width(line) for line in whole.stdout.splitlines()) > columns
    assert wrapped.stdout.split() == whole.stdout.split()


def test_wrapped_equations_align_their_equals_signs() -> None:
    text = "  δ = ∂C₀/∂z = Σ_{m=0}^{n} (∂a/∂z · ∂C₀/∂a) = a·Σ_{m=0}^{n} y - y = a - y"
    assert wrap_equation_lines(text, 40).split("\n") == [
        "  δ = ∂C₀/∂z",
        "    = Σ_{m=0}^{n} (∂a/∂z · ∂C₀/∂a)",
        "    = a·Σ_{m=0}^{n} y - y",
        "    = a - y",
    ]
    assert wrap_equation_lines(text, 200) == text


@pytest.mark.parametrize(
    ("widths", "activations", "columns"),
    [
        ((1, 1, 1, 1), ("sigmoid",) * 3, None),
        ((2, 3, 2), ("relu", "tanh"), 40),
        ((2, 3, 2), ("gelu", "sigmoid"), 100),
        ((4, 8, 8, 2), ("sigmoid",) * 3, 80),
    ],
)
def test_plain_text_is_what_rich_prints_without_styles(
    widths: tuple[int, ...], activations: tuple[str, ...], columns: int | None
) -> None:
    derivation = derive(Network.from_widths(widths, activations))
    console = Console(width=columns or 1000, color_system=None, soft_wrap=True, record=True)
    with console.capture() as capture:
        console.print(render_text(derivation, width=columns))
    assert render_plain_text(derivation, width=columns) == capture.get()


def test_derive_to_a_pipe_and_to_a_file_print_the_same(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    piped = CliRunner().invoke(cli, ["derive", "--layers", "2,3,2"], env={"COLUMNS": "90"})
    written = CliRunner().invoke(
        cli, ["derive", "--layers", "2,3,2", "-o", str(target)], env={"COLUMNS": "90"}
    )
    assert piped.exit_code == written.exit_code == 0
    assert piped.output == target.read_text(encoding="utf-8")
    assert max(cell_width(line) for line in piped.output.splitlines()) <= 90


@pytest.mark.parametrize(
    ("text", "columns"),
    [("abc", 3), ("w⁽ᴸ⁻¹⁾₁₀", 8), ("σ'(z⁽ᴸ⁾)", 8), ("全角", 4), ("a全b", 4), ("", 0)],
)
def test_cell_width_counts_wide_characters_twice(text: str, columns: int) -> None:
    assert cell_width(text) == columns


@pytest.mark.parametrize(
    "renderer", [render_latex, render_markdown, render_json, render_plain_text]
)
def test_rendering_reports_progress_every_256_parameters(renderer: Callable[..., object]) -> None:
    derivation = derive(Network.from_widths((16, 16, 1)))  # 16·16 + 16 + 16 + 1 = 289 parameters
    calls: list[tuple[int, int]] = []
    renderer(derivation, "relative", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(256, 289), (289, 289)]


@pytest.mark.parametrize("columns", [None, "37", "200", "wide"])
def test_plain_width_is_the_width_rich_gives_a_pipe(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piped output is laid out without importing rich, at the width rich would use."""
    from symchain.cli.options import plain_width

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert plain_width() == Console(file=io.StringIO()).width


@pytest.mark.parametrize(
    ("environment", "styled"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"TTY_COMPATIBLE": "1"}, True)],
)
def test_rich_is_asked_only_when_it_could_style_stdout(
    environment: dict[str, str], styled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from symchain.cli.options import styled_stdout

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert styled_stdout() is styled


@pytest.mark.parametrize(
    ("widths", "activation", "loss"),
    [
        ((2, 3, 2), "sigmoid", "squared_error"),
        ((3, 4, 3), "tanh", "half_squared_error"),
        ((3, 4, 3), "sigmoid,softmax", "cross_entropy"),
        ((4, 5, 2), "relu,sigmoid", "squared_error"),
    ],
)
def test_product_sides_wrap_as_the_whole_text(
    widths: tuple[int, ...], activation: str, loss: str
) -> None:
    # the breaks of a product assembled factor by factor are the whole text's breaks
    derivation = derive(Network.from_widths(widths, tuple(activation.split(",")), loss))
    printer = unicode_printer(derivation)
    assembled = 0
    for section in build_document(derivation, printer):
        for equation in section.equations:
            for index, side in enumerate(equation.sides):
                layout = equation.layout(index)
                if layout is None or layout.joiner != "product":
                    continue
                assembled += _product_breaks(side, layout.items) is not None
                for limit in (20, 27, 41, 60, 97):
                    assert wrap_product(side, layout.items, limit) == wrap_text(side, limit)
    assert assembled > 0
