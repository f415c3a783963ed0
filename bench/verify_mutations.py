"""Counts for verify's soundness: true claims from random derivations, and single mutations.

Not a test and not a timing: it prints how many claims were tried, how many held, how many
mutations really changed the mathematics and how many of those verify caught (never "holds").

    PYTHONPATH=. python bench/verify_mutations.py [--networks 40]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from verify_claims import MUTATIONS, mutate, really_differs, true_claim  # noqa: E402

from symchain.network import Network  # noqa: E402
from symchain.verify import Checker, parse_claim  # noqa: E402

ACTIVATIONS = ("relu", "relu", "sigmoid", "tanh", "linear", "softplus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(2026)
    counts: Counter[str] = Counter()
    for _ in range(args.networks):
        depth = rng.randint(1, 3)
        widths = tuple(rng.randint(1, 2) for _ in range(depth + 1))
        activations = tuple(rng.choice(ACTIVATIONS) for _ in range(depth))
        loss = rng.choice(("squared_error", "half_squared_error"))
        network = Network.from_widths(widths, activations, loss)
        checker = Checker(network)
        for parameter in network.parameters:
            text = true_claim(network, parameter)
            counts["true claims tried"] += 1
            counts[f"true claims: {checker.check_text(text).verdict}"] += 1
            equation = parse_claim(text)
            for kind in MUTATIONS:
                mutant = mutate(equation, kind, rng)
                if mutant is None:
                    continue
                counts["mutations tried"] += 1
                if not really_differs(network, mutant):
                    counts["mutations equal to the original (not counted)"] += 1
                    continue
                counts["mutations that change the value"] += 1
                verdict = checker.check(mutant).verdict
                counts[f"mutations: {verdict}"] += 1
    print("| count | value |\n|---|---|")
    for key in sorted(counts):
        print(f"| {key} | {counts[key]} |")


if __name__ == "__main__":
    main()
