"""The gateway's data files are its user's alone (0600, folders 0700), whatever the umask,
and ones an older version left open are tightened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.private_files import open_private, private_directory, private_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)  # everything a process creates would be world-writable
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_new_files_and_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    folder = private_directory(tmp_path / "data")
    database = private_file(folder / "gateway.sqlite3")
    with open_private(folder / "spool.part") as spool:
        spool.write(b"personal data")
    assert (_mode(folder), _mode(database), _mode(folder / "spool.part")) == (0o700, 0o600, 0o600)


def test_open_ones_are_tightened_and_keep_their_content(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    old = folder / "gateway.sqlite3"
    old.write_bytes(b"SQLite format 3\x00")
    old.chmod(0o644)
    private_directory(folder)
    private_file(old)
    assert (_mode(folder), _mode(old)) == (0o700, 0o600)
    assert old.read_bytes() == b"SQLite format 3\x00"
