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
# JAX on CPU ignores the thread variables: pin the whole process (every column) to one core.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from baselines import hand_numpy, hand_numpy_softmax  # noqa: E402

from symchain import Network, derive  # noqa: E402
from symchain.codegen import chunk_rows, compile_matrix, generate_module  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is optional: its column is left out
    torch = None  # type: ignore[assignment]

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
except ImportError:  # JAX is optional: its column is left out
    jax = None  # type: ignore[assignment]

# (widths, activations, loss): the issue-13 grid. Sigmoid layers with squared error, and an
# MNIST-shaped ReLU network with a softmax output and cross-entropy.
SIGMOID = ("sigmoid", "squared_error")
SOFTMAX = (("relu", "softmax"), "cross_entropy")
NETWORKS: list[tuple[tuple[int, ...], tuple[Any, str]]] = [
    ((4, 8, 8, 2), SIGMOID),
    ((16, 32, 32, 8), SIGMOID),
    ((64, 128, 10), SIGMOID),
    ((784, 128, 10), SOFTMAX),
]
BATCHES = [1, 64, 4096, 65536]


def _activations(widths: tuple[int, ...], kind: tuple[Any, str]) -> list[str]:
    """The activation of every layer: one name for all, or (hidden, output)."""
    names = kind[0]
    depth = len(widths) - 1
    if isinstance(names, str):
        return [names] * depth
    return [names[0]] * (depth - 1) + [names[1]]


def torch_step(
    widths: tuple[int, ...], kind: tuple[Any, str], params: dict[str, np.ndarray]
) -> Callable[[Any, Any], Any]:
    """One autograd step of the same network built from torch.nn (float64), same parameters."""
    assert torch is not None
    layers: list[Any] = []
    softmax = kind == SOFTMAX
    for index, (n_in, n_out) in enumerate(zip(widths, widths[1:], strict=False)):
        layers.append(torch.nn.Linear(n_in, n_out).double())
        if not softmax:
            layers.append(torch.nn.Sigmoid())
        elif index < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        linear = [module for module in layers if isinstance(module, torch.nn.Linear)]
        for layer, module in enumerate(linear, start=1):
            module.weight.copy_(torch.from_numpy(params[f"W{layer}"]))
            module.bias.copy_(torch.from_numpy(params[f"b{layer}"]))

    def step(X: Any, Y: Any) -> Any:
        model.zero_grad(set_to_none=True)
        out = model(X)
        if softmax:
            loss = -(Y * torch.log_softmax(out, dim=1)).sum(dim=1).mean()
        else:
            loss = ((out - Y) ** 2).sum(dim=1).mean()
        loss.backward()
        return loss

    return step


def jax_step(widths: tuple[int, ...], kind: tuple[Any, str]) -> Callable[..., Any]:
    """``jax.jit(jax.value_and_grad(loss))`` of the same network, written as one writes it."""
    assert jax is not None
    depth = len(widths) - 1
    softmax = kind == SOFTMAX

    def loss(params: dict[str, Any], X: Any, Y: Any) -> Any:
        a = X
        for layer in range(1, depth + 1):
            z = a @ params[f"W{layer}"].T + params[f"b{layer}"]
            if softmax:
                a = jax.nn.relu(z) if layer < depth else z
            else:
                a = jax.nn.sigmoid(z)
        if softmax:
            return -(Y * jax.nn.log_softmax(a, axis=1)).sum(axis=1).mean()
        return ((a - Y) ** 2).sum(axis=1).mean()

    step = jax.jit(jax.value_and_grad(loss))

    def call(params: dict[str, Any], X: Any, Y: Any) -> Any:
        value, grads = step(params, X, Y)
        value.block_until_ready()
        return value, grads

    return call


def medians(calls: dict[str, Callable[[], Any]], budget: float) -> dict[str, float]:
    """Median CPU seconds per call of each implementation, calls interleaved round by round.

    CPU time of the process (pinned to one core; JAX's threads included), not wall time: on a
    shared machine the time spent waiting for the core is left out. Interleaving makes the load
    that remains (caches, memory bandwidth) move every column together; the rounds fill about
    ``budget`` seconds (at least 5 rounds).
    """
    once = 0.0
    for call in calls.values():
        call()  # warm-up
        start = time.process_time()
        call()
        once += time.process_time() - start
    rounds = max(5, min(2000, int(budget / max(once, 1e-7))))
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls.items())
    shuffle = random.Random(0).shuffle  # the same orders on every run
    for _ in range(rounds):
        # a fresh order each round: no column always runs right after another's (a heavy call,
        # e.g. torch's, leaves the caches cold for whichever runs next; rotating a fixed order
        # would keep the same neighbours)
        shuffle(order)
        for name, call in order:
            start = time.process_time()
            call()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    return f"{seconds * 1e3:8.2f} ms"


