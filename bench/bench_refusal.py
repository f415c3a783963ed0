"""Time and peak memory of every up-front refusal (huge networks, hostile files), in-process.

Run: ``python bench/bench_refusal.py``. Each case runs through click's CliRunner (or the docs
block API) after symchain is imported; the table gives the median wall time of 5 runs and the
peak of Python allocations (tracemalloc) of one run, then the process's maximum resident size.
"""

from __future__ import annotations

import io
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from symchain.cli import cli
from symchain.errors import SymchainError
from symchain.render.blocks import block_formulas, options_from_mapping

REPEATS = 5
BOMB_ROWS = 6_250_000
CHUNK = 1 << 20


def _cli(*args: str) -> Callable[[], str]:
    def run() -> str:
        result = CliRunner().invoke(cli, list(args))
        if result.exit_code != 2:
            raise SystemExit(f"symchain {' '.join(args)}: expected a refusal, got {result}")
        return result.stderr.strip()

    return run


def _block(**options: str) -> Callable[[], str]:
    def run() -> str:
        try:
            block_formulas(options_from_mapping(options))
        except SymchainError as error:
            return error.message
        raise SystemExit(f"block {options}: expected a refusal")

    return run


def _header(shape: tuple[int, ...]) -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    return header.getvalue()


def _files(directory: Path) -> None:
    (directory / "d.csv").write_text("1,1,1\n", encoding="utf-8")
    (directory / "p.json").write_text('{"W1": [[1, 2]], "b1": [' + "9" * 400 + "]}")
    with zipfile.ZipFile(directory / "huge.npz", "w") as archive:
        archive.writestr("X.npy", _header((1 << 40, 2)))
        archive.writestr("Y.npy", _header((1 << 40, 1)))
    # 100 MB of zeros in a small archive (written in chunks, never held in memory).
    with zipfile.ZipFile(directory / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("X.npy", "w") as member:
            member.write(_header((BOMB_ROWS, 2)))
            for _ in range(BOMB_ROWS * 2 * 8 // CHUNK):
                member.write(bytes(CHUNK))
        archive.writestr("Y.npy", _header((1, 1)) + bytes(8))
    (directory / "deep.toml").write_text("layers = " + "[" * 100_000 + "]" * 100_000 + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        _files(directory)
        d = str(directory)
        cases: list[tuple[str, Callable[[], str]]] = [
            ("derive --layers 4096,4096", _cli("derive", "--layers", "4096,4096")),
            ("derive --layers 1000,1000,1000", _cli("derive", "--layers", "1000,1000,1000")),
            ("derive --layers 1000,1000,1000 --standalone", _cli(
                "derive", "--layers", "1000,1000,1000", "--format", "latex", "--standalone")),
            ("graph --layers 1024,1024", _cli("graph", "--layers", "1024,1024")),
            ("eval --layers 200,200", _cli(
                "eval", "--layers", "200,200", "--init", "0", "--data", f"{d}/d.csv")),
            ("check --layers 1000,1000,1000", _cli("check", "--layers", "1000,1000,1000")),
            ("docs block layers: 4096,4096", _block(layers="4096,4096")),
            ("docs block layers: 1000,1000,1000 + param", _block(
                layers="1000,1000,1000", param="w^{(L)}_{0,0}")),
            ("--spec /dev/zero", _cli("derive", "--spec", "/dev/zero")),
            ("--spec: 100,000 nested arrays", _cli("derive", "--spec", f"{d}/deep.toml")),
            ("params JSON: a 400-digit integer", _cli(
                "eval", "--layers", "2,1", "--params", f"{d}/p.json", "--data", f"{d}/d.csv")),
            (".npz header claiming 7 TiB", _cli(
                "eval", "--layers", "2,1", "--init", "0", "--data", f"{d}/huge.npz")),
            (".npz expanding to 100 MB", _cli(
                "eval", "--layers", "2,1", "--init", "0", "--data", f"{d}/bomb.npz")),
        ]  # fmt: skip
        print(f"bomb.npz: {(directory / 'bomb.npz').stat().st_size / 1e6:.1f} MB on disk\n")
        print("| refusal | median ms | peak MB (tracemalloc) | message |")
        print("|---|---|---|---|")
        for label, action in cases:
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                message = action()
                times.append(time.perf_counter() - started)
            tracemalloc.start()
            action()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"| {label} | {statistics.median(times) * 1000:.1f} | {peak / 1e6:.2f} | "
                f"{message.removeprefix('symchain: error: ')[:90]} |"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmaximum resident size of the whole process: {rss:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
