"""The CLI's process guard, in real processes: signals, ASCII terminals, closed stdout, warnings."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("PYTHONWARNINGS", None)
    return env


def _python(code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=_env(**extra),
        cwd=ROOT,
        check=False,
    )


def _shell(command: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        env=_env(**extra),
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("signal_name", "code", "word"),
    [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")],
)
def test_a_signal_ends_the_command_with_one_line_and_stops_workers(
    tmp_path: Path, signal_name: str, code: int, word: str
) -> None:
    # The signal arrives while a worker process runs and a file is being written (the process
    # signals itself at a chosen point: nothing races a clock).
    target = tmp_path / "notes.tex"
    target.write_text("old", encoding="utf-8")
    result = _python(
        f"""
        import multiprocessing, os, signal, time
        from symchain import files
        from symchain.cli.guard import guarded

        def fsync(descriptor):
            os.kill(os.getpid(), signal.{signal_name})

        files.os.fsync = fsync
        with guarded():
            worker = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,))
            worker.start()
            print(worker.pid, flush=True)
            files.atomic_write({str(target)!r}, "new")
        """
    )
    assert result.returncode == code, result.stderr
    assert result.stderr == f"symchain: {word}\n"
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.tex"]
    worker = int(result.stdout.split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


def test_an_ascii_terminal_gets_ascii_safe_output() -> None:
    for command in ("derive", "derive --layers 2,2 --form matrix", "graph"):
        result = _shell(f"{sys.executable} -m symchain {command}", PYTHONIOENCODING="ascii")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        result.stdout.encode("ascii")
    result = _shell(f"{sys.executable} -m symchain derive", PYTHONIOENCODING="ascii")
    assert "\\u2202C\\u2080" in result.stdout  # ∂C₀, escaped


def test_a_closed_stdout_is_a_clean_exit() -> None:
    closed = _shell(f"{sys.executable} -m symchain derive >&-")
    assert closed.returncode == 0 and closed.stderr == ""
    piped = _shell(
        f"{sys.executable} -m symchain derive --layers 6,6,6 --format latex | head -c 10"
    )
    assert piped.stdout == "% derived "
    assert "Traceback" not in piped.stderr and "Exception" not in piped.stderr


def test_numeric_warnings_never_reach_stderr(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("1e300,-1e300,1\n", encoding="utf-8")
    # Without the guard NumPy warns "overflow encountered in square" (and in matmul) here.
    result = _shell(
        f"{sys.executable} -m symchain eval --layers 2,2,1 --activation linear "
        f"--init 0 --data {data}"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("symchain: error: the loss or a gradient is not finite")
    assert result.stderr.count("\n") == 1, result.stderr
