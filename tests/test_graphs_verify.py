"""Hand derivations on graphs (verify --graph): true claims hold, mutated claims fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from symchain.cli import cli
from symchain.graphs import GraphError, derive_graph
from symchain.graphs.claims import ClaimChecker
from symchain.graphs.deriver import Use
from symchain.graphs.printing import GraphLatexPrinter, printers
from symchain.graphs.spec import load_graph

EXAMPLES = Path(__file__).parent.parent / "examples"
NAMES = ["rnn", "residual", "autoencoder", "l2_penalty", "batchnorm", "attention"]


def written(uses: tuple[Use, ...], printer: GraphLatexPrinter, leibniz: bool = False) -> str:
    """A chain as a person writes it: products of factor values (or Leibniz factors), summed."""
    return " + ".join(
        printer.product([f.leibniz if leibniz else f.value for f in use.factors]) for use in uses
    )


def claims(name: str) -> list[tuple[str, str, str, str | None]]:
    """(left, right as Leibniz factors, right as values, values without the last use) for every
    adjoint and gradient."""
    derivation = derive_graph(load_graph(EXAMPLES / f"{name}.toml"))
    printer = printers(derivation.graph.names)[0]
    result = []
    for item in (*derivation.adjoints, *derivation.parameters):
        left = printer.doprint(item.leibniz)
        dropped = written(item.uses[:-1], printer) if len(item.uses) > 1 else None
        leibniz = written(item.uses, printer, leibniz=True)
        result.append((left, leibniz, written(item.uses, printer), dropped))
    return result


@pytest.mark.parametrize("name", NAMES)
def test_the_derivation_written_out_holds_and_mutations_fail(name: str) -> None:
    checker = ClaimChecker(load_graph(EXAMPLES / f"{name}.toml"))
    for left, leibniz, values, dropped in claims(name):
        assert checker.check(f"{left} = {leibniz} = {values}").verdict == "holds", left
        assert checker.check(f"{left} = 2 \\left({values}\\right)").verdict == "fails", left
        assert checker.check(f"{left} = -\\left({values}\\right)").verdict == "fails", left
        if dropped is not None:
            assert checker.check(f"{left} = {dropped}").verdict == "fails", left


def test_cli_verify_graph_exit_codes() -> None:
    rnn = str(EXAMPLES / "rnn.toml")
    true = r"\frac{\partial C_0}{\partial v} = 2 h_3 (v h_3 - y)"
    wrong = r"\frac{\partial C_0}{\partial w_h} = h_1 (1 - h_2^2) \frac{\partial C_0}{\partial h_2}"
    assert CliRunner().invoke(cli, ["verify", "--graph", rnn, true]).exit_code == 0
    failing = CliRunner().invoke(cli, ["verify", "--graph", rnn, true, wrong, "--format", "json"])
    assert failing.exit_code == 1 and '"verdict": "fails"' in failing.output
    unknown = CliRunner().invoke(
        cli, ["verify", "--graph", rnn, r"\frac{\partial C_0}{\partial q} = 1"]
    )
    assert unknown.exit_code == 2
    assert "column 30: q is not a name of this graph" in unknown.output


def test_unreadable_claim_names_the_column() -> None:
    checker = ClaimChecker(load_graph(EXAMPLES / "rnn.toml"))
    with pytest.raises(GraphError, match=re.escape(r"column 7: cannot read '\nabla'")):
        checker.check(r"h_1 = \nabla")


RELU_GRAPH = """
parameters = ["w", "v"]
inputs = ["x"]
targets = ["y"]
equations = [
  'h = \\operatorname{ReLU}(w x)',
  'C_0 = (v h - y)^2',
]
"""


def test_a_claim_through_a_kink_is_never_held_on_points_alone(tmp_path: Path) -> None:
    from symchain.graphs.spec import load_graph as load

    spec = tmp_path / "relu.toml"
    spec.write_text(RELU_GRAPH)
    checker = ClaimChecker(load(spec))
    # ∂C_0/∂v = 2 h (v h - y) is true; written with Max it is proven symbolically.
    proven = checker.check(r"\frac{\partial C_0}{\partial v} = 2 h (v h - y)")
    assert proven.verdict == "holds", proven
    # Dropping ReLU' is wrong for w x < 0, but agrees wherever w x > 0: never "holds".
    dropped = checker.check(r"\frac{\partial C_0}{\partial w} = x v \cdot 2 (v h - y)")
    assert dropped.verdict in ("fails", "unproven"), dropped
    assert dropped.verdict != "holds"
