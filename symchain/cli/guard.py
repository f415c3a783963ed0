"""The command line's process guard: signals, output encoding, closed stdout, numeric warnings.

- SIGINT and SIGTERM end the command with one line on stderr and exit 130 and 143 (128 + the
  signal's number); worker processes are stopped first, and files being written are left as they
  were (see :func:`symchain.files.atomic_write`).
- A standard output that cannot encode Unicode (``PYTHONIOENCODING=ascii``, a C locale) gets
  ASCII-safe escapes (``\\u2202``) instead of a crash.
- A closed standard output (``symchain derive >&-``, or a reader that goes away, as in
  ``symchain derive | head -1``) ends the command quietly: no traceback, no message (a pipe
  broken while the command writes exits 1, as click does; one broken at the final flush keeps
  the command's exit code).
- Numeric warnings (NumPy's overflow and invalid-value warnings) never reach stderr: the
  commands check results for finiteness and report one error line instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Mapping
from types import FrameType

# Exit codes of a command ended by a signal: 128 + the signal's number, as a shell reports them.
SIGINT_EXIT = 130
SIGNAL_EXITS = {signal.SIGINT: SIGINT_EXIT, signal.SIGTERM: 143}
_SIGNAL_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error
    """A signal asked the command to stop (a BaseException, so ``except Exception`` lets it
    through and every ``finally`` runs)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = SIGNAL_EXITS[signal.Signals(signum)]


def on_signal(signum: int, _frame: FrameType | None) -> None:
    """The handler of SIGINT and SIGTERM: raise :class:`Interrupted` where the program is."""
    raise Interrupted(signum)


@contextlib.contextmanager
def quiet_numeric_warnings() -> Iterator[None]:
    """NumPy's floating-point warnings (RuntimeWarning) off: results are checked for finiteness
    instead. (A warnings filter, not ``np.errstate``, so ``--help`` never imports NumPy.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def ascii_safe_streams() -> None:
    """Give stdout and stderr backslash escapes for what their encoding cannot write."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "∂σ⁽ᴸ⁾·".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="backslashreplace")


def _stop_workers() -> None:
    # Workers exist only if a command imported multiprocessing; never import it for this.
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the interpreter's final flush cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run a command under the guard: signals, encodings, a closed stdout (see the module)."""
    if sys.stdout is None:  # started with stdout closed: the output goes nowhere, quietly
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    ascii_safe_streams()
    previous = {signum: signal.signal(signum, on_signal) for signum in SIGNAL_EXITS}
    try:
        yield
    except Interrupted as stop:
        _stop_workers()
        _restore(previous)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.write(f"symchain: {_SIGNAL_WORDS[signal.Signals(stop.signum)]}\n")
            sys.stderr.flush()
        raise SystemExit(stop.exit_code) from None
    except BrokenPipeError:  # as click does for a broken pipe inside a command: exit 1
        _silence_stdout()
        raise SystemExit(1) from None
    finally:
        _restore(previous)
        try:
            sys.stdout.flush()
        except (OSError, ValueError):  # the reader went away: drop what is left, quietly
            _silence_stdout()


def _restore(previous: Mapping[signal.Signals, signal._HANDLER]) -> None:
    for signum, handler in previous.items():
        with contextlib.suppress(TypeError, ValueError):
            signal.signal(signum, handler)
