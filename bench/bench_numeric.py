"""Benchmark: symchain's compiled gradient vs hand-written NumPy backprop vs PyTorch autograd.

Run: ``python bench/bench_numeric.py`` (about two minutes; ``--quick`` for a smaller grid).
One thread everywhere (OMP_NUM_THREADS=1 and friends are set before NumPy loads;
torch.set_num_threads(1)). Every implementation computes the same thing: the mean squared-error
loss of a sigmoid network and the batch-averaged gradient of every weight and bias, float64.
Calls are interleaved (one of each per round, in a fresh seeded order each round) and the median
per call is reported, so machine load moves all columns together; ratios are symchain / baseline
(below 1: symchain is faster).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
if hasattr(os, "sched_setaffinity"):  # one core for every column
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from baselines import hand_numpy  # noqa: E402

from symchain import Network, derive  # noqa: E402
from symchain.numeric import (  # noqa: E402
    backend_available,
    compile_gradient,
    init_parameters,
    lambdify,
)

NETWORKS = [(1, 1, 1, 1), (2, 3, 2), (4, 8, 8, 2), (16, 32, 32, 8), (32, 64, 64, 16)]
BATCHES = [1, 64, 4096, 65536]
# The per-neuron form (one NumPy statement per neuron) is only timed up to this many parameters:
# beyond, it is far outside its scope (32-64-64-16 at batch 65536 would take minutes).
PER_NEURON_MAX_PARAMETERS = 200


def torch_autograd(widths: tuple[int, ...], params: dict[str, np.ndarray]) -> Callable[..., Any]:
    """nn.Sequential of nn.Linear + nn.Sigmoid, squared error, backward() per call."""
    import torch

    torch.set_num_threads(1)
    layers: list[Any] = []
    for layer in range(1, len(widths)):
        linear = torch.nn.Linear(widths[layer - 1], widths[layer]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(params[f"W{layer}"]))
            linear.bias.copy_(torch.from_numpy(params[f"b{layer}"]))
        layers += [linear, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def step(x: Any, y: Any) -> Any:
        model.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).sum() / x.shape[0]
        loss.backward()
        grads = {}
        for layer, linear in enumerate(linears, start=1):
            grads[f"W{layer}"], grads[f"b{layer}"] = linear.weight.grad, linear.bias.grad
        return float(loss.detach()), grads

    return step


def rounds_for(batch: int, parameters: int) -> int:
    work = batch * max(parameters, 8)
    if work <= 100_000:
        return 200
    if work <= 5_000_000:
        return 30
    return 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="networks up to 4-8-8-2 only")
    parser.add_argument("--batches", type=int, nargs="+", help="batches to time")
    parser.add_argument("--no-mnist", action="store_true", help="skip the 784-128-10 compile time")
    args = parser.parse_args()
    networks = NETWORKS[:3] if args.quick else NETWORKS
    batches = args.batches or BATCHES
    have_torch = backend_available("torch")
    if have_torch:
        import torch

        torch.set_num_threads(1)
    print(
        "one thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)); float64; sigmoid, "
        "squared error; CPU-time medians of interleaved calls; load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}\n"
    )
    print("| network | params | derive s | compile s (stacked) | compile s (per-neuron) |")
    print("|---|---|---|---|---|")
    compiled: dict[tuple[int, ...], tuple[Any, Any]] = {}
    for widths in networks:
        network = Network.from_widths(widths)
        start = time.perf_counter()
        derivation = derive(network)
        derive_s = time.perf_counter() - start
        stacked = compile_gradient(derivation)
        per_neuron = None
        if len(network.parameters) <= PER_NEURON_MAX_PARAMETERS:
            per_neuron = compile_gradient(derivation, stacked=False)
        compiled[widths] = (stacked, per_neuron)
        per_neuron_s = f"{per_neuron.compile_seconds:.3f}" if per_neuron else "—"
        print(
            f"| {'-'.join(map(str, widths))} | {len(network.parameters)} | {derive_s:.3f} | "
            f"{stacked.compile_seconds:.3f} | {per_neuron_s} |"
        )
    if not (args.quick or args.no_mnist):
        mnist_compile_time()
    print()
    print(
        "| network | batch | symchain ms | per-neuron ms | hand NumPy ms | torch ms "
        "| vs NumPy | vs torch | per-neuron vs NumPy |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    small: list[tuple[str, float]] = []  # issue 13: ≤ 1.0x hand NumPy at batch 1 and 64
    for widths in networks:
        network = Network.from_widths(widths)
        stacked, per_neuron = compiled[widths]
        params = init_parameters(network, seed=0)
        hand = partial(hand_numpy, depth=len(widths) - 1)
        autograd = torch_autograd(widths, params) if have_torch else None
        for batch in batches:
            rng = np.random.default_rng(batch)
            x = rng.normal(size=(batch, widths[0]))
            y = rng.uniform(size=(batch, widths[-1]))
            calls: dict[str, Callable[[], Any]] = {
                "symchain": partial(stacked, params, x, y),
                "hand": partial(hand, params, x, y),
            }
            if per_neuron is not None:
                calls["per-neuron"] = partial(per_neuron, params, x, y)
            if autograd is not None:
                calls["torch"] = partial(autograd, torch.from_numpy(x), torch.from_numpy(y))
            check({name: call() for name, call in calls.items()})
            ms = median_ms(calls, rounds_for(batch, len(network.parameters)))
            print(row(widths, batch, ms), flush=True)
            if batch in (1, 64):
                small.append((f"{'-'.join(map(str, widths))} @ {batch}",
                              ms["symchain"] / ms["hand"]))
    missed = [f"{cell}: {ratio:.2f}x" for cell, ratio in small if ratio > 1.0]
    print(f"\ntarget (compile_gradient ≤ 1.0x hand NumPy at batch 1 and 64): "
          f"{len(small) - len(missed)} of {len(small)} met"
          + (f"; not met: {', '.join(missed)}" if missed else ""))
    print(f"load average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def mnist_compile_time() -> None:
    """Derive and compile 784-128-10 (ReLU, softmax, cross-entropy; 101,770 parameters), and
    compile it from the network alone (``lambdify(network)``: the layer rules, no derivation)."""
    network = Network.from_widths((784, 128, 10), ("relu", "softmax"), "cross_entropy")
    start = time.process_time()
    lambdify(network)
    direct_s = time.process_time() - start
    start = time.process_time()
    derivation = derive(network)
    derive_s = time.process_time() - start
    start = time.process_time()
    compiled = compile_gradient(derivation)
    compile_s = time.process_time() - start
    print(
        f"| 784-128-10 (relu, softmax, CE) | {len(network.parameters)} | {derive_s:.3f} | "
        f"{compile_s:.3f}{'' if compiled.stacked else ' (not stacked)'} | — |"
        f"  (CPU s; derive + compile {derive_s + compile_s:.2f} s, lambdify(network) "
        f"{direct_s:.2f} s; target < 2 s)"
    )


def median_ms(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median CPU milliseconds per call (the process is pinned to one core: time spent waiting
    for the core on a shared machine is left out), the calls interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls.items())
    shuffle = random.Random(0).shuffle  # the same orders on every run
    for _ in range(rounds):
        # each round in a fresh order, so every column follows every other equally often (a
        # heavy call, e.g. torch's, leaves the caches cold for whichever runs next). Rotating a
        # fixed order would not do: the column after torch in it follows torch in all rounds
        # but one in len(order) -- symchain did, measured 1.2-1.3x slower for it at batch 64.
        shuffle(order)
        for name, call in order:
            start = time.process_time()
            call()
            times[name].append(time.process_time() - start)
    return {name: 1e3 * statistics.median(values) for name, values in times.items()}


def row(widths: tuple[int, ...], batch: int, ms: dict[str, float]) -> str:
    def cell(name: str) -> str:
        return f"{ms[name]:.3f}" if name in ms else "—"

    def ratio(name: str, base: str) -> str:
        return f"{ms[name] / ms[base]:.2f}" if name in ms and base in ms else "—"

    return (
        f"| {'-'.join(map(str, widths))} | {batch} | {cell('symchain')} | {cell('per-neuron')} | "
        f"{cell('hand')} | {cell('torch')} | {ratio('symchain', 'hand')} | "
        f"{ratio('symchain', 'torch')} | {ratio('per-neuron', 'hand')} |"
    )


def check(results: dict[str, Any]) -> None:
    """Every implementation must agree before its time counts."""
    reference = results["hand"]
    for name, result in results.items():
        if hasattr(result, "gradients"):
            loss, grads = float(result.loss), result.gradients
        else:
            loss, grads = result
        assert abs(loss - reference[0]) <= 1e-9 * max(1.0, abs(reference[0])), name
        for key, value in reference[1].items():
            got = np.asarray(grads[key].detach() if hasattr(grads[key], "detach") else grads[key])
            scale = max(float(np.abs(value).max()), 1e-300)
            assert float(np.abs(got - value).max()) <= 1e-9 * scale, (name, key)


if __name__ == "__main__":
    main()
