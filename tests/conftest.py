"""Shared test helpers: numeric comparison of SymPy expressions at random points."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
import sympy as sp
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from tools import KatexRenderer, chromium_executable, require, start_katex

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - fails under SYMCHAIN_REQUIRE_ALL=1 in the fixture
    sync_playwright = None

from symchain.activations import to_elementary
from symchain.cli import cli

# No property test may depend on the machine's speed: no per-example deadline and no "too slow"
# health check (both race the wall clock; CI runs on idle and loaded machines alike).
settings.register_profile(
    "symchain", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("symchain")


def random_point(symbols: set[sp.Symbol], seed: int = 0) -> dict[sp.Symbol, float]:
    """Values in (0.05, 0.95) for every symbol (valid for every loss, targets included)."""
    rng = random.Random(seed)
    return {s: rng.uniform(0.05, 0.95) for s in sorted(symbols, key=lambda s: s.name)}


_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.tanh: math.tanh,
    sp.cosh: math.cosh,
    sp.sinh: math.sinh,
    sp.erf: math.erf,
    sp.Abs: abs,
    sp.sign: lambda v: float((v > 0) - (v < 0)),
}
_RELATIONS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _readable(cond: sp.Basic) -> bool:
    """A condition built from comparisons with and/or/not/if-then-else (``evaluate`` decides it
    from the memo; SymPy's ``evalf(subs=...)`` substitutes into the whole tree instead)."""
    if cond in (sp.true, sp.false):
        return True
    if isinstance(cond, sp.core.relational.Relational):
        return cond.rel_op in _RELATIONS
    if isinstance(cond, (sp.And, sp.Or, sp.Not, sp.ITE)):
        return all(_readable(arg) for arg in cond.args)
    return False


def evaluate(expr: sp.Expr, point: dict[sp.Symbol, float]) -> float:
    """``expr`` at ``point`` in float64, each shared subexpression evaluated once.

    (``lambdify`` prints the expression as a tree, which is exponential for composed losses.)
    """
    memo: dict[sp.Basic, float] = {}

    def value(node: sp.Basic) -> float:
        known = memo.get(node)
        if known is not None:
            return known
        if node.is_Symbol:
            result = point[node]
        elif node.is_Number:
            result = float(node)
        elif isinstance(node, sp.Add):
            result = math.fsum(value(arg) for arg in node.args)
        elif isinstance(node, sp.Mul):
            result = math.prod(value(arg) for arg in node.args)
        elif isinstance(node, sp.Pow):
            result = value(node.base) ** value(node.exp)
        elif isinstance(node, sp.Max):
            result = max(value(arg) for arg in node.args)
        elif isinstance(node, sp.Min):
            result = min(value(arg) for arg in node.args)
        elif isinstance(node, sp.Piecewise) and all(_readable(c) for _, c in node.args):
            result = math.nan
            for piece, cond in node.args:
                if truth(cond):
                    result = value(piece)
                    break
        elif isinstance(node, sp.Heaviside):
            result = 1.0 if value(node.args[0]) > 0 else 0.0
        elif node.func in _FUNCTIONS:
            result = _FUNCTIONS[node.func](value(node.args[0]))
        elif (elementary := to_elementary(node)) != node:
            result = value(elementary)  # a display function (σ', ELU', ...): its elementary form
        elif isinstance(node, sp.Function) and all(isinstance(a, sp.Expr) for a in node.args):
            # any other function: its arguments from the memo, then SymPy's own evaluation
            result = float(node.func(*(sp.Float(value(arg), 30) for arg in node.args)).evalf())
        else:
            result = float(node.evalf(subs=point))
        memo[node] = result
        return result

    def truth(cond: sp.Basic) -> bool:
        if cond in (sp.true, sp.false):
            return bool(cond)
        if isinstance(cond, sp.And):
            return all(truth(arg) for arg in cond.args)
        if isinstance(cond, sp.Or):
            return any(truth(arg) for arg in cond.args)
        if isinstance(cond, sp.Not):
            return not truth(cond.args[0])
        if isinstance(cond, sp.ITE):
            test, then, otherwise = cond.args
            return truth(then) if truth(test) else truth(otherwise)
        return bool(_RELATIONS[cond.rel_op](value(cond.lhs), value(cond.rhs)))

    return value(expr)


def assert_same_value(left: sp.Expr, right: sp.Expr, seeds: range = range(3)) -> None:
    """``left`` and ``right`` agree to 1e-10 (relative) at several random points."""
    symbols = left.free_symbols | right.free_symbols
    for seed in seeds:
        point = random_point(symbols, seed)
        a, b = evaluate(left, point), evaluate(right, point)
        assert abs(a - b) <= 1e-10 * max(1.0, abs(a), abs(b)), (seed, a, b)


@pytest.fixture(scope="session")
def katex() -> Iterator[KatexRenderer]:
    """One KaTeX process for the whole session."""
    renderer = start_katex()
    yield renderer
    renderer.close()


def run_cli(*args: str, **kwargs: object) -> Result:
    """``symchain ARGS`` in-process; a crash (anything but SystemExit) fails the test here."""
    result = CliRunner().invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"symchain {' '.join(args)} crashed") from result.exception
    return result


def assert_one_error_line(result: Result, message: str = "") -> None:
    """Exit 2 with exactly one ``symchain: error:`` line on stderr containing ``message``."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symchain: error: "), result.stderr
    assert message in lines[0], lines[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, driven by Playwright), one per test module."""
    require(sync_playwright is not None, "playwright is not installed (pip install playwright)")
    executable = chromium_executable()
    require(executable is not None, "Chromium is not installed (Debian chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()
