"""The append-only file of audit checkpoints: one signed checkpoint per line.

The file lives under the data directory, out of reach of whoever can only
write the database. Each checkpoint is appended with one `write(2)` on a
descriptor opened with `O_APPEND` (it lands at the end whatever else was
written meanwhile, so processes sharing a data directory may append to one
file) and `fsync`'d before it counts as written. The file is made with mode
0600 in a directory made with mode 0700; an existing file that group or
others may write, or that is not a regular file (a symbolic link is not
followed), is refused. For protection against the gateway's own user,
`chattr +a` (Linux, as root) makes the file append-only for everyone, and
copies belong off the machine (README, "Audit trail").

Blocking I/O: call it off the event loop.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from gateway.errors import ConfigError, InputError

__all__ = ["CheckpointFile", "read_lines"]

WRITE_ERROR = "GW-AUDIT-CHECKPOINT-WRITE"
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
_TAIL = 64 * 1024  # a checkpoint line is a few KB; the last one is within this of the end


class CheckpointFile:
    """The checkpoint file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, line: bytes) -> None:
        """Append one line (it must end with a newline and hold no other) and fsync it."""
        if not line.endswith(b"\n") or b"\n" in line[:-1]:
            raise ValueError("a checkpoint is one line ending with a newline")
        created = not self.path.exists()
        if created:
            self._make_directory()
        try:
            descriptor = os.open(self.path, _FLAGS, 0o600)
        except OSError as error:
            raise self._refused(error) from None
        try:
            self._check(os.fstat(descriptor))
            written = 0
            while written < len(line):
                written += os.write(descriptor, line[written:])
            os.fsync(descriptor)
        except OSError as error:
            raise self._refused(error) from None
        finally:
            os.close(descriptor)
        if created:
            _fsync_directory(self.path.parent)

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Each line with its number (from 1), without the newline; none when the file is
        missing."""
        if not self.path.exists():
            return iter(())
        return read_lines(self.path)

    def last_line(self) -> bytes | None:
        """The last complete line, or None when there is none."""
        try:
            with self.path.open("rb") as file:
                size = file.seek(0, os.SEEK_END)
                file.seek(max(0, size - _TAIL))
                tail = file.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise InputError(
                "GW-IN-FILE", f"cannot read the file: {error.strerror}", str(self.path)
            ) from None
        complete = tail[: tail.rfind(b"\n")].rsplit(b"\n", 1)[-1] if b"\n" in tail else b""
        return complete or None

    def _make_directory(self) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise self._refused(error) from None

    def _check(self, status: os.stat_result) -> None:
        if not stat.S_ISREG(status.st_mode):
            raise ConfigError(
                WRITE_ERROR, "the checkpoint file is not a regular file", str(self.path)
            )
        if status.st_mode & 0o022:
            raise ConfigError(
                WRITE_ERROR,
                f"group or others may write the checkpoint file (mode "
                f"{stat.S_IMODE(status.st_mode):04o}); make it 0600",
                str(self.path),
            )

    def _refused(self, error: OSError) -> ConfigError:
        if error.errno == errno.ELOOP:
            reason = "it is a symbolic link"
        else:
            reason = error.strerror or str(error)
        return ConfigError(
            WRITE_ERROR, f"cannot append to the checkpoint file: {reason}", str(self.path)
        )


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Each line of the file at `path` with its number (from 1), without the newline;
    `GW-IN-FILE` when it cannot be read. Blank lines are left out."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise InputError(
            "GW-IN-FILE", f"cannot read the file: {error.strerror}", str(path)
        ) from None
    return _lines(file, path)


def _lines(file: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    with file:
        try:
            for number, line in enumerate(file, start=1):
                if line.strip():
                    yield number, line.rstrip(b"\r\n")
        except OSError as error:
            raise InputError(
                "GW-IN-FILE", f"cannot read the file: {error.strerror}", str(path)
            ) from None


def _fsync_directory(directory: Path) -> None:
    """Make the new file's name durable too (its directory entry)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return  # best effort: the file's data were fsync'd already
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
