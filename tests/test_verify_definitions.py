"""verify reads definitions (z, a, C_0, C), δ and gradient vectors; the seed's three slips fail."""

from __future__ import annotations

import pytest

from symchain.network import Network
from symchain.verify import Checker

SEED_NETWORK = Network.from_widths()
WIDE = Network.from_widths((2, 3, 2))

# The seed's own formulas (000_d1f87a3fba0b1eea.txt), as written there.
SEED_GRADIENT = (
    r"\nabla C = \begin{bmatrix} \frac{\partial C}{\partial w^{(1)}} \\ \frac{\partial C}"
    r"{\partial w^{(1)}} \\ \vdots\\ \frac{\partial C}{\partial w^{(L)}} \\ \frac{\partial C}"
    r"{\partial w^{(L)}} \\ \end{bmatrix}"
)
SEED_LOSS = r"C_0 = \sum_{j=1}^{n_L - 1} \left(a_j^{(L)} - y_j\right)^2"
SEED_SUM = (
    r"\frac{\partial C_0}{w^{(L)}_{jk}} = \sum_{j=0}^{n_L - 1} \frac{\partial z^{(L)}_j}"
    r"{w^{(L)}_{jk}}\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j}\frac{\partial C_0}{a ^{(L)}_j}"
)


@pytest.mark.parametrize(
    ("claim", "first_diagnosis"),
    [
        (SEED_GRADIENT, r"\frac{\partial C}{\partial w^{(1)}} is listed twice (entries 1 and 2)"),
        (SEED_LOSS, "wrong range: the sum over j starts at 1"),
        (SEED_SUM, "the sum over j does not belong"),
    ],
)
def test_the_seeds_three_slips_fail_each_with_its_own_diagnosis(
    claim: str, first_diagnosis: str
) -> None:
    verdict = Checker(SEED_NETWORK).check_text(claim)
    assert verdict.verdict == "fails", verdict
    assert verdict.diagnosis[0].startswith(first_diagnosis), verdict.diagnosis


def test_seed_gradient_names_the_entry_that_belongs_there() -> None:
    verdict = Checker(SEED_NETWORK).check_text(SEED_GRADIENT)
    assert "entry 2 should be \\frac{\\partial C}{\\partial b^{(1)}}" in verdict.diagnosis[0]
    assert any("entry 5 should be" in d for d in verdict.diagnosis)


def test_misplaced_sum_fails_even_where_widths_hide_it() -> None:
    # On 1-1-1-1 the sum has one term: equal in value, wrong as written.
    claim = (
        r"\frac{\partial C_0}{\partial w^{(L)}_{jk}} = \sum_j \frac{\partial z^{(L)}_j}"
        r"{\partial w^{(L)}_{jk}}\frac{\partial a^{(L)}_j}{\partial z^{(L)}_j}"
        r"\frac{\partial C_0}{\partial a^{(L)}_j}"
    )
    verdict = Checker(SEED_NETWORK).check_text(claim)
    assert verdict.verdict == "fails" and verdict.diagnosis[0].startswith("misplaced sum")


