"""Printing a big unrolled derivation, as a ratio to ``python -c "import sympy"`` in the same run.

Run: ``python bench/bench_render.py [--rounds N] [--layers 32,64,64,16]``. Every case is a fresh
``symchain derive --layers ... --format F`` process writing to /dev/null; cases are interleaved
round by round so machine load moves them together. Prints, per format, the median wall and CPU
time (user + system of the child) with their ratio to the ``import sympy`` baseline, the peak
resident memory, and the size of the output. Target (issue 13): every format at most 12x.
Memory linear in parameters: compare the peak per parameter across ``--layers`` choices.
``--against DIR`` adds the same commands run from another checkout (e.g. a ``git worktree`` of
an older commit) to every round, for a before/after in one run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "import sys; from symchain.cli import main; main(sys.argv[1:])"
FORMATS = ("text", "latex", "markdown", "json")
TARGET = 12.0


def run_once(arguments: list[str], environment: dict[str, str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, peak RSS (KiB) and bytes written by one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    size = 0
    while chunk := process.stdout.read(1 << 20):
        size += len(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode == 2:  # refused
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, -1
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(arguments[2:])}: exit {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, size


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    layers = sys.argv[sys.argv.index("--layers") + 1] if "--layers" in sys.argv else "32,64,64,16"
    # As installed: with bytecode caches (PYTHONDONTWRITEBYTECODE would recompile symchain's
    # sources on every start, while SymPy's caches exist), written by a warm-up run.
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    trees = {"": environment}
    if "--against" in sys.argv:
        other = Path(sys.argv[sys.argv.index("--against") + 1]).resolve()
        trees[f"({other.name}) "] = {**environment, "PYTHONPATH": str(other)}
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c 'import sympy' (baseline)": (["-c", "import sympy"], environment)
    }
    for output_format in FORMATS:
        for prefix, tree in trees.items():
            cases[f"{prefix}derive --layers {layers} --format {output_format}"] = (
                ["-c", MAIN, "derive", "--layers", layers, "--format", output_format,
                 "--timeout", "600"],
                tree,
            )
    samples: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in cases}
    for tree in trees.values():
        run_once(["-c", MAIN, "derive"], tree)  # warm-up: bytecode caches written
    for _ in range(rounds):
        for name, (arguments, tree) in cases.items():
            samples[name].append(run_once(arguments, tree))
    medians = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(4))
        for name, runs in samples.items()
    }
    wall0, cpu0, _, _ = next(iter(medians.values()))
    print(
        f"{rounds} rounds (median), Python {sys.version.split()[0]}, "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n"
    )
    print("| command | wall (s) | wall vs import sympy | CPU (s) | CPU vs import sympy | "
          "peak RSS (MB) | output (MB) | target |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (wall, cpu, rss, size) in medians.items():
        target = "" if "baseline" in name else f"≤ {TARGET:g}x"
        written = "refused (exit 2)" if size < 0 else f"{size / 1e6:.1f}"
        print(
            f"| `{name}` | {wall:.2f} | {wall / wall0:.1f}x | {cpu:.2f} | {cpu / cpu0:.1f}x | "
            f"{rss / 1024:.0f} | {written} | {target} |"
        )


if __name__ == "__main__":
    main()
