"""verify reads the matrix form: BP1–BP4 and their batch forms, entry by entry, shapes checked."""

from __future__ import annotations

import pytest

from symchain.network import Network
from symchain.verify import Checker

NET = Network.from_widths((2, 3, 2))
SOFTMAX = Network.from_widths((2, 3, 3), ("relu", "softmax"), "cross_entropy")

HOLDING = [
    (NET, r"\delta^{(L)} = \nabla_a C \odot \sigma'(z^{(L)})"),
    (NET, r"\delta^{(L)} = 2(a^{(L)} - y) \odot \sigma'(z^{(L)})"),
    (NET, r"\delta^{(l)} = ((W^{(l+1)})^T \delta^{(l+1)}) \odot \sigma'(z^{(l)})"),
    (NET, r"\frac{\partial C_0}{\partial b^{(l)}} = \delta^{(l)}"),
    (NET, r"\frac{\partial C_0}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^{\top}"),
    (NET, r"\mathbf{z}^{(l)} = \mathbf{W}^{(l)} \mathbf{a}^{(l-1)} + \mathbf{b}^{(l)}"),
    (NET, r"Z^{(l)} = W^{(l)} A^{(l-1)} + b^{(l)} \mathbf{1}^{\mathsf T}"),
    (NET, r"\Delta^{(L)} = 2(A^{(L)} - Y) \odot \sigma'(Z^{(L)})"),
    (NET, r"\frac{\partial C}{\partial W^{(L)}} = \frac{1}{n} \Delta^{(L)} (A^{(L-1)})^T"),
    (NET, r"\frac{\partial C}{\partial b^{(L)}} = \frac{1}{n} \Delta^{(L)} \mathbf{1}"),
    (SOFTMAX, r"a^{(L)} = \operatorname{softmax}(z^{(L)})"),
    (SOFTMAX, r"\nabla_a C_0 = -y \oslash a^{(L)}"),
]


@pytest.mark.parametrize(("network", "claim"), HOLDING)
def test_matrix_form_holds(network: Network, claim: str) -> None:
    verdict = Checker(network).check_text(claim)
    assert verdict.verdict == "holds", verdict


FAILING = [
    (
        r"\frac{\partial C_0}{\partial W^{(l)}} = a^{(l-1)} (\delta^{(l)})^{\top}",
        "shapes differ: the left side is 3×2, the right side 2×3 (transposed?)",
    ),
    (
        r"\delta^{(l)} = (W^{(l+1)} \delta^{(l+1)}) \odot \sigma'(z^{(l)})",
        "shape mismatch in a product: (2×3) times (2×1) (transposed? with the left factor",
    ),
    (r"\delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)})", "your right side = true × 1/2"),
    (r"\frac{\partial C}{\partial b^{(L)}} = \Delta^{(L)} \mathbf{1}", "right side = true × n"),
    (r"\delta^{(L)} = 2(a^{(L)} - y)", "missing σ'"),
]


@pytest.mark.parametrize(("claim", "diagnosis"), FAILING)
def test_matrix_form_fails_with_shapes_or_a_diagnosis(claim: str, diagnosis: str) -> None:
    verdict = Checker(NET).check_text(claim)
    assert verdict.verdict == "fails", verdict
    assert any(diagnosis in d for d in verdict.diagnosis), verdict.diagnosis


def test_a_failing_entry_is_named_in_the_counterexample() -> None:
    verdict = Checker(NET).check_text(r"\frac{\partial C_0}{\partial b^{(L)}} = 2\delta^{(L)}")
    assert verdict.verdict == "fails" and verdict.counterexample is not None
    assert verdict.counterexample["entry"] == "(0, 0)"
