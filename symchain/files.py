"""Files symchain reads and writes: atomic output, and defensive reading of user files.

Writing goes to a temporary file in the target's directory, flushed to disk, then renamed over the
target (:func:`os.replace`), so on any error, Ctrl-C or signal the target keeps its old content
and the temporary file is removed. Reading accepts regular files only (a device, a FIFO or
``/dev/zero`` would block or never end) and stops at a byte cap checked while reading.
Every operating-system error becomes one :class:`~symchain.errors.InputFileError` line.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import tomllib
from pathlib import Path

from .errors import InputFileError, OutputFileError

# Bytes read per call while reading a file (the cap is checked after each chunk).
_CHUNK = 1 << 20


def atomic_write(path: Path | str, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` atomically.

    Raises:
        OutputFileError: ``cannot write x.tex: No space left on device`` and the like; the
            target is then unchanged and no temporary file is left behind.
    """
    shown = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if shown.is_dir():
            raise OutputFileError(f"cannot write {shown}: it is a directory")
        if shown.exists() and not shown.is_file():
            # A device or FIFO (/dev/full, /dev/null, /dev/stdout): written directly, no rename.
            _write_special(shown, data)
            return
        # Through a symbolic link: replace the file it points to, not the link.
        target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
        directory = target.parent
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise OutputFileError(f"cannot write {shown}: {_reason(error)}") from None
    try:
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            _keep_mode(target, temp)
            os.replace(temp, target)
        except OSError as error:
            raise OutputFileError(f"cannot write {shown}: {_reason(error)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_special(target: Path, data: bytes) -> None:
    with open(target, "wb") as stream:
        stream.write(data)
        stream.flush()


def _keep_mode(target: Path, temp: str) -> None:
    """Give the new file the old file's permissions (or the default for a new file)."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)


def read_bytes(path: Path | str, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    The cap is checked while reading, so a file that grows, or a lying ``st_size``, cannot make
    symchain read more than ``limit + 1`` bytes.

    Raises:
        InputFileError: the file is missing, not a regular file (directory, device, FIFO),
            unreadable, or larger than ``limit`` bytes.
    """
    name = str(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise InputFileError(f"{what} {name!r} does not exist") from None
    except OSError as error:
        raise InputFileError(f"cannot read {what} {name!r}: {_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"{what} {name!r} is a directory; give a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(
            f"{what} {name!r} is not a regular file (a device, FIFO or socket); give a file"
        )
    if info.st_size > limit:
        raise InputFileError(f"{what} {name!r} has {info.st_size} bytes; at most {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the stat must not block the open.
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise InputFileError(f"{what} {name!r} is not a regular file; give a file")
            while True:
                chunk = stream.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    raise InputFileError(f"{what} {name!r} is larger than {limit} bytes")
    except OSError as error:
        raise InputFileError(f"cannot read {what} {name!r}: {_reason(error)}") from None
    return b"".join(chunks)


def read_text(path: Path | str, limit: int, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; a BOM is dropped.

    Raises:
        InputFileError: as :func:`read_bytes`, or when the file is not UTF-8 text.
    """
    data = read_bytes(path, limit, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"cannot read {what} {str(path)!r}: not UTF-8 text (byte {error.start})"
        ) from None
    if "\x00" in text:
        raise InputFileError(f"cannot read {what} {str(path)!r}: not text (it has NUL bytes)")
    return text


def same_file(first: Path | str, second: Path | str) -> bool:
    """Whether two paths name the same existing file."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def nesting(value: object, limit: int, depth: int = 0) -> int:
    """How deeply ``value`` nests lists and dicts (counting stops once past ``limit``)."""
    if depth > limit:
        return depth
    if isinstance(value, dict):
        return max((nesting(v, limit, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((nesting(v, limit, depth + 1) for v in value), default=depth + 1)
    return depth


def read_toml(path: Path | str, limit: int, what: str, nest: int) -> dict[str, object]:
    """A TOML file's table: a regular file of at most ``limit`` bytes, nested at most ``nest``
    levels (a deeply nested document could exhaust the stack of whatever walks it).

    Raises:
        InputFileError: as :func:`read_text`, or when the text is not TOML or nests too deeply.
    """
    text = read_text(path, limit, what)
    try:
        data: dict[str, object] | None = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"{what} {str(path)!r} is not valid TOML: {error}") from None
    except RecursionError:
        data = None
    if data is None or nesting(data, nest) > nest:
        raise InputFileError(
            f"{what} {str(path)!r} nests tables or arrays too deeply (at most {nest} levels)"
        )
    return data
