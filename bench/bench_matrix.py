"""Benchmark: matrix-form generated code vs hand-written NumPy backprop vs PyTorch autograd.

Run: ``python bench/bench_matrix.py`` (``--quick`` for a shorter run). Single-threaded: the thread
variables below are set before NumPy and PyTorch load, and ``torch.set_num_threads(1)``. Prints,
per network and batch, the median time of one loss-and-gradients step for each implementation and
the ratios measured in the same run; then code generation times for several widths, and the time
of the unrolled (per-neuron) derivation for the two scaling targets.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from baselines import hand_numpy  # noqa: E402

from symchain import Network, derive  # noqa: E402
from symchain.codegen import compile_matrix, generate_module  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is optional: its column is left out
    torch = None  # type: ignore[assignment]

NETWORKS = [(4, 8, 8, 2), (16, 32, 32, 8), (32, 64, 64, 16), (64, 64, 64, 64)]
BATCHES = [1, 64, 4096, 65536]


def torch_step(widths: tuple[int, ...]) -> Callable[[Any, Any], Any]:
    """One autograd step of the same network built from torch.nn (float64)."""
    assert torch is not None
    layers: list[Any] = []
    for n_in, n_out in zip(widths, widths[1:], strict=False):
        layers += [torch.nn.Linear(n_in, n_out).double(), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)

    def step(X: Any, Y: Any) -> Any:
        model.zero_grad(set_to_none=True)
        loss = ((model(X) - Y) ** 2).sum(dim=1).mean()
        loss.backward()
        return loss

    return step


def medians(calls: dict[str, Callable[[], Any]], budget: float) -> dict[str, float]:
    """Median seconds per call of each implementation, calls interleaved round by round.

    Interleaving makes machine load move every column together; the rounds fill about
    ``budget`` seconds (at least 5 rounds).
    """
    once = 0.0
    for call in calls.values():
        call()  # warm-up
        start = time.perf_counter()
        call()
        once += time.perf_counter() - start
    rounds = max(5, min(2000, int(budget / max(once, 1e-7))))
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    return f"{seconds * 1e3:8.2f} ms"


def run_steps(networks: list[tuple[int, ...]], batches: list[int], budget: float) -> None:
    print("One step (loss and every gradient), float64, one thread; medians, calls interleaved")
    header = f"{'network':>13} {'batch':>6} {'generated':>11} {'hand NumPy':>11}"
    header += f" {'torch':>11} {'gen/hand':>9} {'torch/gen':>10}" if torch else f" {'gen/hand':>9}"
    print(header)
    rng = np.random.default_rng(0)
    for widths in networks:
        network = Network.from_widths(widths, "sigmoid", "squared_error")
        generated = compile_matrix(network)
        params = {}
        for layer in range(1, len(widths)):
            params[f"W{layer}"] = rng.normal(size=(widths[layer], widths[layer - 1])) * 0.3
            params[f"b{layer}"] = rng.normal(size=widths[layer]) * 0.3
        step = torch_step(widths) if torch else None
        for batch in batches:
            X = rng.normal(size=(batch, widths[0]))
            Y = rng.uniform(size=(batch, widths[-1]))
            depth = len(widths) - 1
            ours = generated(params, X, Y)
            theirs = hand_numpy(params, X, Y, depth)
            assert abs(ours[0] - theirs[0]) <= 1e-9 * max(1.0, abs(theirs[0]))
            calls: dict[str, Callable[[], Any]] = {
                "gen": lambda: generated(params, X, Y),  # noqa: B023
                "hand": lambda: hand_numpy(params, X, Y, depth),  # noqa: B023
            }
            if step is not None:
                Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
                calls["torch"] = lambda: step(Xt, Yt)  # noqa: B023
            t = medians(calls, budget)
            line = f"{'-'.join(map(str, widths)):>13} {batch:>6} {_fmt(t['gen'])} "
            line += _fmt(t["hand"])
            if step is not None:
                line += f" {_fmt(t['torch'])} {t['gen'] / t['hand']:9.2f}"
                line += f" {t['torch'] / t['gen']:10.2f}"
            else:
                line += f" {t['gen'] / t['hand']:9.2f}"
            print(line, flush=True)


def run_generation() -> None:
    print("\nCode generation (generate_module) and compile_matrix, medians of 20")
    # (a Network allows at most 150,000 parameters, the unrolled form's limit)
    for widths in [(4, 8, 8, 2), (32, 64, 64, 16), (256, 256, 256, 64), (4096, 36), (2,) * 65]:
        network = Network.from_widths(widths, "sigmoid", "squared_error")
        generate = statistics.median(
            _timed(lambda: generate_module(network)) for _ in range(20)  # noqa: B023
        )
        compiled = statistics.median(
            _timed(lambda: compile_matrix(network)) for _ in range(20)  # noqa: B023
        )
        name = "-".join(map(str, widths)) if len(widths) < 10 else f"2 x {len(widths)} layers"
        print(f"{name:>20}  generate {_fmt(generate)}  compile {_fmt(compiled)}")


def run_unrolled(quick: bool) -> None:
    print("\nUnrolled derivation (every parameter, chain factors included), median of 3")
    targets = [((32, 64, 64, 16), 1.0)] + ([] if quick else [((64, 128, 128, 32), 5.0)])
    for widths, target in targets:
        times, cpu = [], []
        for _ in range(3):
            network = Network.from_widths(widths)
            start = time.process_time()
            times.append(_timed(lambda: derive(network)))  # noqa: B023
            cpu.append(time.process_time() - start)
        params = Network.from_widths(widths).spec.parameter_count
        print(f"{'-'.join(map(str, widths)):>16} ({params} parameters): "
              f"{statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU "
              f"(target < {target:.0f} s)")


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer networks and batches")
    args = parser.parse_args()
    networks = NETWORKS[:3] if args.quick else NETWORKS
    batches = [1, 64, 4096] if args.quick else BATCHES
    budget = 0.5 if args.quick else 2.0
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ", no torch")
          + ", OMP/OPENBLAS/MKL threads 1, torch.set_num_threads(1)\n")
    run_steps(networks, batches, budget)
    run_generation()
    run_unrolled(args.quick)


if __name__ == "__main__":
    main()
