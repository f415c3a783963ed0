"""Why a claim fails: constant multiples, misplaced or missing sums, wrong factors, layer slips."""

from __future__ import annotations

from dataclasses import fields, replace
from dataclasses import replace as dc_replace
from fractions import Fraction
from typing import Any

import sympy as sp

from ..printing import NotationLatexPrinter
from .ground import BATCH_SIZE, NotEvaluable, evaluate
from .matrices import is_matrix
from .resolve import (
    ClaimError,
    IndexOutOfRange,
    Resolver,
    Scope,
    children,
    free_indices,
    named_activations,
    sums_over,
)
from .syntax import BigSum, Bin, Func, Group, Leibniz, Name, Node, Num

RELATIVE_TOLERANCE = 1e-9


def close(a: float, b: float, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    """Whether two floats agree to a relative tolerance (absolute near zero)."""
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def _ratio_text(ratio: float, batch: bool) -> str | None:
    fraction = Fraction(ratio).limit_denominator(12)
    if not close(float(fraction), ratio, 1e-7):
        return None
    if fraction == 1:
        return None
    if fraction == 0:
        return "your right side is 0 at every test point"
    if fraction == -1:
        return "sign flipped: your right side = true × (-1)"
    if batch and fraction == BATCH_SIZE:
        return "your right side = true × n: a sum over the batch where the mean (1/n)Σ belongs"
    if batch and fraction == Fraction(1, BATCH_SIZE):
        return "your right side = true × 1/n: the mean over the batch is taken twice"
    text = f"your right side = true × {fraction}"
    if abs(fraction) in (2, Fraction(1, 2)):
        text += (
            " (a factor 2 from the loss convention: C_0 = (a - y)^2 gives 2(a - y), "
            "C_0 = ½(a - y)^2 gives (a - y))"
        )
    elif fraction < 0:
        text += " (the sign is flipped too)"
    return text


def constant_multiple(truths: list[float], claims: list[float], batch: bool) -> str | None:
    """Say "your right side = true × c" when the ratio is one constant at every point."""
    ratios = [c / t for t, c in zip(truths, claims, strict=True) if abs(t) > 1e-12]
    if len(ratios) < 2 or not all(close(r, ratios[0], 1e-7) for r in ratios):
        return None
    return _ratio_text(ratios[0], batch)


def product_factors(node: Node) -> list[Node]:
    """The factors of a product as written (numbers merged into the factor that follows)."""
    if isinstance(node, Bin) and node.op == "*":
        return product_factors(node.left) + product_factors(node.right)
    return [node]


def _merge_numbers(factors: list[Node]) -> list[Node]:
    merged: list[Node] = []
    pending: Node | None = None
    for factor in factors:
        if isinstance(factor, Num):
            pending = factor if pending is None else Bin("*", pending, factor)
            continue
        merged.append(factor if pending is None else Bin("*", pending, factor))
        pending = None
    if pending is not None:
        merged.append(pending)
    return merged


class Diagnoser:
    """Compares a failing side with the truth, for one network, index choice and point."""

    def __init__(
        self,
        resolver: Resolver,
        scope: Scope,
        points: list[dict[sp.Basic, float]],
        printer: NotationLatexPrinter,
    ) -> None:
        self.resolver = resolver
        self.ground = resolver.ground
        self.scope = scope
        self.points = points
        self.printer = printer

    def values(self, expr: sp.Expr) -> list[float] | None:
        try:
            return [evaluate(expr, point) for point in self.points]
        except NotEvaluable:
            return None

    def same(self, left: sp.Expr, right: sp.Expr) -> bool:
        a, b = self.values(left), self.values(right)
        return a is not None and b is not None and all(map(close, a, b))

    def shifted(self, node: Node, shift: int) -> sp.Expr | None:
        try:
            return self.resolver.value(node, replace(self.scope, layer_shift=shift))
        except (ClaimError, IndexOutOfRange):
            return None

    def diagnose(self, lhs: Node, side: Node, truth: sp.Expr, claim: sp.Expr) -> list[str]:
        """Every finding, most specific first."""
        found: list[str] = []
        truths, claims = self.values(truth), self.values(claim)
        batch = self.resolver.uses_batch
        found += self.lower_limits(side, truth)
        found += self.sum_index(lhs, side, truth)
        found += self.single_edits(side, truth)
        if truths is not None and claims is not None:
            multiple = constant_multiple(truths, claims, batch)
            if multiple is not None:
                found.append(multiple)
        found += self.activations(lhs, side, truth)
        found += self.missing_derivative(lhs, claim, truth)
        found += self.sums(lhs, side, claim)
        found += self.factors(lhs, side)
        if not any("layer" in f for f in found):
            found += self.layers(lhs, side, truth, claim)
        return found

    def _lhs_leibniz(self, lhs: Node) -> Leibniz | None:
        return lhs if isinstance(lhs, Leibniz) else None

    def sums(self, lhs: Node, side: Node, claim: sp.Expr) -> list[str]:
        found: list[str] = []
        leibniz = self._lhs_leibniz(lhs)
        if leibniz is None:
            return found
        lhs_letters = free_indices(lhs)
        den = leibniz.denominator
        notation = self.printer.notation
        try:
            layer = self.resolver.layer(den, self.scope) if den.layer is not None else 0
        except (ClaimError, IndexOutOfRange):
            return found
        letters = "".join(getattr(i, "base", "?") for i in den.indices or ())
        for letter in lhs_letters:
            if sums_over(side, letter) and den.base in ("w", "b") and letters[:1] == letter:
                label = f"({notation.layer_text(layer)})"
                found.append(
                    f"the sum over {letter} does not belong: {den.base}_{{{letters}}}^{{{label}}} "
                    f"influences only z_{letter}^{{{label}}}, the one neuron it feeds"
                )
        try:
            top, bottom, _ = self.resolver.leibniz_symbols(leibniz, self.scope)
        except (ClaimError, IndexOutOfRange):
            return found
        chain = self.ground.true_chain(top, bottom) if isinstance(bottom, sp.Symbol) else None
        if chain is not None and len(chain.terms) > 1:
            side_letters = [x for x in free_indices(side) if x not in lhs_letters]
            single_term = any(
                self.same(self.ground.without_errors(sp.Mul(*(f.value for f in term))), claim)
                for term in chain.terms
            )
            if side_letters or single_term or not _has_sum(side):
                letter = side_letters[0] if side_letters else "j"
                written = den.base + (f"_{{{letters}}}" if letters else "")
                written += f"^{{({notation.layer_text(layer)})}}" if den.layer is not None else ""
                nxt = f"({notation.layer_text(layer + 1)})"
                width = "n_{" + notation.layer_text(layer + 1) + "}"
                found.append(
                    f"missing sum over {letter}: {written} influences every z_{letter}^{{{nxt}}} "
                    f"({letter} = 0..{width}-1, {len(chain.terms)} neurons), so its derivative "
                    f"sums one chain per neuron: \\sum_{letter}"
                )
        return found

    def lower_limits(self, side: Node, truth: sp.Expr) -> list[str]:
        """A sum over neurons that starts at 1 (neurons are numbered from 0)."""
        found = []
        for node in _sums(side):
            if isinstance(node.lower, Num) and node.lower.value == 1:
                fixed = replace_node(side, node, dc_replace(node, lower=Num(Fraction(0), "0")))
                try:
                    value = self.resolver.value(fixed, self.scope)
                except (ClaimError, IndexOutOfRange):
                    continue
                if self.same(value, truth):
                    found.append(
                        f"wrong range: the sum over {node.index} starts at 1, but neurons are "
                        f"numbered from 0 ({node.index} = 0..n_l-1): the term {node.index} = 0 "
                        "is missing (with 1-based indices, --index-base 1, the sum would end "
                        "at n_l)"
                    )
        return found

    def sum_index(self, lhs: Node, side: Node, truth: sp.Expr) -> list[str]:
        """A sum over the wrong index: ``\\sum_k`` where the left side fixes k and j is meant."""
        fixed = set(free_indices(lhs))
        for node in _sums(side):
            if node.index is None or node.index not in fixed:
                continue
            for letter in free_indices(node.body, frozenset({node.index})):
                if letter in fixed or letter == node.index:
                    continue
                edited = dc_replace(node, index=letter)
                try:
                    value = self.resolver.value(replace_node(side, node, edited), self.scope)
                except (ClaimError, IndexOutOfRange):
                    continue
                if self.same(value, truth):
                    return [
                        f"sum over the wrong index: \\sum_{node.index} should be "
                        f"\\sum_{letter} ({node.index} is fixed by the left side)"
                    ]
        return []

    def single_edits(self, side: Node, truth: sp.Expr) -> list[str]:
        """One name written wrong: a layer label off by one, or two indices swapped (w_kj)."""
        for node in _names(side):
            edits: list[tuple[Node, str]] = []
            if node.layer is not None:
                for shift in (1, -1):
                    moved = dc_replace(node, layer=Bin("+", node.layer, Num(Fraction(shift))))
                    edits.append((moved, f"layer label off by one in {_name_text(node)}"))
            if node.indices is not None and len(node.indices) == 2 and self._distinct(node):
                swapped = dc_replace(node, indices=tuple(reversed(node.indices)))
                if swapped.indices != node.indices:
                    edits.append(
                        (
                            swapped,
                            f"transposed indices: {_name_text(node)} should be "
                            f"{_name_text(swapped)} (w_jk connects neuron k of layer l-1 to "
                            "neuron j of layer l)",
                        )
                    )
            for edited, message in edits:
                try:
                    value = self.resolver.value(replace_node(side, node, edited), self.scope)
                except (ClaimError, IndexOutOfRange):
                    continue
                if self.same(value, truth):
                    return [message]
        return []

    def missing_derivative(self, lhs: Node, claim: sp.Expr, truth: sp.Expr) -> list[str]:
        """δ_j^(l) written without its σ'(z_j^(l)) (the recursion's most common slip)."""
        if not (isinstance(lhs, Name) and lhs.base == "δ" and lhs.layer is not None):
            return []
        z_name = dc_replace(lhs, base="z")
        try:
            z = self.resolver.value(z_name, self.scope)
            layer = self.resolver.layer(z_name, self.scope)
        except (ClaimError, IndexOutOfRange):
            return []
        activation = self.ground.network.activation_of(layer)
        if not activation.elementwise:
            return []
        candidates = list(z) if is_matrix(z) else [z]  # type: ignore[call-overload]
        if any(self.same(claim * activation.derivative(c), truth) for c in candidates):
            return [
                f"missing σ'({_name_text(z_name)}) in the δ recursion: "
                f"{_name_text(lhs)} = σ'({_name_text(z_name)}) times the sum over the next "
                "layer's δ"
            ]
        return []

    def _distinct(self, node: Name) -> bool:
        """Whether a name's two indices have different values here (a swap would show)."""
        assert node.indices is not None
        try:
            first, second = (self.resolver.value(i, self.scope) for i in node.indices)
        except (ClaimError, IndexOutOfRange):
            return True  # an index bound by a sum inside: it takes other values there
        return bool(first != second)

    def activations(self, lhs: Node, side: Node, truth: sp.Expr) -> list[str]:
        """σ, σ' or a named activation that is not the network's at that layer."""
        found = []
        for node in _funcs(side):
            candidates: dict[str, str] = {"sigma": ""}
            for name, activation in named_activations().items():
                if activation.elementwise:
                    candidates[name] = activation.name
            for name, activation_name in candidates.items():
                if name == node.name or activation_name == node.name:
                    continue
                edited = dc_replace(node, name=name)
                try:
                    value = self.resolver.value(replace_node(side, node, edited), self.scope)
                    if not activation_name:
                        argument = self.resolver.value(node.arg, self.scope)
                        activation_name = self.resolver.activation_for(argument).name
                except (ClaimError, IndexOutOfRange):
                    continue
                if activation_name == node.name:
                    continue
                if self.same(value, truth):
                    prime = "'" * node.primes
                    written = "σ" if node.name == "sigma" else node.name
                    found.append(
                        f"wrong activation{' derivative' if node.primes else ''}: the right side "
                        f"applies {written}{prime}, this layer uses {activation_name}{prime}"
                    )
                    return found
        return found

    def factors(self, lhs: Node, side: Node) -> list[str]:
        leibniz = self._lhs_leibniz(lhs)
        if leibniz is None:
            return []
        try:
            top, bottom, batch = self.resolver.leibniz_symbols(leibniz, self.scope)
        except (ClaimError, IndexOutOfRange):
            return []
        if batch or not isinstance(bottom, sp.Symbol):
            return []
        chain = self.ground.true_chain(top, bottom)
        if chain is None or len(chain.terms) != 1:
            return []
        written = _merge_numbers(product_factors(_strip(side)))
        if len(written) < 2:
            return []
        true = [(f, self.values(self.ground.without_errors(f.value))) for f in chain.factors]
        true = [(f, v) for f, v in true if v is not None and not all(close(x, 1.0) for x in v)]
        claim: list[tuple[Node, sp.Expr, list[float]]] = []
        display = Resolver(self.ground, keep_errors=True)
        for node in written:
            try:
                expr = self.resolver.value(node, self.scope)
                shown = display.value(node, self.scope)
            except (ClaimError, IndexOutOfRange):
                return []
            values = self.values(expr)
            if values is None:
                return []
            if all(close(x, 1.0) for x in values):
                continue
            claim.append((node, shown, values))
        unmatched_true = list(true)
        unmatched_claim = []
        for node, expr, values in claim:
            for index, (_, tv) in enumerate(unmatched_true):
                if all(map(close, values, tv)):  # type: ignore[arg-type]
                    del unmatched_true[index]
                    break
            else:
                unmatched_claim.append((node, expr, values))

        def p(expr: sp.Expr) -> str:
            return _short(self.printer.doprint(expr))

        found = []
        if len(unmatched_true) == 1 and len(unmatched_claim) == 1:
            factor, tv = unmatched_true[0]
            node, expr, values = unmatched_claim[0]
            should = f"{p(factor.leibniz)} = {p(factor.value)}"
            assert tv is not None
            if all(close(v, -t) for v, t in zip(values, tv, strict=True)):
                found.append(f"factor {p(expr)} has the wrong sign: it should be {should}")
            else:
                for shift in (1, -1):
                    moved = self.shifted(node, shift)
                    if moved is not None and self.same(
                        moved, self.ground.without_errors(factor.value)
                    ):
                        found.append(
                            f"layer label off by one in factor {p(expr)}: it should be {should}"
                        )
                        break
                else:
                    found.append(f"factor {p(expr)} is wrong: it should be {should}")
            return found
        for factor, _ in unmatched_true:
            found.append(f"factor {p(factor.leibniz)} = {p(factor.value)} is missing")
        for _, expr, _ in unmatched_claim:
            found.append(f"factor {p(expr)} is extra: it is not in the chain")
        return found

    def layers(self, lhs: Node, side: Node, truth: sp.Expr, claim: sp.Expr) -> list[str]:
        for shift in (1, -1):
            moved = self.shifted(side, shift)
            if moved is not None and self.same(moved, truth):
                return [
                    "layer label off by one on the right: every label shifted by "
                    f"{shift:+d} gives the true value"
                ]
            moved_lhs = self.shifted(lhs, shift)
            if moved_lhs is not None and self.same(moved_lhs, claim):
                return [
                    "layer label off by one on the left: the right side is the derivative "
                    f"one layer {'later' if shift > 0 else 'earlier'}"
                ]
        return []


def _names(node: Node) -> list[Name]:
    found = [node] if isinstance(node, Name) else []
    for child in children(node):
        if not isinstance(node, Name):
            found += _names(child)
    return found


def _funcs(node: Node) -> list[Func]:
    found = [node] if isinstance(node, Func) else []
    for child in children(node):
        found += _funcs(child)
    return found


def _name_text(name: Name) -> str:
    """A short LaTeX-like rendering of a written name, for messages."""
    text = name.base
    if name.indices:
        text += "_{" + "".join(_index_text(i) for i in name.indices) + "}"
    if name.layer is not None:
        text += "^{(" + _index_text(name.layer) + ")}"
    return text


def _index_text(node: Node) -> str:
    if isinstance(node, Name):
        return node.base
    if isinstance(node, Num):
        return node.text or str(node.value)
    if isinstance(node, Bin):
        return _index_text(node.left) + node.op + _index_text(node.right)
    if isinstance(node, Group):
        return _index_text(node.body)
    return "?"


def _sums(node: Node) -> list[BigSum]:
    found = [node] if isinstance(node, BigSum) else []
    for child in children(node):
        found += _sums(child)
    return found


def replace_node(tree: Node, old: Node, new: Node) -> Node:
    """``tree`` with the subtree ``old`` (by identity) replaced by ``new``."""
    if tree is old:
        return new
    changes: dict[str, Any] = {}
    for item in fields(tree):
        value = getattr(tree, item.name)
        if isinstance(value, Node):
            replaced = replace_node(value, old, new)
            if replaced is not value:
                changes[item.name] = replaced
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            items = tuple(replace_node(v, old, new) if isinstance(v, Node) else v for v in value)
            if any(a is not b for a, b in zip(items, value, strict=True)):
                changes[item.name] = items
    return dc_replace(tree, **changes) if changes else tree


def _short(text: str, limit: int = 160) -> str:
    """Long formulas cut in the middle, so a diagnosis stays one readable line."""
    if len(text) <= limit:
        return text
    return text[: limit // 2] + " … " + text[-limit // 2 :]


def _strip(node: Node) -> Node:
    while isinstance(node, Group):
        node = node.body
    return node


def _has_sum(node: Node) -> bool:
    if isinstance(node, BigSum):
        return True
    return any(_has_sum(child) for child in children(node))
