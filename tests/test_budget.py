"""Time budgets with an injected clock: "time is up" is forced at a chosen step, never raced."""

from __future__ import annotations

import math

import pytest

from symchain import Network, derive
from symchain.budget import Budget
from symchain.errors import BudgetError, SpecError


class SteppingClock:
    """A clock that reads 0 until it has been asked ``ticks`` times, then far past any deadline."""

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return 0.0 if self.calls <= self.ticks else 1e9


def test_budget_not_spent_until_the_clock_says_so() -> None:
    clock = SteppingClock(ticks=3)
    budget = Budget(5.0, clock=clock)  # call 1 sets the deadline
    budget.check()  # call 2
    budget.check()  # call 3
    with pytest.raises(BudgetError, match="time budget of 5 s"):
        budget.check()


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, math.inf])
def test_budget_must_be_positive_and_finite(seconds: float) -> None:
    with pytest.raises(SpecError, match="positive, finite"):
        Budget(seconds)


def test_derive_stops_at_the_first_check_after_time_is_up() -> None:
    # 4-8-8-2 has 130 parameters: the deriver checks after the loop over parameters, so a clock
    # that expires right after the deadline is set stops it there with BudgetError.
    net = Network.from_widths((4, 8, 8, 2))
    clock = SteppingClock(ticks=1)
    with pytest.raises(BudgetError, match="the derivation ran past its time budget"):
        derive(net, budget=Budget(10.0, clock=clock))
    assert clock.calls == 2  # the deadline, then the first check


def test_derive_checks_every_256_parameters() -> None:
    # 16-32-32-8 has 1,864 parameters: checks at 256, 512, ...; time runs out at the third check.
    net = Network.from_widths((16, 32, 32, 8))
    clock = SteppingClock(ticks=3)
    with pytest.raises(BudgetError):
        derive(net, budget=Budget(10.0, clock=clock))
    assert clock.calls == 4


def test_derive_within_budget_completes() -> None:
    net = Network.from_widths((2, 3, 2))
    clock = SteppingClock(ticks=10**6)
    derivation = derive(net, budget=Budget(10.0, clock=clock))
    assert len(derivation) == len(net.parameters)
    assert clock.calls > 1
