"""Dependency graphs: structure, the highlighted chain path, DOT/TikZ/Mermaid text, SVG via dot."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from tools import have_dot, have_pdflatex, require, require_module

from symchain import Network
from symchain.cli import cli
from symchain.render.graph import Edge, dependency_graph, dot_image, to_dot, to_mermaid, to_tikz

SEED = Network.from_widths((1, 1, 1, 1))


def test_seed_focus_graph_is_the_seeds_tree() -> None:
    # w^(L), a^(L-1), b^(L) -> z^(L) -> a^(L); a^(L), y -> C_0
    graph = dependency_graph(SEED, SEED.w(3, 0, 0), focus=True)
    assert {n.key for n in graph.nodes} == {
        "w_3_0_0",
        "a_2_0",
        "b_3_0",
        "z_3_0",
        "a_3_0",
        "y_0",
        "C_0",
    }
    assert set(graph.edges) == {
        Edge("w_3_0_0", "z_3_0"),
        Edge("a_2_0", "z_3_0"),
        Edge("b_3_0", "z_3_0"),
        Edge("z_3_0", "a_3_0"),
        Edge("a_3_0", "C_0"),
        Edge("y_0", "C_0"),
    }
    assert graph.path_nodes == {"w_3_0_0", "z_3_0", "a_3_0", "C_0"}
    assert graph.path_edges == {
        Edge("w_3_0_0", "z_3_0"),
        Edge("z_3_0", "a_3_0"),
        Edge("a_3_0", "C_0"),
    }


@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 3, 2), (3, 4, 4, 2)])
def test_whole_network_graph_has_every_quantity_and_dependency(widths: tuple[int, ...]) -> None:
    network = Network.from_widths(widths)
    graph = dependency_graph(network)
    keys = {n.key for n in graph.nodes}
    expected = (
        {s.name for s in network.parameters}
        | {network.z(m, j).name for m in range(1, network.depth + 1) for j in range(widths[m])}
        | {network.a(m, j).name for m in range(0, network.depth + 1) for j in range(widths[m])}
        | {y.name for y in network.targets}
        | {"C_0"}
    )
    assert keys == expected
    # z_j^(l) has n_{l-1} weights, n_{l-1} activations and one bias feeding it
    for layer in range(1, network.depth + 1):
        z = network.z(layer, 0).name
        assert sum(1 for e in graph.edges if e.target == z) == 2 * widths[layer - 1] + 1
    assert not graph.path_nodes and not graph.path_edges


def test_highlighted_path_is_every_edge_from_the_parameter_to_the_loss() -> None:
    network = Network.from_widths((2, 3, 2))
    theta = network.w(1, 1, 0)  # w_10^(L-1): feeds z_1^(1), a_1^(1), then every z^(2)
    graph = dependency_graph(network, theta)
    assert graph.path_nodes == {
        "w_1_1_0",
        "z_1_1",
        "a_1_1",
        "z_2_0",
        "z_2_1",
        "a_2_0",
        "a_2_1",
        "C_0",
    }
    assert Edge("a_1_1", "z_2_0") in graph.path_edges
    assert Edge("a_1_0", "z_2_0") not in graph.path_edges
    assert all(e.source in graph.path_nodes for e in graph.path_edges)


def test_dot_mermaid_tikz_text() -> None:
    graph = dependency_graph(SEED, SEED.b(2, 0))
    dot = to_dot(graph, SEED)
    assert dot.startswith("digraph symchain {") and "rankdir=LR" in dot
    assert '"b_2_0" [label="b⁽ᴸ⁻¹⁾", color="#d62728", penwidth=2];' in dot
    assert '"y_0" -> "C_0";' in dot
    assert '"z_2_0" -> "a_2_0" [color="#d62728", penwidth=2.5];' in dot
    latex_dot = to_dot(graph, SEED, labels="latex", style="absolute")
    assert 'label="b^{(2)}"' in latex_dot
    mermaid = to_mermaid(graph, SEED, labels="latex")
    assert mermaid.startswith("flowchart LR\n")
    assert 'n_w_3_0_0["$$w^{(L)}$$"]' in mermaid
    edges = [line for line in mermaid.splitlines() if "-->" in line]
    styled = re.search(r"linkStyle ([\d,]+) ", mermaid)
    assert styled is not None
    highlighted = {edges[int(i)].strip() for i in styled.group(1).split(",")}
    assert "n_b_2_0 --> n_z_2_0" in highlighted and "n_y_0 --> n_C_0" not in highlighted
    tikz = to_tikz(graph, SEED)
    assert tikz.startswith("\\begin{tikzpicture}") and tikz.rstrip().endswith("\\end{tikzpicture}")
    assert "\\node[quantity, path] (b-2-0)" in tikz and "{$b^{(L-1)}$}" in tikz
    assert "\\draw[chain] (b-2-0) -- (z-2-0);" in tikz


def test_tikz_graph_compiles(tmp_path: Path) -> None:
    require(have_pdflatex(), "pdflatex is not installed (Debian texlive-latex-base)")
    network = Network.from_widths((3, 4, 4, 2))
    tikz = to_tikz(dependency_graph(network, network.w(1, 0, 0)), network)
    document = (
        "\\documentclass{article}\\usepackage{tikz}\\usepackage[a4paper,margin=2cm]{geometry}"
        f"\\begin{{document}}\n{tikz}\\end{{document}}\n"
    )
    (tmp_path / "g.tex").write_text(document, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "g.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_dot_renders_to_svg_with_graphviz() -> None:
    require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    require_module("graphviz")
    network = Network.from_widths((2, 3, 2))
    svg = dot_image(to_dot(dependency_graph(network, network.b(2, 1)), network), "svg")
    assert svg is not None
    text = svg.decode("utf-8")
    assert "<svg" in text and "</svg>" in text
    assert text.count('class="node"') == len(dependency_graph(network).nodes)
    assert "C₀" in text and "#d62728" in text


def test_cli_graph_formats(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["graph", "--param", "w^{(L)}", "--focus"])
    assert result.exit_code == 0, result.output
    assert result.output.count("->") == 6
    result = runner.invoke(cli, ["graph", "--layers", "2,3,2", "--format", "mermaid"])
    assert result.exit_code == 0 and result.output.startswith("flowchart LR")
    result = runner.invoke(cli, ["graph", "--format", "tikz", "-o", str(tmp_path / "g.tex")])
    assert result.exit_code == 0
    assert "$w^{(L)}$" in (tmp_path / "g.tex").read_text(encoding="utf-8")


def test_cli_graph_svg_and_png(tmp_path: Path) -> None:
    require(have_dot(), "Graphviz's dot is not installed (Debian graphviz)")
    require_module("graphviz")
    runner = CliRunner()
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    assert runner.invoke(cli, ["graph", "--format", "svg", "-o", str(svg)]).exit_code == 0
    assert runner.invoke(cli, ["graph", "--format", "png", "-o", str(png)]).exit_code == 0
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_cli_graph_falls_back_to_dot_text_without_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graphviz = require_module("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on the PATH: ExecutableNotFound
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Source("digraph {a -> b}").pipe(format="svg")
    result = CliRunner().invoke(cli, ["graph", "--format", "svg", "-o", str(tmp_path / "g.svg")])
    assert result.exit_code == 0
    assert "writing DOT text" in result.output
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph symchain")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focus"], "--focus needs --param"),
        (["--format", "tikz", "--labels", "unicode"], "TikZ pictures are typeset by LaTeX"),
        (["--param", "w^{(9)}"], "no parameter 'w^{(9)}'"),
        (["--format", "gif"], "Invalid value for '--format'"),
    ],
)
def test_cli_graph_bad_input(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["graph", *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_a_missing_package_fails_in_ci_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMCHAIN_REQUIRE_ALL", "1")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        require_module("symchain_no_such_package")
    monkeypatch.delenv("SYMCHAIN_REQUIRE_ALL")
    with pytest.raises(pytest.skip.Exception):
        require_module("symchain_no_such_package")
