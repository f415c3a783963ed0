"""verify's diagnoses: the most specific one first, for the slips people make by hand."""

from __future__ import annotations

import pytest

from symchain.network import Network
from symchain.verify import Checker

NET = Network.from_widths((2, 3, 2))
RELU = Network.from_widths((2, 3, 2), "relu")
W_JK = r"\frac{\partial C_0}{\partial w^{(L)}_{jk}} = "
A_K = r"\frac{\partial C_0}{\partial a_k^{(L-1)}} = "

CASES = [
    (NET, W_JK + r"a_k^{(L-1)} \tanh'(z_j^{(L)}) 2(a_j^{(L)} - y_j)",
     "wrong activation derivative: the right side applies tanh', this layer uses sigmoid'"),
    (RELU, W_JK + r"a_k^{(L-1)} \sigma(z_j^{(L)}) 2(a_j^{(L)} - y_j)", "factor"),
    (NET, A_K + r"\sum_j w_{kj}^{(L)} \sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)",
     "transposed indices: w_{kj}^{(L)} should be w_{jk}^{(L)}"),
    (NET, A_K + r"\sum_k w_{jk}^{(L)} \sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)",
     "sum over the wrong index: \\sum_k should be \\sum_j"),
    (NET, A_K + r"w_{0k}^{(L)} \sigma'(z_0^{(L)}) 2(a_0^{(L)} - y_0)", "missing sum over j"),
    (NET, W_JK + r"a_k^{(L-1)} \sigma'(z_j^{(L)}) (a_j^{(L)} - y_j)", "right side = true × 1/2"),
    (NET, W_JK + r"2 a_k^{(L-1)} \sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)",
     "your right side = true × 2"),
    (NET, r"\frac{\partial C}{\partial w^{(L)}_{00}} = \sum_{i=0}^{n-1} a_0^{(L-1)[i]} "
     r"\sigma'(z_0^{(L)[i]}) 2(a_0^{(L)[i]} - y_0^{[i]})", "your right side = true × n"),
    (NET, W_JK + r"a_k^{(L-1)} \sigma'(z_j^{(L)}) 2(y_j - a_j^{(L)})", "sign flipped"),
    (NET, W_JK + r"a_k^{(L-2)} \sigma'(z_j^{(L)}) 2(a_j^{(L)} - y_j)", "layer label off by one"),
    (Network.from_widths(), r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-2)} \sigma'(z^{(L)}) "
     r"2(a^{(L)} - y)", "layer label off by one in a^{(L-2)}"),
    (Network.from_widths((2, 3)), r"C_0 = \sum_{j=1}^{n_L - 1} (a_j^{(L)} - y_j)^2",
     "wrong range"),
]  # fmt: skip


@pytest.mark.parametrize(("network", "claim", "first"), CASES)
def test_the_best_diagnosis_comes_first(network: Network, claim: str, first: str) -> None:
    verdict = Checker(network).check_text(claim)
    assert verdict.verdict == "fails", verdict
    assert verdict.diagnosis[0].startswith(first) or first in verdict.diagnosis[0], verdict
