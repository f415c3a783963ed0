"""Graph derive time vs graph size: recurrent chains and random DAGs (prints medians, ratios).

    python bench/bench_graphs.py           # chains of 25..400 steps, random DAGs of 50..800
    python bench/bench_graphs.py --quick   # up to 200 / 400

Per size: the median of 3 runs of ``derive_graph``, each after clearing SymPy's cache (the graph
is built first, untimed), the
time per equation, and the ratio to the previous size's time (2.00 for linear work when the size
doubles). Also the factors written per equation, which is exact and must stay flat.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

import sympy as sp
from sympy.core.cache import clear_cache

from symchain.graphs import Graph, derive_graph

LOSS = sp.Symbol("C_0", real=True)


def rnn_chain(steps: int) -> Graph:
    """h_t = tanh(w_x x_t + w_h h_{t-1} + b), C_0 = (v h_T - y)^2: shared weights at every step."""
    w_x, w_h, b, v, y = sp.symbols("w_x w_h b v y", real=True)
    xs = sp.symbols(f"x_1:{steps + 1}", real=True)
    hs = sp.symbols(f"h_1:{steps + 1}", real=True)
    equations = [(hs[0], sp.tanh(w_x * xs[0] + b))]
    equations += [(hs[t], sp.tanh(w_x * xs[t] + w_h * hs[t - 1] + b)) for t in range(1, steps)]
    equations.append((LOSS, (v * hs[-1] - y) ** 2))
    return Graph.build([w_x, w_h, b, v], xs, [y], equations)


def random_dag(size: int, seed: int = 0) -> Graph:
    """``size`` equations of sums, products and tanh over 2-3 earlier symbols; 8 shared weights."""
    rng = random.Random(seed)
    params = sp.symbols("p0:8", real=True)
    inputs = sp.symbols("x0:4", real=True)
    available: list[sp.Symbol] = [*params, *inputs]
    equations = []
    for number in range(size):
        a, b, c = (rng.choice(available[-12:] + list(params)) for _ in range(3))
        kind = rng.randrange(3)
        value = a + b if kind == 0 else a * b if kind == 1 else sp.tanh(a * b + c)
        q = sp.Symbol(f"q_{number}", real=True)
        equations.append((q, value))
        available.append(q)
    equations.append((LOSS, sp.Add(*available[-4:]) ** 2))
    return Graph.build(params, inputs, [], equations)


def measure(build: Callable[[int], Graph], sizes: list[int], title: str) -> None:
    print(f"\n### {title}\n")
    print(
        "| equations | derive median (s) | µs per equation | ratio to previous "
        "| factors per equation |"
    )
    print("|---:|---:|---:|---:|---:|")
    previous = None
    for size in sizes:
        graph = build(size)
        times = []
        for _ in range(3):
            clear_cache()  # every size starts cold: a warm cache would favour small graphs
            start = time.perf_counter()
            derivation = derive_graph(graph)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        uses = [u for g in derivation for u in g.uses] + [
            u for a in derivation.adjoints for u in a.uses
        ]
        factors = sum(len(u.factors) for u in uses) / len(graph.equations)
        ratio = f"{median / previous:.2f}" if previous else "—"
        per = 1e6 * median / len(graph.equations)
        print(f"| {len(graph.equations)} | {median:.3f} | {per:.0f} | {ratio} | {factors:.2f} |")
        previous = median


def main() -> None:
    quick = "--quick" in sys.argv
    chains = [25, 50, 100, 200] if quick else [25, 50, 100, 200, 400]
    dags = [50, 100, 200, 400] if quick else [50, 100, 200, 400, 800]
    measure(rnn_chain, chains, "Recurrent chains (BPTT), 4 shared parameters")
    measure(random_dag, dags, "Random DAGs, 8 shared parameters")


if __name__ == "__main__":
    main()
