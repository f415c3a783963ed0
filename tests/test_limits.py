"""One limit table: every command and docs block refuses a huge network from its widths alone,
before anything is built (checked by the memory it takes, never by the clock)."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_one_error_line, run_cli
from mkdocs.exceptions import PluginError

from symchain import Network, derive, limits
from symchain.errors import SpecError, SymchainError
from symchain.mkdocs import SymchainPlugin
from symchain.render.blocks import block_formulas, options_from_mapping, parse_block
from symchain.render.graph import dependency_graph
from symchain.render.standalone import render_standalone
from symchain.spec import load_spec

# A refusal may use this much memory at most (the huge networks below would take gigabytes).
REFUSAL_BYTES = 8_000_000


def _peak(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["derive", "--layers", "4096,4096"], "16781312 parameters is too large for the unrolled"),
        (["derive", "--layers", "1000,1000,1000"], "2002000 parameters is too large"),
        (["derive", "--layers", "1000,1000,1000", "--standalone", "--format", "latex"], "2002000"),
        (["graph", "--layers", "1024,1024"], "dependency graph of this network has 1053697 nodes"),
        (["graph", "--layers", "1024,1024", "--param", "w^{(L)}_{00}"], "1053697 nodes"),
        (["eval", "--layers", "200,200", "--init", "0", "--data", "d.csv"], "symchain eval"),
        (["check", "--layers", "200,200"], "40200 parameters is too large for symchain check"),
    ],
)
def test_commands_refuse_huge_networks_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d.csv").write_text(",".join(["1"] * 400) + "\n", encoding="utf-8")
    results = []
    peak = _peak(lambda: results.append(run_cli(*args)))
    assert_one_error_line(results[0], message)
    assert peak < REFUSAL_BYTES, peak


@pytest.mark.parametrize(
    "options",
    [
        {"layers": "1000,1000,1000"},
        {"layers": "4096,4096", "param": "w^{(L)}_{0,0}"},
    ],
)
def test_docs_blocks_refuse_huge_networks_up_front(options: dict[str, str]) -> None:
    def refuse() -> None:
        with pytest.raises(SpecError, match="too large for a docs block"):
            block_formulas(options_from_mapping(options))

    assert _peak(refuse) < REFUSAL_BYTES


def test_markdown_and_mkdocs_blocks_name_the_line_of_a_huge_network(tmp_path: Path) -> None:
    page = "# Notes\n\n```symchain\nlayers: 2048,2048\n```\n"
    source = tmp_path / "notes.md"
    source.write_text(page, encoding="utf-8")
    assert_one_error_line(run_cli("render", str(source)), f"{source}:3: ")

    class Page:
        class file:  # noqa: N801 - the attribute MkDocs pages have
            src_path = "notes.md"

    with pytest.raises(PluginError, match="notes.md:3: .*too large for a docs block"):
        SymchainPlugin().on_page_markdown(page, page=Page(), config=None, files=None)
    with pytest.raises(SymchainError):
        parse_block("layers: 2048,2048")


def test_estimates_match_what_is_built() -> None:
    for widths in ((1, 1), (2, 3, 2), (4, 1, 3, 2)):
        network = Network.from_widths(widths)
        assert limits.parameter_count(widths) == len(network.parameters)
        assert limits.graph_nodes(widths) == len(dependency_graph(network).nodes)


def test_a_standalone_document_leaves_out_a_large_graph_without_building_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[Network] = []
    monkeypatch.setattr(
        "symchain.render.standalone.dependency_graph",
        lambda network: built.append(network) or dependency_graph(network),
    )
    small = render_standalone(derive(Network.from_widths((1, 1))))
    assert "tikzpicture" in small and len(built) == 1
    large = render_standalone(derive(Network.from_widths((12, 12))))
    assert "tikzpicture" not in large and len(built) == 1


def test_a_deep_chain_json_leaves_out_its_expanded_forms_not_a_recursion_error() -> None:
    result = run_cli("derive", "--layers", ",".join(["1"] * 54), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["loss"] is None and "levels deep" in data["loss_omitted"]
    assert len(data["parameters"]) == 2 * 53
    assert all(p["expression"] is None for p in data["parameters"])


def test_deeply_nested_toml_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "net.toml"
    for depth in (limits.MAX_NESTING + 2, 100_000):
        spec.write_text("layers = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
        with pytest.raises(SymchainError, match="nests tables or arrays too deeply"):
            load_spec(spec)
    assert_one_error_line(run_cli("derive", "--spec", str(spec)), "too deeply")
    spec.write_text("layers = [2, 3, 2]\n", encoding="utf-8")
    assert load_spec(spec)[0].widths == (2, 3, 2)
