"""Check one claim against the true derivative: numerically at seeded points, then symbolically.

For each network (several when the claim uses widths n_l), each value of its free indices, and
each side after the first, both sides are resolved to local form and evaluated at seeded random
points (float64, relative tolerance 1e-9). A difference is a counterexample, shrunk to the simplest
values that still show it. Where every point agrees, the difference is simplified symbolically
(expand in-process, then ``simplify`` in a worker process with a time limit); the verdict says
which method decided.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from .. import naming
from ..activations import to_elementary
from ..budget import MONOTONIC, Budget, Clock
from ..derivation import tree_size
from ..errors import SymchainError
from ..network import Network
from ..nodes import Sampled
from ..printing import NotationLatexPrinter
from ..spec import NetworkSpec
from .coverage import (
    EXTRA_TRIES,
    WIDE_TRIES,
    PointSource,
    Sides,
    claim_seed,
    involved_neurons,
    involves_targets,
    kinked_preactivations,
)
from .diagnose import RELATIVE_TOLERANCE, Diagnoser, close
from .ground import BATCH_SIZE, Ground, NotEvaluable, evaluate, kink_arguments, sampled
from .matrices import ShapeMismatch, entries
from .resolve import (
    MATRIX_BASES,
    ClaimError,
    IndexOutOfRange,
    LayerOutOfRange,
    Resolver,
    Scope,
    children,
    free_indices,
    sums_over,
    uses_symbolic_widths,
    walk_names,
)
from .syntax import Equation, Leibniz, Nabla, Name, Node, parse_claim
from .vectors import GradientVector, gradient_label

MIN_USABLE = 2
POINTS_FOR_CONDITIONS = 6
SHRINK_CANDIDATES = (0.0, 1.0, -1.0, 0.5)
MAX_SHRINK_TRIALS = 400
CLEAR_DIFFERENCE = 1e-6
SYMBOLIC_NODE_LIMIT = 3000
EXPANDED_TERM_LIMIT = 5000
SIMPLIFY_SECONDS = 5.0
DEFAULT_CLAIM_BUDGET = 20.0
WIDTH_VARIANTS = (1, 2, 3)


@dataclass(frozen=True)
class Verdict:
    """The outcome for one equation, as reported (text table or JSON object)."""

    claim: str
    verdict: str
    method: str = ""
    expected: str | None = None
    counterexample: dict[str, Any] | None = None
    diagnosis: tuple[str, ...] = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None
    tried: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "verdict": self.verdict,
            "method": self.method,
            "expected": self.expected,
            "counterexample": self.counterexample,
            "diagnosis": list(self.diagnosis),
            "tried": self.tried,
        }


@dataclass
class _Failure:
    network: Network
    binding: dict[str, int]
    side: Node
    side_number: int
    truth: sp.Expr
    claim: sp.Expr
    resolver: Resolver
    message: str | None = None
    entry: str = ""


@dataclass
class _Tally:
    """What a check did: how each comparison was decided, and the points it used."""

    symbolic: int = 0
    numeric: int = 0
    unproven: list[str] = field(default_factory=list)
    points: int = 0
    patterns: int = 0
    extra: int = 0
    all_combinations: bool = True
    neurons: set[tuple[int, int]] = field(default_factory=set)

    def tried(self, comparisons: int) -> dict[str, Any]:
        """The JSON record of what was tried."""
        return {
            "comparisons": comparisons,
            "symbolic": self.symbolic,
            "numeric": self.numeric,
            "unproven": len(self.unproven),
            "points": self.points,
            "kink_patterns": self.patterns,
            "every_combination": self.all_combinations,
            "kinked_neurons": [f"{layer},{j}" for layer, j in sorted(self.neurons)],
            "extra_points": self.extra,
        }


def _where(network: Network, binding: dict[str, int], number: int, sides: int) -> str:
    parts = []
    if binding:
        parts.append(", ".join(f"{k}={v}" for k, v in binding.items()))
    if sides > 2:
        parts.append(f"link {number}")
    return f"({'; '.join(parts)}) " if parts else ""


def contains_derivative(node: Node) -> bool:
    """Whether a side is (or contains) a derivative: a Leibniz factor or δ (= ∂C_0/∂z)."""
    if isinstance(node, Leibniz) or (isinstance(node, Name) and node.base in ("δ", "Δ")):
        return True
    if isinstance(node, Nabla) and node.wrt is not None:
        return True
    return any(contains_derivative(child) for child in children(node))


DEFINED = ("z", "a", "C", "Z", "A")
_UNIT_TARGETS_RE = re.compile(r"targets?\b.*\bsums?\s+to\s+(1|one)\b|sum_j\s*y_j\s*=\s*1", re.I)


def assumes_unit_targets(note: str) -> bool:
    """Whether a claim's note states the condition "the targets sum to 1"."""
    return bool(_UNIT_TARGETS_RE.search(note))


