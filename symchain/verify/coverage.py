"""Test points that cover every branch of every kink on a claim's path (ReLU, Max, |x|, ...).

Two sides that agree at a few random points may still differ on a branch no point reached (a
ReLU neuron that was negative every time). The points here are drawn per claim (seeded by its
text), spread in sign and scale, and for every neuron whose activation has a kink and whose z or
a appears on the claim's path, sample 0's z is put on each side of 0 by choosing the biases: every
combination of sides when there are at most :data:`MAX_PATTERNS` of them, otherwise all positive,
all negative and random combinations up to that cap. A numeric "holds" then also needs every kink
argument (a z, or anything under Max, Heaviside, |.|, Piecewise) to have been seen on both sides.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass, field

import sympy as sp

from .. import naming
from ..network import Network
from ..nodes import Sampled
from .ground import Ground, NotEvaluable, evaluate, has_kink, kink_arguments

# Random points per claim (before the kink patterns), combinations of kink sides, extra tries.
POINTS = 6
MAX_PATTERNS = 32
EXTRA_TRIES = 24
# Extra points at least, when a kink depends on the targets (Huber's |a - y| < 1): the targets
# are then drawn wide, and every band between several thresholds should be reached.
WIDE_TRIES = 16
# Draws per point when the loss is undefined at a draw (binary cross-entropy of a tanh output).
RETRIES = 8
# A kink argument this close to 0 counts for neither side.
SIDE_MARGIN = 1e-9


def claim_seed(text: str) -> int:
    """A seed drawn from the claim's text, the same on every run."""
    return zlib.crc32(text.encode("utf-8"))


def _neuron_of(atom: sp.Basic) -> tuple[int, int] | None:
    core = atom.quantity if isinstance(atom, Sampled) else atom
    label = naming.label_of(core)
    if label is None or label.layer is None or label.j is None:
        return None
    if label.kind not in (naming.Kind.PREACTIVATION, naming.Kind.ACTIVATION):
        return None
    return (label.layer, label.j)


def kinked_layers(network: Network) -> frozenset[int]:
    """Layers whose (elementwise) activation has a kink."""
    probe = sp.Symbol("probe", real=True)
    found = set()
    for layer in range(1, network.depth + 1):
        activation = network.activation_of(layer)
        if activation.elementwise and has_kink(activation.apply(probe)):
            found.add(layer)
    return frozenset(found)


def involved_neurons(network: Network, expressions: list[sp.Expr]) -> tuple[tuple[int, int], ...]:
    """Neurons of kinked layers whose z or a is on the path, and neurons under a kink."""
    layers = kinked_layers(network)
    found: set[tuple[int, int]] = set()
    for expr in expressions:
        for atom in expr.atoms(sp.Symbol, Sampled):
            neuron = _neuron_of(atom)
            if neuron is not None and neuron[0] in layers:
                found.add(neuron)
    for argument in kink_arguments(expressions):
        for atom in argument.atoms(sp.Symbol, Sampled):
            neuron = _neuron_of(atom)
            if neuron is not None and neuron[0] >= 1:
                found.add(neuron)
    return tuple(sorted(found))


def kinked_preactivations(network: Network, expressions: list[sp.Expr]) -> set[sp.Expr]:
    """The z (per sample) of every neuron of a kinked layer whose z or a is on the path: each
    must be seen on both sides of 0 before the numbers alone may say "holds"."""
    layers = kinked_layers(network)
    found: set[sp.Expr] = set()
    for expr in expressions:
        for atom in expr.atoms(sp.Symbol, Sampled):
            neuron = _neuron_of(atom)
            if neuron is None or neuron[0] not in layers:
                continue
            z = network.z(*neuron)
            found.add(Sampled(z, atom.sample) if isinstance(atom, Sampled) else z)
    return found


def involves_targets(network: Network, expressions: list[sp.Expr]) -> bool:
    """Whether any of ``expressions`` depends on a target y_j (of any sample)."""
    targets = set(network.targets)
    for expr in expressions:
        for atom in expr.atoms(sp.Symbol, Sampled):
            if (atom.quantity if isinstance(atom, Sampled) else atom) in targets:
                return True
    return False


