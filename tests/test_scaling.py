"""The unrolled deriver's work grows linearly in the parameters, counted in expression nodes built
(not in seconds: timings live in bench/), and its shortcuts give SymPy's own expressions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sympy as sp
from sympy.core.basic import Basic
from sympy.core.cache import clear_cache

from symchain import Network, derive

_ORIGINAL_NEW = Basic.__dict__["__new__"]


class _Counter:
    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def node_counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Counter]:
    """Counts every SymPy node constructed (``Basic.__new__``) while the test runs."""
    counter = _Counter()
    original = _ORIGINAL_NEW.__func__

    def counting_new(cls: type, *args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Basic, "__new__", staticmethod(counting_new))
    yield counter


def _nodes_built(counter: _Counter, widths: tuple[int, ...]) -> tuple[int, int]:
    network = Network.from_widths(widths)
    clear_cache()  # nodes SymPy cached from earlier work would not be built again
    before = counter.count
    derivation = derive(network)
    return counter.count - before, len(derivation)


def test_nodes_built_grow_linearly_in_parameters(node_counter: _Counter) -> None:
    small_nodes, small_params = _nodes_built(node_counter, (4, 8, 8, 4))
    large_nodes, large_params = _nodes_built(node_counter, (16, 32, 32, 8))
    assert small_params == 148 and large_params == 1864
    assert small_nodes > small_params  # the counter sees the work
    # no faster than the parameters, and a small constant per parameter
    assert large_nodes / small_nodes <= 1.2 * large_params / small_params
    assert large_nodes <= 20 * large_params


def test_nodes_built_for_a_softmax_output_grow_linearly(node_counter: _Counter) -> None:
    def built(widths: tuple[int, ...]) -> tuple[int, int]:
        network = Network.from_widths(widths, ("tanh", "tanh", "softmax"), "cross_entropy")
        clear_cache()
        before = node_counter.count
        derivation = derive(network)
        return node_counter.count - before, len(derivation)

    small_nodes, small_params = built((4, 8, 8, 4))
    large_nodes, large_params = built((16, 32, 32, 8))
    assert large_nodes / small_nodes <= 1.2 * large_params / small_params


@pytest.mark.parametrize(
    "widths,activations,loss",
    [
        ((1, 1, 1, 1), ("sigmoid",), "squared_error"),
        ((2, 3, 2), ("linear",), "squared_error"),
        ((2, 3, 2), ("tanh",), "half_squared_error"),
        ((3, 2, 1, 2), ("relu", "relu", "sigmoid"), "binary_cross_entropy"),
        ((2, 4, 3), ("softplus", "sigmoid"), "cross_entropy"),
        ((2, 2, 3), ("sigmoid", "softmax"), "cross_entropy"),
        ((3, 1, 3), ("linear", "softmax"), "squared_error"),
        ((2, 12, 12, 11), ("tanh",), "squared_error"),  # two-digit indices: name order ≠ numbers
    ],
)
def test_fast_products_are_sympys_own(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str
) -> None:
    """Each gradient is exactly SymPy's product of the chain values (same args, same order)."""
    derivation = derive(Network.from_widths(widths, activations, loss))
    for gradient in derivation:
        expected = sp.Mul(*(f.value for f in gradient.chain.factors))
        assert gradient.gradient == expected
        assert gradient.gradient.args == expected.args
        assert gradient.gradient == gradient.chain.value
        for factor in gradient.chain.factors:
            if isinstance(factor.value, sp.Add):  # Σ_i w_ij δ_i built without flatten
                rebuilt = sp.Add(
                    *(sp.Mul(*t.args) if isinstance(t, sp.Mul) else t for t in factor.value.args)
                )
                assert factor.value == rebuilt and factor.value.args == rebuilt.args


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    derive(Network.from_widths((8, 16, 16, 4)), progress=lambda done, total: seen.append(
        (done, total)))
    assert seen[-1] == (484, 484)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
