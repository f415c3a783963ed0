"""Derivation time: symchain's error-term deriver vs sympy.diff of the composed loss (medians).

Run: ``python bench/bench_derive.py``. Prints, per network, the median time to derive every
parameter's chain (factors included), the time per parameter, and, for networks where it is
affordable, the median of differentiating the fully composed loss once per parameter with
``sympy.diff`` (the naive baseline) and the ratio, all measured in this one run.
"""

from __future__ import annotations

import statistics
import sys
import time

import sympy as sp

from symchain import Network, derive

NETWORKS = [
    ((1, 1, 1, 1), True),
    ((2, 3, 2), True),
    ((4, 8, 8, 2), True),
    ((16, 16, 16, 16, 16), False),
    ((32, 64, 64, 16), False),
    ((64, 128, 128, 32), False),
]


def median_seconds(action: object, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def naive(network: Network) -> None:
    loss = network.composed_loss()
    for parameter in network.parameters:
        sp.diff(loss, parameter)


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"{'network':>20} {'params':>7} {'symchain s':>11} {'µs/param':>9} "
          f"{'sympy.diff s':>13} {'ratio':>7}")
    for widths, with_naive in NETWORKS:
        if quick and len(Network.from_widths(widths).parameters) > 10_000:
            continue
        network = Network.from_widths(widths)
        count = len(network.parameters)
        repeats = 5 if count < 2000 else 3
        ours = median_seconds(lambda n=network: derive(n), repeats)
        line = (f"{'-'.join(map(str, widths)):>20} {count:>7} {ours:>11.3f} "
                f"{ours / count * 1e6:>9.1f}")
        if with_naive:
            theirs = median_seconds(lambda n=network: naive(n), 3 if count < 100 else 1)
            line += f" {theirs:>13.3f} {theirs / ours:>6.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
