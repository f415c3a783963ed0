"""Start-up time of the command line, as a ratio to ``python -c "import sympy"`` in the same run.

Run: ``python bench/bench_startup.py [--rounds N]``. Every case is a fresh process (bytecode caches
written by a warm-up run first, as for an installed package); cases are
interleaved round by round so machine load moves them together. Prints, per case, the median
wall time and the median CPU time (user + system of the child process, which machine load
disturbs far less), each with its ratio to the ``import sympy`` baseline. Targets (issue 12):
``--help`` and ``--version`` at most 0.5x; ``symchain derive`` (the seed) at most 1.5x.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = "import sys; from symchain.cli import main; main(sys.argv[1:])"

CASES: dict[str, list[str]] = {
    "python -c 'import sympy' (baseline)": ["-c", "import sympy"],
    "symchain --help": ["-c", MAIN, "--help"],
    "symchain --version": ["-c", MAIN, "--version"],
    "symchain (completion)": ["-c", MAIN],
    "symchain derive": ["-c", MAIN, "derive"],
    "python -c 'pass'": ["-c", "pass"],
}
TARGETS = {"symchain --help": 0.5, "symchain --version": 0.5, "symchain derive": 1.5}


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(arguments: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    cpu, start = cpu_of_children(), time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start, cpu_of_children() - cpu


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 15
    # As installed: with bytecode caches (PYTHONDONTWRITEBYTECODE would recompile symchain's
    # sources on every start, while SymPy's caches exist), written by a warm-up run.
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    completion = {
        **environment,
        "_SYMCHAIN_COMPLETE": "bash_complete",
        "COMP_WORDS": "symchain de",
        "COMP_CWORD": "1",
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    for name, arguments in CASES.items():  # warm-up: bytecode caches written
        run_once(arguments, completion if "completion" in name else environment)
    for _ in range(rounds):
        for name, arguments in CASES.items():
            env = completion if "completion" in name else environment
            samples[name].append(run_once(arguments, env))
    medians = {
        name: tuple(statistics.median(run[i] for run in runs) for i in (0, 1))
        for name, runs in samples.items()
    }
    wall0, cpu0 = next(iter(medians.values()))
    print(
        f"{rounds} rounds, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| command | wall (ms) | wall vs import sympy | CPU (ms) | CPU vs import sympy | target |"
    )
    print("|---|---|---|---|---|---|")
    for name, (wall, cpu) in medians.items():
        target = f"≤ {TARGETS[name]}x" if name in TARGETS else ""
        print(
            f"| `{name}` | {wall * 1000:.0f} | {wall / wall0:.2f}x | {cpu * 1000:.0f} | "
            f"{cpu / cpu0:.2f}x | {target} |"
        )


if __name__ == "__main__":
    main()