def is_checkable(lhs: Node) -> bool:
    """A left side verify checks: a derivative, δ, ∇C, or a defined quantity (z, a, C_0, C)."""
    if isinstance(lhs, Nabla) or contains_derivative(lhs):
        return True
    return isinstance(lhs, Name) and lhs.base in DEFINED


def misplaced_sums(equation: Equation) -> list[str]:
    """A sum on the right over an index that is free on the left (the seed's third slip)."""
    lhs = equation.sides[0]
    free = free_indices(lhs)
    found = []
    for side in equation.sides[1:]:
        for letter in free:
            if sums_over(side, letter):
                written = ", ".join(
                    _name_text(n) for n in walk_names(lhs) if _mentions_letter(n, letter)
                )
                found.append(
                    f"misplaced sum: the sum over {letter} binds the index {letter} of the left "
                    f"side ({written}), so the right side no longer depends on it; "
                    f"{letter} is fixed by the left side, the sum belongs over the other neurons "
                    "(or nowhere)"
                )
    return found


def definition_of(quantity: sp.Expr, network: Network) -> sp.Expr:
    """The network's definition of a z, an a or C_0 (the quantity itself otherwise)."""
    if quantity == naming.SAMPLE_LOSS:
        return network.sample_loss()
    label = naming.label_of(quantity)
    if label is None or label.layer is None or label.j is None:
        return quantity
    if label.kind is naming.Kind.PREACTIVATION:
        return network.preactivation(label.layer, label.j)
    if label.kind is naming.Kind.ACTIVATION and label.layer > 0:
        return network.activation(label.layer, label.j)
    return quantity


def _mentions_letter(name: Name, letter: str) -> bool:
    return any(isinstance(i, Name) and i.base == letter for i in name.indices or ())


def _name_text(name: Name) -> str:
    indices = "".join(i.base if isinstance(i, Name) else "?" for i in name.indices or ())
    return f"{name.base}_{{{indices}}}"


def free_layer_letters(equation: Equation) -> list[str]:
    """Layer letters (l) used in layer labels: the claim is checked for every layer."""
    found: list[str] = []
    for side in equation.sides:
        for name in walk_names(side):
            if name.layer is not None:
                for inner in walk_names(name.layer):
                    if inner.base == "l" and inner.indices is None and "l" not in found:
                        found.append("l")
    return found


def uses_bare_labels(equation: Equation) -> bool:
    """Whether the claim writes layers as bare superscripts (Nielsen's w^2_{jk}, δ^l_j)."""
    return any(n.bare_layer for side in equation.sides for n in walk_names(side))


def claim_style(equation: Equation, default: str) -> str:
    """Relative labels when the claim writes (L), absolute when it writes numbers."""
    for name in itertools.chain.from_iterable(walk_names(side) for side in equation.sides):
        if name.layer is not None:
            return "relative" if any(n.base == "L" for n in walk_names(name.layer)) else "absolute"
    return default


