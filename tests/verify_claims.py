"""Claims built from a derivation, and single mutations of them, for verify's property tests."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import sympy as sp

from symchain import naming
from symchain.network import Network
from symchain.printing import NotationLatexPrinter
from symchain.verify.diagnose import replace_node
from symchain.verify.ground import Ground, NotEvaluable, evaluate
from symchain.verify.resolve import ClaimError, IndexOutOfRange, Resolver, Scope, children
from symchain.verify.syntax import Bin, Equation, Group, Name, Neg, Node, Num, parse_claim

MUTATIONS = ("drop factor", "swap indices", "shift label", "sign", "times 2")


def true_claim(network: Network, parameter: sp.Symbol, style: str = "relative") -> str:
    """∂C_0/∂θ = the derivation's chain for θ, in LaTeX."""
    printer = NotationLatexPrinter({"notation": naming.Notation(network.widths, style)})
    chain = Ground(network).derivation[parameter].chain
    products = [
        printer.product([f.value for f in term if f.value != 1] or [sp.S.One])
        for term in chain.terms
    ]
    return f"\\frac{{\\partial C_0}}{{\\partial {printer.doprint(parameter)}}} = " + " + ".join(
        products
    )


def _product_factors(node: Node) -> list[Node]:
    if isinstance(node, Bin) and node.op == "*":
        return _product_factors(node.left) + _product_factors(node.right)
    return [node]


def _nodes(node: Node) -> list[Node]:
    found = [node]
    for child in children(node):
        found += _nodes(child)
    return found


def _replace(tree: Node, old: Node, new: Node) -> Node:
    return replace_node(tree, old, new)


def _drop(tree: Node, factor: Node) -> Node | None:
    """``tree`` with one factor of a product removed."""
    for node in _nodes(tree):
        if isinstance(node, Bin) and node.op == "*":
            if node.left is factor:
                return _replace(tree, node, node.right)
            if node.right is factor:
                return _replace(tree, node, node.left)
    return None


def mutate(equation: Equation, kind: str, rng: random.Random) -> Equation | None:
    """One mutation of the right side, or None when the claim has nothing to mutate."""
    rhs = equation.sides[1]
    new: Node | None = None
    if kind == "sign":
        new = Neg(Group("paren", rhs))
    elif kind == "times 2":
        new = Bin("*", Num(Fraction(2), "2"), Group("paren", rhs))
    elif kind == "drop factor":
        products = [n for n in _nodes(rhs) if isinstance(n, Bin) and n.op == "*"]
        if not products:
            return None
        factors = _product_factors(rng.choice(products))
        new = _drop(rhs, rng.choice(factors))
    elif kind == "swap indices":
        names = [
            n for n in _nodes(rhs) if isinstance(n, Name) and n.indices and len(n.indices) == 2
        ]
        if not names:
            return None
        name = rng.choice(names)
        assert name.indices is not None
        new = _replace(rhs, name, replace(name, indices=tuple(reversed(name.indices))))
    elif kind == "shift label":
        names = [n for n in _nodes(rhs) if isinstance(n, Name) and n.layer is not None]
        if not names:
            return None
        name = rng.choice(names)
        assert name.layer is not None
        op = rng.choice(("+", "-"))
        new = _replace(rhs, name, replace(name, layer=Bin(op, name.layer, Num(Fraction(1), "1"))))
    if new is None:
        return None
    return Equation((equation.sides[0], new), f"{equation.text} [{kind}]")


def really_differs(network: Network, equation: Equation, tries: int = 200, seed: int = 0) -> bool:
    """An independent look: do the sides differ at any of many random points whose neurons are
    put on random sides of 0 (so every kink is crossed)?  Unresolvable claims count as different
    (the checker must not say they hold either)."""
    ground = Ground(network)
    resolver = Resolver(ground)
    try:
        left = resolver.value(equation.sides[0], Scope())
        right = resolver.value(equation.sides[1], Scope())
    except (ClaimError, IndexOutOfRange):
        return True
    rng = random.Random(seed)
    neurons = [
        (layer, j) for layer in range(1, network.depth + 1) for j in range(network.widths[layer])
    ]
    for number in range(tries):
        signs = {neuron: rng.choice((1, -1)) for neuron in neurons}
        try:
            point = ground.point(10_000 + number, 3, signs)
            a, b = evaluate(left, point), evaluate(right, point)
        except NotEvaluable:
            continue
        if abs(a - b) > 1e-7 * max(1.0, abs(a), abs(b)):
            return True
    return False


def parsed(text: str) -> Equation:
    return parse_claim(text)