def floor_calls(
    widths: tuple[int, ...], kind: tuple[Any, str], batch: int
) -> tuple[dict[str, Callable[[], Any]], int, int]:
    """The physical floor of one step as two calls timed with the others.

    ``dgemm``: the step's matrix products alone (three per layer, two for the first), at this
    network's shapes, in blocks of the generated module's rows, into preallocated outputs.
    ``exp``: the step's exponentials (``numpy.exp`` into a preallocated block). Returns the
    calls, the FLOPs and the exp count.
    """
    rng = np.random.default_rng(1)
    rows = min(batch, chunk_rows(widths))
    blocks = max(1, batch // rows)
    products: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    flops = 0
    for layer, (n_in, n_out) in enumerate(zip(widths, widths[1:], strict=False), start=1):
        A = rng.normal(size=(rows, n_in))
        W = rng.normal(size=(n_out, n_in))
        D = rng.normal(size=(rows, n_out))
        # Z = A Wᵀ, ∂C/∂W = Dᵀ A, and D W for the layer below (none below the first layer)
        needed = [(A, W.T), (D.T, A)] + ([(D, W)] if layer > 1 else [])
        for left, right in needed:
            products.append((left, right, np.empty((left.shape[0], right.shape[1]))))
        flops += 2 * len(needed) * batch * n_in * n_out
    exps = batch * (sum(widths[1:]) if kind == SIGMOID else widths[-1])
    values = rng.normal(size=min(exps, 32768))
    out = np.empty_like(values)
    repeats = max(1, exps // values.size)

    def gemm() -> None:
        for _ in range(blocks):
            for left, right, result in products:
                np.matmul(left, right, out=result)

    def exp() -> None:
        for _ in range(repeats):
            np.exp(values, out=out)

    return {"dgemm": gemm, "exp": exp}, flops, exps


# symchain's generated modules, one column each: (column, backend of compile_matrix)
SYMCHAIN = [("sym numpy", "numpy"), ("sym jax", "jax"), ("sym torch", "torch")]


def symchain_calls(
    network: Network, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
    reference: tuple[float, dict[str, np.ndarray]],
) -> dict[str, Callable[[], Any]]:
    """One call per installed backend of the generated module, each checked against
    ``reference`` (hand NumPy: loss and every gradient, relative 1e-9) before it is timed."""
    calls: dict[str, Callable[[], Any]] = {}
    for column, backend in SYMCHAIN:
        if backend == "jax" and jax is None or backend == "torch" and torch is None:
            continue
        function = compile_matrix(network, backend)
        if backend == "numpy":
            args: tuple[Any, ...] = (params, X, Y)
        elif backend == "torch":
            args = ({k: torch.from_numpy(v) for k, v in params.items()},
                    torch.from_numpy(X), torch.from_numpy(Y))
        else:
            asarray = jax.numpy.asarray
            args = ({k: asarray(v) for k, v in params.items()}, asarray(X), asarray(Y))
        loss, grads = function(*args)
        assert abs(float(loss) - reference[0]) <= 1e-9 * max(1.0, abs(reference[0])), column
        for key, value in reference[1].items():
            assert np.allclose(np.asarray(grads[key]), value, rtol=1e-9, atol=1e-12), key
        if backend == "jax":
            def call(function: Any = function, args: tuple[Any, ...] = args) -> Any:
                loss, grads = function(*args)
                loss.block_until_ready()
                return loss, grads
        else:
            def call(function: Any = function, args: tuple[Any, ...] = args) -> Any:
                return function(*args)
        calls[column] = call
    return calls


def run_steps(
    networks: list[tuple[tuple[int, ...], tuple[Any, str]]], batches: list[int], budget: float
) -> None:
    print("One step (loss and every gradient), float64, one thread; CPU-time medians, calls "
          "interleaved; ratios column / jax.jit, hand NumPy or the floor (below 1: faster)")
    ours = [column for column, backend in SYMCHAIN
            if backend == "numpy" or backend == "jax" and jax or backend == "torch" and torch]
    columns = ours + ["hand NumPy"] + (["torch"] if torch else []) + (["jax.jit"] if jax else [])
    ratio_names = ["numpy/hand"]
    if jax:
        ratio_names += [f"{column.split()[1]}/jax.jit" for column in ours] + ["best/jax.jit"]
    ratio_names += ["numpy/floor", "best/floor"]
    header = f"| network | batch | {' | '.join(columns)} | {' | '.join(ratio_names)} |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    rng = np.random.default_rng(0)
    notes = []
    missed: list[str] = []  # issue-13 targets: ≤ 1.0x jax.jit everywhere, ≤ 1.3x floor at max batch
    cells_checked = 0
    for widths, kind in networks:
        acts = _activations(widths, kind)
        network = Network.from_widths(widths, tuple(acts), kind[1])
        softmax = kind == SOFTMAX
        hand_step = hand_numpy_softmax if softmax else hand_numpy
        params = {}
        for layer in range(1, len(widths)):
            params[f"W{layer}"] = rng.normal(size=(widths[layer], widths[layer - 1])) * 0.3
            params[f"b{layer}"] = rng.normal(size=widths[layer]) * 0.3
        step = torch_step(widths, kind, params) if torch else None
        jstep = jax_step(widths, kind) if jax else None
        jparams = {key: jax.numpy.asarray(value) for key, value in params.items()} if jax else None
        for batch in batches:
            X = rng.normal(size=(batch, widths[0]))
            if softmax:
                Y = rng.dirichlet(np.ones(widths[-1]), size=batch)
            else:
                Y = rng.uniform(size=(batch, widths[-1]))
            depth = len(widths) - 1
            theirs = hand_step(params, X, Y, depth)
            calls = symchain_calls(network, params, X, Y, theirs)
            calls["hand NumPy"] = lambda: hand_step(params, X, Y, depth)  # noqa: B023
            if step is not None:
                Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
                loss_t = step(Xt, Yt).item()
                assert abs(loss_t - theirs[0]) <= 1e-9 * max(1.0, abs(theirs[0]))
                calls["torch"] = lambda: step(Xt, Yt)  # noqa: B023
            if jstep is not None:
                Xj, Yj = jax.numpy.asarray(X), jax.numpy.asarray(Y)
                loss_j = float(jstep(jparams, Xj, Yj)[0])
                assert abs(loss_j - theirs[0]) <= 1e-9 * max(1.0, abs(theirs[0]))
                calls["jax.jit"] = lambda: jstep(jparams, Xj, Yj)  # noqa: B023
            floor_flops = floor_exps = 0
            if batch == max(batches):
                extra, floor_flops, floor_exps = floor_calls(widths, kind, batch)
                calls.update(extra)
            t = medians(calls, budget)
            numpy_time = t["sym numpy"]
            best = min(ours, key=lambda column: t[column])
            cells = [_fmt(t[name]).strip() for name in columns]
            ratios = [f"{numpy_time / t['hand NumPy']:.2f}"]
            cell = f"{'-'.join(map(str, widths))} @ {batch}"
            if jax:
                ratios += [f"{t[column] / t['jax.jit']:.2f}" for column in ours]
                ratios.append(f"{t[best] / t['jax.jit']:.2f} ({best.split()[1]})")
                cells_checked += 1
                if t[best] > t["jax.jit"]:
                    missed.append(f"{cell}: {t[best] / t['jax.jit']:.2f}x jax.jit ({best})")
            if floor_flops:
                seconds = t["dgemm"] + t["exp"]
                ratios += [f"{numpy_time / seconds:.2f}", f"{t[best] / seconds:.2f}"]
                cells_checked += 1
                if t[best] > 1.3 * seconds:
                    missed.append(f"{cell}: {t[best] / seconds:.2f}x the floor ({best})")
                notes.append(
                    f"{'-'.join(map(str, widths))}: floor {_fmt(seconds).strip()} = products "
                    f"{_fmt(t['dgemm']).strip()} ({floor_flops / t['dgemm'] / 1e9:.1f} GFLOP/s) "
                    f"+ {floor_exps} exps {_fmt(t['exp']).strip()} "
                    f"({t['exp'] / floor_exps * 1e9:.2f} ns each)"
                )
            else:
                ratios += ["", ""]
            name = "-".join(map(str, widths))
            print(f"| {name} | {batch} | {' | '.join(cells)} | {' | '.join(ratios)} |",
                  flush=True)
    for note in notes:
        print(f"floor at batch {max(batches)}, {note}")
    print(f"targets (best symchain backend ≤ 1.0x jax.jit per cell, ≤ 1.3x the floor at batch "
          f"{max(batches)}): {cells_checked - len(missed)} of {cells_checked} met"
          + (f"; not met: {'; '.join(missed)}" if missed else ""))


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
    parser.add_argument("--steps-only", action="store_true", help="only the step table")
    parser.add_argument("--batches", type=int, nargs="+", help="batches to time")
    parser.add_argument("--budget", type=float, help="seconds of rounds per cell")
    args = parser.parse_args()
    networks = NETWORKS[:3] if args.quick else NETWORKS
    batches = args.batches or ([1, 64, 4096] if args.quick else BATCHES)
    budget = args.budget or (0.5 if args.quick else 2.0)
    versions = [f"numpy {np.__version__}"]
    versions.append(f"torch {torch.__version__}" if torch else "no torch")
    versions.append(f"jax {jax.__version__}" if jax else "no jax")
    print(", ".join(versions) + "; OMP/OPENBLAS/MKL threads 1, torch.set_num_threads(1), "
          f"process pinned to CPU {sorted(os.sched_getaffinity(0))}; "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    run_steps(networks, batches, budget)
    if not args.steps_only:
        run_generation()
        run_unrolled(args.quick)
    print(f"\nload average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