def variants(network: Network) -> list[Network]:
    """The network and networks of the same depth with widths 1, 2, 3 (smallest first)."""
    depth = network.depth
    spec = network.spec
    found = {network.widths: network}
    for width in WIDTH_VARIANTS:
        widths = (width,) * (depth + 1)
        found.setdefault(widths, Network(NetworkSpec(widths, spec.activations, spec.loss)))
    mixed = tuple(2 + (i % 2) for i in range(depth + 1))
    found.setdefault(mixed, Network(NetworkSpec(mixed, spec.activations, spec.loss)))
    return sorted(found.values(), key=lambda n: (n.spec.parameter_count, n.widths))


def _symbolic_zero_local(difference: sp.Expr, network: Network) -> bool:
    """Zero as a function of independent z, w, b, x, y once every a is written σ(z)."""
    mapping: dict[sp.Basic, sp.Basic] = {}
    for atom in difference.atoms(sp.Symbol, Sampled):
        core, sample = (atom.quantity, atom.sample) if isinstance(atom, Sampled) else (atom, None)
        label = naming.label_of(core)
        if label is None or label.kind is not naming.Kind.ACTIVATION:
            continue
        assert label.layer is not None and label.j is not None
        value = network.activation(label.layer, label.j)
        mapping[atom] = value if sample is None else sampled(value, int(sample))
    expr = to_elementary(difference.xreplace(mapping))
    if tree_size(expr) > SYMBOLIC_NODE_LIMIT or expanded_terms(expr) > EXPANDED_TERM_LIMIT:
        return False  # too large to expand here, within the claim's time: the worker tries
    return bool(sp.expand(expr) == 0)


def expanded_terms(expr: sp.Basic) -> int:
    """An upper bound on the terms ``expand`` would produce (a node budget, computed cheaply)."""
    memo: dict[sp.Basic, int] = {}

    def terms(node: sp.Basic) -> int:
        if node in memo:
            return memo[node]
        if isinstance(node, sp.Add):
            count = sum(terms(arg) for arg in node.args)
        elif isinstance(node, sp.Mul):
            count = 1
            for arg in node.args:
                count = min(count * terms(arg), EXPANDED_TERM_LIMIT + 1)
        elif isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp > 0:
            count = min(terms(node.base) ** min(int(node.exp), 64), EXPANDED_TERM_LIMIT + 1)
        else:
            count = 1
        memo[node] = min(count, EXPANDED_TERM_LIMIT + 1)
        return memo[node]

    return terms(expr)


def _composed(difference: sp.Expr, network: Network) -> sp.Expr:
    """The difference in inputs, parameters and targets (z and a composed), for one sample."""
    if difference.atoms(Sampled):
        return difference
    return to_elementary(difference).xreplace(network.forward)


def _simplify_worker(expr: sp.Expr, queue: Any) -> None:
    queue.put(bool(sp.simplify(expr) == 0))


def _worker_context() -> Any:
    """A forkserver context: workers fork from a clean server process, never from this one,
    which may run threads (JAX, BLAS) that a plain fork would copy in a locked state."""
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # pragma: no cover - platforms without forkserver
        return None
    context.set_forkserver_preload(["symchain.verify.check"])
    return context


def _simplify_zero(expr: sp.Expr, seconds: float) -> bool | None:
    """``simplify(expr) == 0`` in a worker process; None when it runs past ``seconds``.

    The worker is ended however this returns, an interrupt (Ctrl-C) included."""
    if seconds <= 0.05:
        return None
    context = _worker_context()
    if context is None:  # pragma: no cover - platforms without forkserver
        return None
    queue = context.Queue()
    worker = context.Process(target=_simplify_worker, args=(to_elementary(expr), queue))
    worker.start()
    try:
        worker.join(seconds)
        if worker.is_alive():
            return None
        return bool(queue.get()) if not queue.empty() else None
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        queue.close()


