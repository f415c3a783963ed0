"""Start-up time of the command line, as a ratio to ``python -c "import sympy"`` in the same run.

Run: ``python bench/bench_startup.py [--rounds N]``. Every case is a fresh process; cases are
interleaved round by round so machine load moves them together. Prints the median wall time per
case and its ratio to the ``import sympy`` baseline. Targets (issue 12): ``--help`` and
``--version`` at most 0.5x; ``symchain derive`` (the seed) at most 1.5x.
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

CASES: dict[str, list[str]] = {
    "python -c 'import sympy' (baseline)": ["-c", "import sympy"],
    "symchain --help": ["-c", MAIN, "--help"],
    "symchain --version": ["-c", MAIN, "--version"],
    "symchain (completion)": ["-c", MAIN],
    "symchain derive": ["-c", MAIN, "derive"],
    "python -c 'pass'": ["-c", "pass"],
}
TARGETS = {"symchain --help": 0.5, "symchain --version": 0.5, "symchain derive": 1.5}


def run_once(arguments: list[str], environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 15
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    completion = {
        **environment,
        "_SYMCHAIN_COMPLETE": "bash_complete",
        "COMP_WORDS": "symchain de",
        "COMP_CWORD": "1",
    }
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(rounds):
        for name, arguments in CASES.items():
            env = completion if "completion" in name else environment
            samples[name].append(run_once(arguments, env))
    baseline = statistics.median(next(iter(samples.values())))
    print(f"{rounds} rounds, Python {sys.version.split()[0]}\n")
    print("| command | median (ms) | vs import sympy | target |")
    print("|---|---|---|---|")
    for name, times in samples.items():
        median = statistics.median(times)
        target = f"≤ {TARGETS[name]}x" if name in TARGETS else ""
        print(f"| `{name}` | {median * 1000:.0f} | {median / baseline:.2f}x | {target} |")


if __name__ == "__main__":
    main()
