"""Merge several runs of a bench script into one Markdown table: medians, and the spread of ratios.

Run: ``python bench/spread.py run1.txt run2.txt run3.txt`` on the saved output of the same script
(``bench_matrix.py --steps-only``, ``bench_numeric.py``, ``bench_render.py``,
``bench_startup.py``). Every Markdown table of the runs is matched row by row (by its first cell,
and the second when it is the batch or the parameter count); a time cell (``52.0 µs``,
``1.17 ms``, ``0.146``) or a number becomes the median over the runs, a ratio column (a name with
``/`` or ``vs``) the median with the range in brackets, ``0.91 (0.86–0.97)``, and the labels its
cells carried (``jax``). Lines
that are not tables (load averages, the floor) are printed per run, so the load of each run stays
next to its figures.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

_UNITS = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}


def _tables(text: str) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    """The Markdown tables of a run (header line, rows of cells) and its other lines."""
    tables: list[tuple[str, list[list[str]]]] = []
    other: list[str] = []
    in_table = False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            if line.strip():
                other.append(line)
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue  # the separator line
        if not in_table:  # a table's first line is its header
            tables.append((line, []))
            in_table = True
        else:
            tables[-1][1].append(cells)
    return tables, other


def _value(cell: str) -> tuple[float, str] | None:
    """(seconds or plain number, unit) of a cell, or None when it is not a number; a ratio's
    label in brackets (``0.67 (jax)``, the backend that gave it) is kept as its unit."""
    parts = cell.split()
    try:
        number = float(parts[0].removesuffix("x"))  # a ratio printed as 1.41x
    except (ValueError, IndexError):
        return None
    unit = parts[1] if len(parts) > 1 else ""
    return number * _UNITS.get(unit, 1.0), unit


def _format(seconds: float, unit: str, like: str = "0.000") -> str:
    """A time in its unit, or a plain number with as many decimals as ``like``."""
    if not unit:
        number = like.split()[0].removesuffix("x")
        decimals = len(number.split(".")[1]) if "." in number else 0
        return f"{seconds:.{decimals}f}"
    scaled = seconds / _UNITS[unit]
    return f"{scaled:.1f} {unit}" if unit == "µs" else f"{scaled:.2f} {unit}"


def merge(runs: list[str]) -> str:
    """One table per table of the runs: medians, ratio columns with their range."""
    parsed = [_tables(text) for text in runs]
    out: list[str] = []
    for index, (header, _rows) in enumerate(parsed[0][0]):
        names = [cell.strip() for cell in header.strip().strip("|").split("|")]
        ratio = ["/" in name or "vs " in name for name in names]
        width = 2 if len(names) > 1 and names[1] in ("batch", "params") else 1  # the row's key
        out += [header, "|" + "---|" * len(names)]
        keyed = [{tuple(row[:width]): row for row in run[0][index][1]} for run in parsed]
        for key, row in keyed[0].items():
            cells = list(key)
            for column in range(width, len(names)):
                values = [_value(run[key][column]) for run in keyed if key in run]
                present = [v for v in values if v is not None]
                if len(present) != len(values) or not present:
                    cells.append(row[column])
                    continue
                numbers = [v[0] for v in present]
                middle = statistics.median(numbers)
                if ratio[column]:
                    labels = sorted({v[1].strip("()") for v in present if v[1]})
                    label = f" {'/'.join(labels)}" if labels else ""
                    cells.append(f"{middle:.2f} ({min(numbers):.2f}–{max(numbers):.2f}){label}")
                else:
                    cells.append(_format(middle, present[0][1], row[column]))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    for number, (_, other) in enumerate(parsed, start=1):
        out += [f"run {number}: {line}" for line in other]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="saved outputs of one bench script")
    args = parser.parse_args()
    print(merge([path.read_text(encoding="utf-8") for path in args.runs]))


if __name__ == "__main__":
    main()
