"""The long fuzz run: >= 10,000 grammar-aware inputs through every command, in-process.

Run: ``python bench/fuzz.py [N]`` (default 10,000). Uses the cases of tests/fuzzing.py (the CI
fuzz tests run a few hundred of them) with a fixed seed, and prints how many inputs each command
got, the exit codes, and every broken promise (a crash or traceback, an exit code outside
{0, 1, 2}, exit 2 without exactly one error line, a file created outside the output).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from fuzzing import Case, Outcome, cases, run_case  # noqa: E402

SEED = 15
# Inputs that take longer than this are listed (with their time) after the table.
SLOW_SECONDS = 5.0


def main(total: int) -> int:
    exits: Counter[tuple[str, int]] = Counter()
    spent: Counter[str] = Counter()
    slow: list[tuple[float, Case]] = []
    problems: list[tuple[Case, str]] = []
    started = time.perf_counter()

    with tempfile.TemporaryDirectory() as directory:

        @seed(SEED)
        @settings(
            max_examples=total,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(cases())
        def fuzz(case: Case) -> None:
            begun = time.perf_counter()
            outcome: Outcome = run_case(case, Path(directory))
            command = case.args[0] if case.args[0] != "verify" or "--file" not in case.args else (
                "verify --file"
            )
            took = time.perf_counter() - begun
            spent[command] += took
            if took > SLOW_SECONDS:
                slow.append((took, case))
            exits[(command, outcome.exit_code)] += 1
            if outcome.problem:
                problems.append((case, outcome.problem))

        fuzz()
    seconds = time.perf_counter() - started
    inputs = sum(exits.values())
    print(f"{inputs} inputs in {seconds:.0f} s (seed {SEED})\n")
    print("| command | inputs | exit 0 | exit 1 | exit 2 | other | mean s |")
    print("|---|---|---|---|---|---|---|")
    for command in sorted({c for c, _ in exits}):
        counts = [exits[(command, code)] for code in (0, 1, 2)]
        other = sum(n for (c, code), n in exits.items() if c == command and code not in (0, 1, 2))
        runs = sum(counts) + other
        print(f"| {command} | {runs} | " + " | ".join(map(str, counts))
              + f" | {other} | {spent[command] / runs:.2f} |")
    print(f"\ninputs slower than {SLOW_SECONDS:g} s: {len(slow)}")
    for took, case in sorted(slow, key=lambda item: -item[0])[:10]:
        print(f"- {took:.1f} s: symchain {' '.join(map(repr, case.args))[:200]}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmaximum resident size of the fuzzing process: {rss:.0f} MB")
    print(f"\nbroken promises: {len(problems)}")
    for case, problem in problems[:20]:
        print(f"- symchain {' '.join(map(repr, case.args))}: {problem.splitlines()[-1][:300]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
