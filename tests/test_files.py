"""symchain.files: atomic output (full disk, Ctrl-C, -o onto the source) and defensive reading."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from conftest import assert_one_error_line, run_cli

from symchain import files
from symchain.errors import InputFileError, OutputFileError

DISK_FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
OLD = "old notes: \\begin{align*} x \\end{align*}\n" * 200


def _fail_fsync(error: BaseException) -> object:
    def fsync(_descriptor: int) -> None:
        raise error

    return fsync


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "x.tex"
    files.atomic_write(target, "first ∂")
    assert target.read_text(encoding="utf-8") == "first ∂"
    target.chmod(0o640)
    files.atomic_write(target, b"\x00second")
    assert target.read_bytes() == b"\x00second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "error",
    [DISK_FULL, KeyboardInterrupt(), SystemExit(143)],
    ids=["disk-full", "ctrl-c", "sigterm"],
)
def test_a_failed_write_keeps_the_old_file_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "notes.tex"
    target.write_text(OLD, encoding="utf-8")
    before = target.read_bytes()
    monkeypatch.setattr(files.os, "fsync", _fail_fsync(error))
    expected = OutputFileError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected) as raised:
        files.atomic_write(target, "new and much shorter")
    if isinstance(error, OSError):
        assert str(raised.value) == f"cannot write {target}: No space left on device"
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("output_format", ["text", "latex", "json"])
def test_derive_on_a_full_disk_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    target = tmp_path / "notes.tex"
    target.write_text(OLD, encoding="utf-8")
    monkeypatch.setattr(files.os, "fsync", _fail_fsync(DISK_FULL))
    result = run_cli("derive", "--format", output_format, "-o", str(target))
    assert_one_error_line(result, f"cannot write {target}: No space left on device")
    assert target.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def test_ctrl_c_during_a_text_derive_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text(OLD, encoding="utf-8")
    monkeypatch.setattr(files.os, "fsync", _fail_fsync(KeyboardInterrupt()))
    result = run_cli("derive", "-o", str(target))
    assert result.exit_code == 130
    assert result.stderr.strip() == "symchain: interrupted"
    assert target.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "command", [["derive"], ["codegen"], ["graph"], ["derive", "--form", "matrix"]]
)
def test_output_to_dev_full_is_one_error_line(command: list[str]) -> None:
    result = run_cli(*command, "-o", "/dev/full")
    assert_one_error_line(result, "cannot write /dev/full: No space left on device")


@pytest.mark.parametrize(
    ("where", "message"),
    [("missing/x.tex", "No such file or directory"), (".", "is a directory")],
)
def test_output_into_a_missing_directory_or_onto_a_directory(
    tmp_path: Path, where: str, message: str
) -> None:
    assert_one_error_line(run_cli("codegen", "-o", str(tmp_path / where)), message)


def test_output_into_a_read_only_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Tests may run as root, who may write anywhere: the refusal is simulated.)
    def refuse(**_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    target = tmp_path / "x.tex"
    assert_one_error_line(run_cli("derive", "-o", str(target)), "Permission denied")
    assert not target.exists()


def test_render_refuses_to_overwrite_its_source(tmp_path: Path) -> None:
    source = tmp_path / "notes.md"
    text = "# Notes\n\n```symchain\nlayers: 1,1\nform: gradient\n```\n"
    source.write_text(text, encoding="utf-8")
    (tmp_path / "link.md").symlink_to(source)
    for output in (source, tmp_path / "link.md"):
        result = run_cli("render", str(source), "-o", str(output))
        assert_one_error_line(result, "is the source itself")
        assert source.read_text(encoding="utf-8") == text
    result = run_cli("render", str(source), "-o", str(tmp_path / "out.md"))
    assert result.exit_code == 0, result.stderr
    assert "```symchain" not in (tmp_path / "out.md").read_text(encoding="utf-8")
    assert source.read_text(encoding="utf-8") == text


def test_reading_refuses_devices_fifos_and_directories(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path, message in (
        ("/dev/zero", "not a regular file"),
        (fifo, "not a regular file"),
        (tmp_path, "is a directory"),
        (tmp_path / "absent", "does not exist"),
    ):
        with pytest.raises(InputFileError, match=message):
            files.read_bytes(path, 1000, "spec file")


@pytest.mark.parametrize(
    ("option", "device"),
    [("--spec", "/dev/zero"), ("--spec", "fifo"), ("--data", "fifo"), ("--params", "fifo")],
)
def test_commands_refuse_device_and_fifo_inputs(tmp_path: Path, option: str, device: str) -> None:
    suffix = {"--spec": ".toml", "--data": ".csv", "--params": ".json"}[option]
    path = Path(device)
    if device == "fifo":
        path = tmp_path / f"pipe{suffix}"
        os.mkfifo(path)
    data = tmp_path / "d.csv"
    data.write_text("1,1\n", encoding="utf-8")
    args = {
        "--spec": ["derive", "--spec", str(path)],
        "--data": ["eval", "--layers", "1,1", "--init", "0", "--data", str(path)],
        "--params": ["eval", "--layers", "1,1", "--data", str(data), "--params", str(path)],
    }[option]
    assert_one_error_line(run_cli(*args), "not a regular file")


def test_the_byte_cap_is_checked_while_reading() -> None:
    # /proc files report a size of 0 but have content: only the running count catches them.
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(InputFileError, match="larger than 10 bytes"):
        files.read_bytes(status, 10)


def test_read_text_drops_a_bom_and_refuses_binary(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert files.read_text(path, 100) == "x = 1\n"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputFileError, match="not UTF-8 text"):
        files.read_text(path, 100)
    path.write_bytes(b"a\x00b")
    with pytest.raises(InputFileError, match="NUL"):
        files.read_text(path, 100)
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputFileError, match="at most 100 bytes"):
        files.read_text(path, 100)


def test_a_documents_symchain_comment_may_not_name_a_device(tmp_path: Path) -> None:
    document = tmp_path / "notes.md"
    document.write_text(
        "<!-- symchain: --spec /dev/zero -->\n\n"
        "$$\n\\frac{\\partial C_0}{\\partial b^{(L)}} = 1\n$$\n",
        encoding="utf-8",
    )
    result = run_cli("verify", "--file", str(document))
    assert_one_error_line(result, f"{document}:1: spec file '/dev/zero' is not a regular file")


def test_writing_through_a_symbolic_link_replaces_the_linked_file(tmp_path: Path) -> None:
    real = tmp_path / "real.tex"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.tex"
    link.symlink_to(real)
    files.atomic_write(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert _leftovers(tmp_path) == []
