"""JSON of a derivation: written in pieces, complete for networks beyond the expanded forms."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from conftest import assert_same_value, run_cli

from symchain import Network, derive, naming
from symchain.derivation import Derivation
from symchain.limits import MAX_EXPANDED_NODES
from symchain.render.json import derivation_data, iter_json, render_json
from symchain.render.latex import latex_printer

# Its loss would have about 470,000 nodes expanded: above the limit, so no expanded form is built.
LARGE = (6, 6, 6, 6, 6, 6, 2)


def _chain_texts(derivation: Derivation, symbol: sp.Symbol) -> tuple[list[dict[str, str]], str]:
    """The chain and the gradient of one parameter, printed straight from the derivation."""
    printer = latex_printer(derivation)
    factors = derivation[symbol].chain.factors
    chain = [{"leibniz": printer.doprint(f.leibniz), "value": printer.doprint(f.value)}
             for f in factors]
    gradient = printer.product([f.value for f in factors if f.value != 1] or [sp.S.One])
    return chain, gradient


def test_json_of_a_network_beyond_the_expanded_limit_is_complete() -> None:
    network = Network.from_widths(LARGE)
    assert network.composed_size() > MAX_EXPANDED_NODES  # the old renderer refused it (exit 2)
    result = run_cli("derive", "--layers", ",".join(map(str, LARGE)), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["loss"] is None
    assert "too large for the expanded form" in data["loss_omitted"]
    derivation = derive(network)
    assert [p["symbol"] for p in data["parameters"]] == [s.name for s in network.parameters]
    assert [e["symbol"] for e in data["errors"]] == [t.symbol.name for t in derivation.errors]
    for entry in data["parameters"]:
        symbol = next(s for s in network.parameters if s.name == entry["symbol"])
        chain, gradient = _chain_texts(derivation, symbol)
        assert entry["chain"] == chain
        assert entry["gradient"] == gradient
        assert entry["batch"].startswith(r"\frac{\partial C}{\partial ")
        assert entry["expression"] is None
        assert entry["expression_omitted"] == data["loss_omitted"]
    assert data["gradient"].startswith(r"\nabla C = ")


@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 3, 2), LARGE])
def test_json_written_in_pieces_equals_the_whole_document(widths: tuple[int, ...]) -> None:
    derivation = derive(Network.from_widths(widths))
    whole = json.dumps(derivation_data(derivation), indent=2, ensure_ascii=False) + "\n"
    pieces = list(iter_json(derivation))
    assert len(pieces) > len(derivation)  # an error term or a parameter at a time
    assert "".join(pieces) == whole == render_json(derivation)


def test_expanded_forms_stop_at_the_first_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    derivation = derive(Network.from_widths((2, 3, 2)))
    # 2-3-2: the loss has 151 nodes expanded, the first layer's gradients 476-477, the last's
    # 217-234; with a limit of 300 the loss is written and every gradient from the first on
    # is left out, naming the first.
    monkeypatch.setattr("symchain.derivation.MAX_EXPANDED_NODES", 300)
    data = derivation_data(derivation)
    # srepr names plain Symbols: mapped back to the network's own
    loss = naming.network_symbols(sp.sympify(data["loss"]))
    assert_same_value(loss, derivation.network.composed_loss())
    first = data["parameters"][0]["symbol"]
    for entry in data["parameters"]:
        assert entry["expression"] is None
        assert entry["expression_omitted"].startswith(f"the expanded form of {first} has ")


def test_json_with_expanded_forms_is_unchanged_in_shape() -> None:
    data = derivation_data(derive(Network.from_widths((2, 3, 2))))
    assert "loss_omitted" not in data
    assert all(set(p) == {"name", "symbol", "leibniz", "chain", "gradient", "batch", "expression"}
               for p in data["parameters"])