def sign_patterns(
    neurons: tuple[tuple[int, int], ...], seed: int
) -> tuple[list[dict[tuple[int, int], int]], bool]:
    """Sides (+1/-1) per neuron: all combinations up to the cap (True), else a covering sample."""
    if not neurons:
        return [], True
    if 2 ** len(neurons) <= MAX_PATTERNS:
        combos = itertools.product((1, -1), repeat=len(neurons))
        return [dict(zip(neurons, combo, strict=True)) for combo in combos], True
    rng = random.Random(seed)
    patterns = [dict.fromkeys(neurons, 1), dict.fromkeys(neurons, -1)]
    while len(patterns) < MAX_PATTERNS:
        patterns.append({neuron: rng.choice((1, -1)) for neuron in neurons})
    return patterns, False


@dataclass
class Sides:
    """Which sides of 0 each kink argument was seen on."""

    seen: dict[sp.Expr, set[int]] = field(default_factory=dict)

    def record(self, arguments: set[sp.Expr], point: dict[sp.Basic, float]) -> None:
        for argument in arguments:
            try:
                value = evaluate(argument, point)
            except NotEvaluable:
                continue
            if abs(value) > SIDE_MARGIN:
                self.seen.setdefault(argument, set()).add(1 if value > 0 else -1)

    def missing(self, arguments: set[sp.Expr]) -> list[sp.Expr]:
        """Kink arguments not yet seen on both sides, in a fixed order."""
        return sorted(
            (a for a in arguments if len(self.seen.get(a, set())) < 2), key=sp.default_sort_key
        )


class PointSource:
    """The points for one claim on one network: random ones, then kink patterns (cached)."""

    def __init__(self, ground: Ground, seed: int, samples: int, unit_targets: bool = False) -> None:
        self.ground = ground
        self.seed = seed
        self.samples = samples
        self.unit_targets = unit_targets
        self.base: list[dict[sp.Basic, float]] = []
        for number in range(POINTS * RETRIES):
            if len(self.base) == POINTS:
                break
            try:
                self.base.append(ground.point(seed + number, samples, None, unit_targets))
            except NotEvaluable:  # the loss is undefined there (ln of a ≤ 0): draw again
                continue
        self._patterns: dict[tuple[tuple[int, int], ...], tuple[list[dict[sp.Basic, float]], bool]]
        self._patterns = {}

    def patterned(
        self, neurons: tuple[tuple[int, int], ...]
    ) -> tuple[list[dict[sp.Basic, float]], int, bool]:
        """Points with sample 0's z of ``neurons`` on every combination of sides (up to the cap):
        (points, number of patterns, whether every combination was tried)."""
        if neurons not in self._patterns:
            patterns, complete = sign_patterns(neurons, self.seed)
            points = []
            for number, signs in enumerate(patterns):
                for attempt in range(RETRIES):
                    try:
                        seed = self.seed + 7919 * (number + 1) + 31 * attempt
                        point = self.ground.point(seed, self.samples, signs, self.unit_targets)
                    except NotEvaluable:
                        continue
                    points.append(point)
                    break
            self._patterns[neurons] = (points, complete)
        points, complete = self._patterns[neurons]
        return points, len(points), complete

    def extra(
        self, number: int, neurons: tuple[tuple[int, int], ...], wide_targets: bool = False
    ) -> dict[sp.Basic, float]:
        """One more random point (random sides for ``neurons``), for kinks still uncovered;
        ``wide_targets`` spreads the targets (unless they must sum to 1)."""
        rng = random.Random(self.seed * 31 + number)
        signs = {neuron: rng.choice((1, -1)) for neuron in neurons}
        seed = self.seed + 104729 * (number + 1)
        wide = wide_targets and not self.unit_targets
        return self.ground.point(seed, self.samples, signs, self.unit_targets, wide)
