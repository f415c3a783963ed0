"""verify reads a free layer letter l, Nielsen's notation, \\mathbf and 1-based indices."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from symchain.cli import cli
from symchain.network import Network
from symchain.verify import Checker

NET = Network.from_widths((2, 3, 2, 2))
BP2_L = r"\delta_j^{(l)} = \sigma'(z_j^{(l)}) \sum_k w_{kj}^{(l+1)} \delta_k^{(l+1)}"


@pytest.mark.parametrize(
    ("claim", "layers"),
    [
        (BP2_L, "l = 1, 2"),
        (r"\frac{\partial C_0}{\partial w_{jk}^{(l)}} = a_k^{(l-1)} \delta_j^{(l)}", "l = 1, 2, 3"),
        (r"\frac{\partial C_0}{\partial b_j^{(l)}} = \delta_j^{(l)}", "l = 1, 2, 3"),
        (r"z_j^{(l)} = \sum_k w_{jk}^{(l)} a_k^{(l-1)} + b_j^{(l)}", "l = 1, 2, 3"),
        (r"\mathbf{a}_j^{(l)} = \sigma(\mathbf{z}_j^{(l)})", "l = 1, 2, 3"),
    ],
)
def test_free_layer_letter_is_checked_for_every_layer_and_named(claim: str, layers: str) -> None:
    verdict = Checker(NET).check_text(claim)
    assert verdict.verdict == "holds", verdict
    assert verdict.method.endswith(f"for {layers}")


@pytest.mark.parametrize(
    ("claim", "diagnosis"),
    [
        (BP2_L.replace("w_{kj}", "w_{jk}"), "transposed indices: w_{jk}^{(l+1)} should be w_{kj}"),
        (BP2_L.replace(r"\sigma'(z_j^{(l)}) ", ""), "missing σ'(z_{j}^{(l)}) in the δ recursion"),
        (r"\frac{\partial C_0}{\partial w_{jk}^{(l)}} = a_k^{(l)} \delta_j^{(l)}", "layer label"),
    ],
)
def test_wrong_free_layer_claims_fail(claim: str, diagnosis: str) -> None:
    verdict = Checker(NET).check_text(claim)
    assert verdict.verdict == "fails", verdict
    assert any(d.startswith(diagnosis) or diagnosis in d for d in verdict.diagnosis), verdict


NIELSEN_NET = Network.from_widths((2, 3, 2))
NIELSEN_RIGHT = [
    r"\delta^L_j = \frac{\partial C}{\partial a^L_j} \sigma'(z^L_j)",
    r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)",
    r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j",
    r"\frac{\partial C}{\partial b^l_j} = \delta^l_j",
    r"\frac{\partial C}{\partial w^3_{jk}} = a^2_k \delta^3_j",
    r"z^2_j = \sum_k w^2_{jk} a^1_k + b^2_j",
]


@pytest.mark.parametrize("claim", NIELSEN_RIGHT)
def test_nielsen_notation_holds(claim: str) -> None:
    verdict = Checker(NIELSEN_NET).check_text(claim)
    assert verdict.verdict == "holds", verdict


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{\partial C}{\partial w^l_{jk}} = a^{l}_k \delta^l_j",
        r"\delta^l_j = \sum_k w^{l+1}_{jk} \delta^{l+1}_k \sigma'(z^l_j)",
        r"\frac{\partial C}{\partial w^3_{jk}} = a^3_k \delta^3_j",
    ],
)
def test_nielsen_notation_fails_when_wrong(claim: str) -> None:
    assert Checker(NIELSEN_NET).check_text(claim).verdict == "fails"


def test_numbering_seed_reads_bare_labels_from_layer_0() -> None:
    # With the seed's numbering w^2 is the output layer's weight of a 2-3-2 network.
    claim = r"\frac{\partial C_0}{\partial w^2_{jk}} = a^1_k \delta^L_j"
    assert Checker(NIELSEN_NET, numbering="seed").check_text(claim).verdict == "holds"
    assert Checker(NIELSEN_NET, numbering="nielsen").check_text(claim).verdict != "holds"


def test_one_based_indices_from_a_sum_range_or_an_option() -> None:
    shifted = r"C_0 = \sum_{j=1}^{n_L} (a_{j-1}^{(L)} - y_{j-1})^2"
    assert Checker(NIELSEN_NET).check_text(shifted).verdict == "holds"
    one_based = r"C_0 = \sum_{j=1}^{n_L} (a_{j}^{(L)} - y_{j})^2"
    assert Checker(NIELSEN_NET, index_base=1).check_text(one_based).verdict == "holds"
    zero_based = Checker(NIELSEN_NET).check_text(one_based)
    assert zero_based.verdict == "fails"


def test_cli_options_and_transposes() -> None:
    claim = r"\frac{\partial C_0}{\partial b_{j}^{(L)}} = \delta_{j}^{(L)}"
    result = CliRunner().invoke(
        cli, ["verify", "--layers", "2,3,2", "--index-base", "1", "--numbering", "seed", claim,
              "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["verdict"] == "holds"
