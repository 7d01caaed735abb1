"""Files and directories of the gateway's data, readable by the gateway's user only.

The database, its write-ahead log, key files and spooled uploads hold personal data and
secrets: files are created 0600 and directories 0700 whatever the process's umask, and
ones an older version left more open are tightened when the gateway opens them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from gateway.logging import get_logger

__all__ = ["FILE_MODE", "FOLDER_MODE", "open_private", "private_directory", "private_file"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_directory(path: Path) -> Path:
    """`path`, made (with its missing parents) or tightened to 0700."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """`path`, created empty or tightened to 0600 (its content is left as it is)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def open_private(path: Path) -> BinaryIO:
    """`path` opened for writing from its start, created 0600 if new."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    _tighten(path, FILE_MODE)
    return os.fdopen(descriptor, "wb")


def _tighten(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not current & ~mode:
        return
    try:
        path.chmod(current & mode)
    except PermissionError:  # another user's file: the gateway cannot tighten it
        get_logger().warning("a data file is open to other users", path=str(path))
