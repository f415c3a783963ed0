"""Time budgets for symbolic work: a deadline checked at steps, with an injectable clock."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import BudgetError, SpecError

# A clock returns seconds; tests inject one that jumps, so no test races the wall clock.
Clock = Callable[[], float]
# The clock every budget reads unless a test injects one.
MONOTONIC: Clock = time.monotonic


@dataclass
class Budget:
    """``seconds`` of work from now, measured by ``clock``; :meth:`check` raises once it is spent.

    Args:
        seconds: a positive, finite number of seconds.
        what: the work, for the message ("the derivation").
        hint: what the user can do about it, for the message.
        clock: the time source (default :func:`time.monotonic`).
    """

    seconds: float
    what: str = "the derivation"
    hint: str = "use a smaller network, select parameters with --param, or raise --timeout"
    clock: Clock = MONOTONIC
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise SpecError(
                f"a time budget must be a positive, finite number of seconds, not {self.seconds!r}"
            )
        self.deadline = self.clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (negative once spent)."""
        return self.deadline - self.clock()

    def check(self) -> None:
        """Raise :class:`BudgetError` when the budget is spent."""
        if self.remaining() < 0:
            raise BudgetError(f"{self.what} ran past its time budget of {self.seconds:g} s; "
                              f"{self.hint}")