HOLDING = [
    (SEED_NETWORK, r"z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}"),
    (SEED_NETWORK, r"a^{(L)} = \sigma(z^{(L)})"),
    (SEED_NETWORK, r"C_0 = (a^{(L)} - y)^2"),
    (SEED_NETWORK, r"C = \frac{1}{n}\sum_{i=0}^{n-1} C_i"),
    (SEED_NETWORK, r"\delta^{(L)} = \frac{\partial C_0}{\partial z^{(L)}}"),
    (WIDE, r"C_0 = \sum_{j=0}^{n_L - 1} \left(a_j^{(L)} - y_j\right)^2"),
    (WIDE, r"z_j^{(L)} = \sum_{k=0}^{n_{L-1}-1} w_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}"),
    (WIDE, r"z_j^{(L)} = \sum_k w_{jk}^{(L)} a_k^{(L-1)} + b_j^{(L)}"),
    (WIDE, r"a_j^{(1)} = \sigma(z_j^{(1)})"),
    (
        SEED_NETWORK,
        r"\nabla C = \begin{bmatrix} \frac{\partial C}{\partial w^{(1)}} \\ \frac{\partial C}"
        r"{\partial b^{(1)}} \\ \vdots \\ \frac{\partial C}{\partial w^{(L)}} \\ "
        r"\frac{\partial C}{\partial b^{(L)}} \end{bmatrix}",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = \left[\frac{\partial C}{\partial w^{(1)}}, \ldots, \frac{\partial C}"
        r"{\partial b^{(3)}}\right]^{\top}",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = \begin{bmatrix} \frac{\partial C}{\partial w^{(1)}} & \cdots & "
        r"\frac{\partial C}{\partial b^{(3)}} \end{bmatrix}^{\mathsf T}",
    ),
    (
        Network.from_widths((1, 1)),
        r"\nabla C_0 = \begin{bmatrix} x \sigma'(z^{(1)}) 2 (a^{(1)} - y) \\ "
        r"\frac{\partial C_0}{\partial b^{(1)}} \end{bmatrix}",
    ),
]


@pytest.mark.parametrize(("network", "claim"), HOLDING)
def test_right_definitions_and_vectors_hold(network: Network, claim: str) -> None:
    verdict = Checker(network).check_text(claim)
    assert verdict.verdict == "holds", verdict


FAILING = [
    (SEED_NETWORK, r"z^{(L)} = w^{(L)} a^{(L-2)} + b^{(L)}", "layer label off by one in a^{(L-2)}"),
    (SEED_NETWORK, r"a^{(L)} = \tanh(z^{(L)})", "wrong activation: the right side applies tanh"),
    (SEED_NETWORK, r"C_0 = \frac{1}{2}(a^{(L)} - y)^2", "your right side = true × 1/2"),
    (SEED_NETWORK, r"C = \sum_{i=0}^{n-1} C_i", "your right side = true × n"),
    (WIDE, r"z_j^{(L)} = \sum_k w_{kj}^{(L)} a_k^{(L-1)} + b_j^{(L)}", "transposed indices"),
    (WIDE, r"C_0 = \sum_{j=0}^{n_L} \left(a_j^{(L)} - y_j\right)^2", "an index is out of range"),
    (
        SEED_NETWORK,
        r"\nabla C = \begin{bmatrix} \frac{\partial C}{\partial w^{(1)}} \\ \frac{\partial C}"
        r"{\partial b^{(1)}} \\ \frac{\partial C}{\partial w^{(2)}} \end{bmatrix}",
        "missing 3 entries",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = [\frac{\partial C}{\partial w^{(1)}}, \frac{\partial C}{\partial a^{(1)}}, "
        r"\ldots, \frac{\partial C}{\partial b^{(3)}}]^T",
        "entry 2, ∂/∂a^{(1)}, is extra",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = [\frac{\partial C}{\partial b^{(1)}}, \frac{\partial C}{\partial w^{(1)}}, "
        r"\ldots, \frac{\partial C}{\partial b^{(3)}}]^T",
        "wrong order",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = [\frac{\partial C}{\partial w^{(1)}}, \ldots, \frac{\partial C}"
        r"{\partial b^{(3)}}]",
        "∇C is a column vector; this is a row",
    ),
    (
        SEED_NETWORK,
        r"\nabla C = [\frac{\partial C_0}{\partial w^{(1)}}, \ldots, \frac{\partial C}"
        r"{\partial b^{(3)}}]^T",
        "entry 1 differentiates C_0",
    ),
    (
        Network.from_widths((1, 1)),
        r"\nabla C_0 = \begin{bmatrix} x 2 (a^{(1)} - y) \\ "
        r"\frac{\partial C_0}{\partial b^{(1)}} \end{bmatrix}",
        "entry 1 is wrong",
    ),
]


@pytest.mark.parametrize(("network", "claim", "diagnosis"), FAILING)
def test_wrong_definitions_and_vectors_fail_with_a_named_diagnosis(
    network: Network, claim: str, diagnosis: str
) -> None:
    verdict = Checker(network).check_text(claim)
    assert verdict.verdict == "fails", verdict
    assert verdict.diagnosis[0].startswith(diagnosis), verdict.diagnosis
