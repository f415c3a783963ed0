"""Verify hand-written derivations: parse claims in the seed's notation and check them."""

from __future__ import annotations

from .check import Checker, Verdict, check_claim
from .syntax import ClaimSyntaxError, Equation, parse_claim

__all__ = ["Checker", "ClaimSyntaxError", "Equation", "Verdict", "check_claim", "parse_claim"]