class Checker:
    """Checks equations against one network (and its variants where widths are symbolic)."""

    def __init__(
        self,
        network: Network,
        notation: str = "relative",
        budget: float = DEFAULT_CLAIM_BUDGET,
        clock: Clock = MONOTONIC,
        symbolic: bool = True,
        numbering: str = "auto",
        index_base: int = 0,
    ) -> None:
        """``numbering``: how bare layer superscripts (w^2, δ^l) count: ``nielsen`` (inputs are
        layer 1, C is one sample's cost), ``seed`` (inputs are layer 0) or ``auto`` (Nielsen's
        when the claim writes bare superscripts). ``index_base``: 1 when neuron and sample
        subscripts start at 1. ``clock`` and ``symbolic`` (try a proof first) are for tests."""
        self.numbering = numbering
        self.index_base = index_base
        self._scope_base = Scope(index_base=index_base)
        self._layers_note = ""
        self.symbolic = symbolic
        self.network = network
        self.notation = notation
        self.budget = budget
        self.clock = clock
        self._worker_failed = False
        self._grounds: dict[tuple[int, ...], Ground] = {}

    def ground(self, network: Network) -> Ground:
        key = network.widths
        if key not in self._grounds:
            self._grounds[key] = Ground(network)
        return self._grounds[key]

    def check_text(self, text: str, file: str | None = None, line: int | None = None) -> Verdict:
        """Parse and check one claim; parse and resolution problems become an ``error`` verdict."""
        try:
            equation = parse_claim(text)
        except SymchainError as error:
            return Verdict(text.strip(), "error", diagnosis=(error.message,), file=file, line=line)
        return self.check(equation, file, line)

    def check(
        self, equation: Equation, file: str | None = None, line: int | None = None
    ) -> Verdict:
        claim = equation.text
        if not is_checkable(equation.sides[0]):
            return Verdict(
                claim,
                "skipped",
                diagnosis=("nothing to check on the left side (a derivative, δ, z, a, C or ∇C)",),
                file=file,
                line=line,
            )
        try:
            lhs = equation.sides[0]
            if isinstance(lhs, Nabla) and lhs.wrt is None:
                return self._check_gradient(equation, file, line)
            verdict = self._check(equation, file, line)
            misplaced = misplaced_sums(equation)
            if misplaced and verdict.verdict != "fails":
                # Equal on these widths (a sum of one term), wrong as written.
                return Verdict(
                    claim, "fails", "structure", None, None, tuple(misplaced), file, line
                )
            return verdict
        except ShapeMismatch as error:
            return Verdict(
                claim, "fails", "shapes", diagnosis=(error.message,), file=file, line=line
            )
        except SymchainError as error:
            return Verdict(claim, "error", diagnosis=(error.message,), file=file, line=line)
        except RecursionError:
            return Verdict(
                claim, "error", diagnosis=("claim is nested too deeply",), file=file, line=line
            )
        except (TypeError, ValueError, ArithmeticError, AttributeError) as error:
            # SymPy refused an expression the grammar allows (e.g. a derivative inside σ): say so
            # in one line rather than fail the whole report.
            message = f"cannot check this claim: {type(error).__name__}: {error}".splitlines()[0]
            return Verdict(claim, "error", diagnosis=(message,), file=file, line=line)

    def _budget(self) -> Budget:
        """This claim's time budget (``--timeout`` seconds on the checker's clock)."""
        return Budget(
            self.budget,
            what="checking the claim",
            hint="raise --timeout or use a smaller network",
            clock=self.clock,
        )

    def _check(self, equation: Equation, file: str | None, line: int | None) -> Verdict:
        budget = self._budget()
        self._worker_failed = False
        style = claim_style(equation, self.notation)
        symbolic_widths = any(uses_symbolic_widths(side) for side in equation.sides)
        networks = variants(self.network) if symbolic_widths else [self.network]
        letters: list[str] = []
        for side in equation.sides:
            letters += [x for x in free_indices(side) if x not in letters]
        layer_letters = free_layer_letters(equation)
        self._scope_base = Scope(
            nielsen=self.numbering == "nielsen"
            or (self.numbering == "auto" and uses_bare_labels(equation)),
            index_base=self.index_base,
            batch_form=any(
                n.base in MATRIX_BASES and n.base != "W"
                for side in equation.sides
                for n in walk_names(side)
            ),
        )
        tally = _Tally()
        checked = 0
        seed = claim_seed(equation.text)
        unit_targets = assumes_unit_targets(equation.note)
        layers_checked: dict[str, set[int]] = {letter: set() for letter in layer_letters}
        for network in networks:
            ground = self.ground(network)
            source = PointSource(ground, seed, BATCH_SIZE, unit_targets)
            any_binding = False
            ranges = [range(self.index_base, max(network.widths) + self.index_base)] * len(
                letters
            ) + [range(0, network.depth + 2)] * len(layer_letters)
            for values in itertools.product(*ranges):
                budget.check()
                binding = dict(zip(letters + layer_letters, values, strict=True))
                scope = self._scope(binding)
                resolver = Resolver(ground, budget)
                try:
                    truth = resolver.value(equation.sides[0], scope)
                except IndexOutOfRange:
                    continue
                except LayerOutOfRange:
                    if layer_letters:
                        continue  # no such layer for this value of l
                    raise
                sides: list[sp.Expr] = []
                try:
                    for side in equation.sides[1:]:
                        sides.append(resolver.value(side, scope))
                except LayerOutOfRange:
                    if layer_letters:
                        continue  # the right side needs a layer l+1 (or l-1) that is not there
                    raise
                except IndexOutOfRange as error:
                    failure = _Failure(
                        network,
                        binding,
                        equation.sides[len(sides) + 1],
                        len(sides) + 1,
                        truth,
                        sp.S.Zero,
                        resolver,
                        f"an index is out of range on the right: {error}",
                    )
                    return self._failed(equation, failure, source.base, style, file, line)
                any_binding = True
                for letter in layer_letters:
                    layers_checked[letter].add(binding[letter])
                for number, (side, whole) in enumerate(
                    zip(equation.sides[1:], sides, strict=True), start=1
                ):
                    try:
                        pairs = entries(truth, whole)
                    except ShapeMismatch as error:
                        prefix = "" if len(sides) == 1 else f"link {number}: "
                        raise ShapeMismatch(prefix + error.message) from None
                    for label, true_entry, claim in pairs:
                        checked += 1
                        where = label + _where(network, binding, number, len(equation.sides))
                        points = self._compare(
                            true_entry, claim, source, network, budget, tally, where
                        )
                        if points is not None:
                            failure = _Failure(
                                network, binding, side, number, true_entry, claim, resolver
                            )
                            failure.entry = label.strip()
                            return self._failed(equation, failure, points, style, file, line)
            if not any_binding:
                what = f"layer {', '.join(layer_letters)} or " if layer_letters else ""
                raise ClaimError(
                    f"the claim names no quantity of the {'-'.join(map(str, network.widths))}"
                    f" network for any {what}index value"
                )
        self._layers_note = "".join(
            f" for {letter} = {', '.join(map(str, sorted(values)))}"
            for letter, values in layers_checked.items()
        )
        tried = tally.tried(checked)
        if tally.unproven:
            return Verdict(
                equation.text,
                "unproven",
                method="none: " + tally.unproven[0],
                diagnosis=tuple(tally.unproven[:3]),
                file=file,
                line=line,
                tried=tried,
            )
        method = self._method_text(tally, networks, symbolic_widths) + self._layers_note
        return Verdict(equation.text, "holds", method=method, file=file, line=line, tried=tried)

    def _compare(
        self,
        truth: sp.Expr,
        claim: sp.Expr,
        source: PointSource,
        network: Network,
        budget: Budget,
        tally: _Tally,
        where: str,
    ) -> list[dict[sp.Basic, float]] | None:
        """None when the sides agree (proven, or numerically with every kink covered, or noted
        as unproven in ``tally``); otherwise the points, a disagreeing one among them."""
        neurons = involved_neurons(network, [truth, claim])
        patterned, patterns, complete = source.patterned(neurons)
        points = source.base + patterned
        kinks = kink_arguments([truth, claim])
        kinks |= {network.z(layer, j) for layer, j in neurons}
        kinks |= kinked_preactivations(network, [truth, claim])
        sides = Sides()
        usable = 0
        for point in points:
            try:
                t, c = evaluate(truth, point), evaluate(claim, point)
            except NotEvaluable:
                continue
            usable += 1
            if not close(t, c):
                return points
            sides.record(kinks, point)
        tally.points = max(tally.points, len(points))
        tally.patterns = max(tally.patterns, patterns)
        tally.all_combinations = tally.all_combinations and complete
        tally.neurons |= set(neurons)
        # Points on the far side of every kink first (cheap; a counterexample there spares the
        # proof), then the proof; without one, "holds" needs every kink seen on both sides.
        missing = sides.missing(kinks)
        # A kink of the loss (Huber's |a - y| < 1) is reached by moving the targets: draw them
        # wide, and keep drawing a while, so that every band between thresholds is visited.
        wide = bool(missing) and involves_targets(network, missing)
        tries = 0
        while (missing or (wide and tries < WIDE_TRIES)) and tries < EXTRA_TRIES:
            try:
                point = source.extra(tries, neurons, wide)
                t, c = evaluate(truth, point), evaluate(claim, point)
            except NotEvaluable:
                tries += 1
                continue
            tries += 1
            usable += 1
            points = [*points, point]
            if not close(t, c):
                return points
            sides.record(kinks, point)
            missing = sides.missing(kinks)
        tally.extra = max(tally.extra, tries)
        if self.symbolic and self._proven(truth - claim, network, budget):
            tally.symbolic += 1
            return None
        if usable < MIN_USABLE:
            tally.unproven.append(
                f"{where}the sides could be evaluated at only {usable} of {len(points)} test "
                "points (a log of a number ≤ 0, an overflow?), too few to decide"
            )
        elif missing:
            printer = NotationLatexPrinter({"notation": naming.Notation(network.widths)})
            shown = ", ".join(printer.doprint(m) for m in missing[:4])
            tally.unproven.append(
                f"{where}no symbolic proof, and the test points never put {shown} on both sides "
                f"of its kink ({usable} points tried)"
            )
        else:
            tally.numeric += 1
        return None

    def _scope(self, indices: dict[str, int]) -> Scope:
        return replace(self._scope_base, indices=dict(indices))

    def _check_gradient(self, equation: Equation, file: str | None, line: int | None) -> Verdict:
        """∇C = [...]: the entries against the network's parameters, then formulas by value."""
        nabla = equation.sides[0]
        assert isinstance(nabla, Nabla)
        if nabla.wrt is not None:
            raise ClaimError("\\nabla_a C belongs to the matrix form: write it in BP1")
        ground = self.ground(self.network)
        printer = gradient_label(self.network, claim_style(equation, self.notation))
        reader = GradientVector(ground, printer)
        budget = self._budget()
        self._worker_failed = False
        tally = _Tally()
        source = PointSource(ground, claim_seed(equation.text), BATCH_SIZE)
        for side in equation.sides[1:]:
            report = reader.report(nabla, side)
            if report.problems:
                return Verdict(
                    equation.text,
                    "fails",
                    "structure",
                    report.expected,
                    None,
                    report.problems,
                    file,
                    line,
                )
            for entry, parameter in report.formulas:
                value = ground.partial(naming.SAMPLE_LOSS, parameter)
                if nabla.loss.indices is None:
                    value = sp.Add(*(sampled(value, s) for s in range(BATCH_SIZE))) / BATCH_SIZE
                claim = Resolver(ground, budget).value(entry.node, Scope())
                where = f"(entry {entry.number}) "
                points = self._compare(value, claim, source, self.network, budget, tally, where)
                if points is not None:
                    should = reader.name(parameter, "C" if nabla.loss.indices is None else "C_0")
                    return Verdict(
                        equation.text,
                        "fails",
                        f"numeric (float64, relative tolerance {RELATIVE_TOLERANCE:g})",
                        report.expected,
                        None,
                        (f"entry {entry.number} is wrong: it should be {should}",),
                        file,
                        line,
                    )
        tried = tally.tried(len(equation.sides) - 1)
        if tally.unproven:
            return Verdict(
                equation.text,
                "unproven",
                "none: " + tally.unproven[0],
                diagnosis=tuple(tally.unproven[:3]),
                file=file,
                line=line,
                tried=tried,
            )
        return Verdict(
            equation.text,
            "holds",
            f"structure ({len(self.network.parameters)} entries, in order)",
            file=file,
            line=line,
            tried=tried,
        )

    def _proven(self, difference: sp.Expr, network: Network, budget: Budget) -> bool:
        if difference == 0 or _symbolic_zero_local(difference, network):
            return True
        if (
            _composed(difference.xreplace({naming.SAMPLE_LOSS: network.sample_loss()}), network)
            == 0
        ):
            return True  # a definition: both sides are the same forward pass
        if self._worker_failed:
            return False  # simplify already failed on this claim: the numbers decide
        remaining = min(budget.remaining(), SIMPLIFY_SECONDS)
        proven = bool(_simplify_zero(_composed(difference, network), remaining))
        self._worker_failed = not proven
        return proven

    def _method_text(self, tally: _Tally, networks: list[Network], symbolic: bool) -> str:
        where = ""
        if symbolic:
            where = " on networks " + ", ".join("-".join(map(str, n.widths)) for n in networks)
        if tally.numeric == 0:
            return "symbolic" + where
        kinks = ""
        if tally.neurons:
            extent = "every combination" if tally.all_combinations else "a covering sample"
            kinks = (
                f"; {len(tally.neurons)} kinked neurons on both sides, {extent} of sides "
                f"({tally.patterns} patterns)"
            )
        return (
            f"numeric ({tally.points} seeded points, float64, relative tolerance "
            f"{RELATIVE_TOLERANCE:g}{kinks}){where}"
        )

    # Failures ---------------------------------------------------------------------------------
    def _failed(
        self,
        equation: Equation,
        failure: _Failure,
        points: list[dict[sp.Basic, float]],
        style: str,
        file: str | None,
        line: int | None,
    ) -> Verdict:
        network = failure.network
        ground = failure.resolver.ground
        printer = NotationLatexPrinter({"notation": naming.Notation(network.widths, style)})
        expected = self._expected(equation.sides[0], failure, printer)
        if failure.message is not None:
            return Verdict(
                equation.text,
                "fails",
                "resolution",
                expected,
                None,
                (failure.message,),
                file,
                line,
            )
        counterexample = self._counterexample(failure, points, printer)
        scope = self._scope(failure.binding)
        diagnoser = Diagnoser(failure.resolver, scope, points, printer)
        diagnosis = diagnoser.diagnose(
            equation.sides[0], failure.side, failure.truth, failure.claim
        )
        if self._holds_for_unit_targets(failure):
            diagnosis.insert(
                0,
                "holds only when the targets sum to 1 (Σ_j y_j = 1, as for one-hot labels): "
                "state that condition (\\text{when the targets sum to 1}) or write the general "
                "form",
            )
        if len(equation.sides) > 2:
            diagnosis.insert(0, f"link {failure.side_number} of the chained equality fails")
        if not diagnosis:
            lhs = equation.sides[0]
            what = "definition" if isinstance(lhs, Name) and lhs.base in DEFINED else "derivative"
            diagnosis = [f"the right side differs from the true {what} (see expected)"]
        del ground
        method = f"numeric (float64, relative tolerance {RELATIVE_TOLERANCE:g})"
        return Verdict(
            equation.text, "fails", method, expected, counterexample, tuple(diagnosis), file, line
        )

    def _holds_for_unit_targets(self, failure: _Failure) -> bool:
        """Whether the two sides agree once every sample's targets sum to 1."""
        if failure.message is not None or len(failure.network.targets) < 2:
            return False
        ground = failure.resolver.ground
        agreed = 0
        for seed in range(POINTS_FOR_CONDITIONS):
            try:
                point = ground.point(seed, BATCH_SIZE, None, unit_targets=True)
                t, c = evaluate(failure.truth, point), evaluate(failure.claim, point)
            except NotEvaluable:
                continue
            if not close(t, c):
                return False
            agreed += 1
        return agreed >= MIN_USABLE

    def _expected(self, lhs: Node, failure: _Failure, printer: NotationLatexPrinter) -> str:
        resolver = failure.resolver
        ground = resolver.ground
        scope = self._scope(failure.binding)
        if failure.entry:  # one entry of a matrix
            return printer.doprint(failure.truth)
        if isinstance(lhs, Name) and lhs.base in DEFINED:
            return printer.doprint(definition_of(failure.truth, failure.network))
        if isinstance(lhs, Leibniz):
            try:
                top, bottom, batch = resolver.leibniz_symbols(lhs, scope)
            except (ClaimError, IndexOutOfRange):
                return printer.doprint(failure.truth)
            if batch:
                gradient = ground.derivation[bottom]
                values = [v for v in gradient.sampled_factors() if v != 1] or [sp.S.One]
                return printer.batch_mean(printer.product(values), bracketed=len(values) > 1)
            if isinstance(bottom, sp.Symbol) and isinstance(top, sp.Symbol):
                chain = ground.true_chain(top, bottom)
                if chain is not None:
                    products = [
                        printer.product([f.value for f in term if f.value != 1] or [sp.S.One])
                        for term in chain.terms
                    ]
                    return " + ".join(products)
        return printer.doprint(failure.truth)

    def _counterexample(
        self,
        failure: _Failure,
        points: list[dict[sp.Basic, float]],
        printer: NotationLatexPrinter,
    ) -> dict[str, Any]:
        ground = failure.resolver.ground
        network = failure.network
        samples = BATCH_SIZE if failure.resolver.uses_batch else 1
        start = None
        for point in points:
            try:
                t, c = evaluate(failure.truth, point), evaluate(failure.claim, point)
            except NotEvaluable:
                continue
            if not close(t, c):
                start = point
                break
        assert start is not None
        leaves = list(network.parameters)
        for s in range(samples):
            for symbol in (*network.inputs, *network.targets):
                leaves.append(symbol if s == 0 else Sampled(symbol, sp.Integer(s)))
        base = {leaf: start[leaf] for leaf in leaves}

        def differs(candidate: dict[sp.Basic, float]) -> tuple[float, float] | None:
            try:
                full = ground.complete(candidate, BATCH_SIZE if samples > 1 else 1)
                t, c = evaluate(failure.truth, full), evaluate(failure.claim, full)
            except NotEvaluable:
                return None
            if abs(t - c) > CLEAR_DIFFERENCE * max(1.0, abs(t), abs(c)):
                return (t, c)
            return None

        if samples == 1:
            # Other samples do not matter: keep them as they are for complete().
            base = {**{k: v for k, v in start.items() if isinstance(k, Sampled)}, **base}
        found = differs(base)
        # All leaves at once first, then one at a time (a bounded number of trials).
        for candidate in SHRINK_CANDIDATES:
            trial = {**base, **{leaf: candidate for leaf in leaves}}
            result = differs(trial)
            if result is not None:
                base, found = trial, result
                break
        trials = 0
        for leaf in leaves:
            for candidate in SHRINK_CANDIDATES:
                if base[leaf] == candidate or trials >= MAX_SHRINK_TRIALS:
                    break
                trials += 1
                trial = {**base, leaf: candidate}
                result = differs(trial)
                if result is not None:
                    base, found = trial, result
                    break
        if found is None:  # pragma: no cover - the start point differs by construction
            found = (evaluate(failure.truth, start), evaluate(failure.claim, start))
        values = {printer.doprint(leaf): _number(base[leaf]) for leaf in leaves}
        report: dict[str, Any] = {
            "network": "-".join(map(str, network.widths)),
            "values": values,
            "left": _number(found[0]),
            "right": _number(found[1]),
        }
        if failure.binding:
            report["indices"] = dict(failure.binding)
        if failure.entry:
            report["entry"] = failure.entry.removeprefix("entry ")
        if samples > 1:
            report["batch size n"] = BATCH_SIZE
        return report


def _number(value: float) -> float:
    return float(f"{value:.12g}")


def check_claim(text: str, network: Network | None = None, notation: str = "relative") -> Verdict:
    """Check one claim on ``network`` (default: the seed's 1-1-1-1 chain)."""
    return Checker(network or Network.from_widths()).check_text(text)
