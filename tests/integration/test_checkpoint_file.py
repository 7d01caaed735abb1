"""The append-only checkpoint file on a real file system: modes, appends, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.adapters.checkpoint_file import CheckpointFile, read_lines
from gateway.errors import ConfigError, InputError


def test_lines_are_appended_to_a_private_file_in_a_private_directory(tmp_path: Path) -> None:
    file = CheckpointFile(tmp_path / "audit" / "checkpoints.log")
    assert list(file.lines()) == []
    assert file.last_line() is None
    file.append(b"<one/>\n")
    CheckpointFile(file.path).append(b"<two/>\n")  # another writer: still at the end
    assert file.path.read_bytes() == b"<one/>\n<two/>\n"
    assert file.path.stat().st_mode & 0o777 == 0o600
    assert file.path.parent.stat().st_mode & 0o777 == 0o700
    assert list(file.lines()) == [(1, b"<one/>"), (2, b"<two/>")]
    assert file.last_line() == b"<two/>"


def test_a_line_cut_short_is_not_taken_for_the_last_one(tmp_path: Path) -> None:
    file = CheckpointFile(tmp_path / "checkpoints.log")
    file.path.write_bytes(b"<one/>\n<tw")
    file.path.chmod(0o600)
    assert file.last_line() == b"<one/>"
    assert list(file.lines()) == [(1, b"<one/>"), (2, b"<tw")]  # verify refuses it


def test_only_one_whole_line_is_appended(tmp_path: Path) -> None:
    file = CheckpointFile(tmp_path / "checkpoints.log")
    for bad in (b"<no-newline/>", b"<a/>\n<b/>\n"):
        with pytest.raises(ValueError, match="one line"):
            file.append(bad)
    assert not file.path.exists()


def test_a_file_others_may_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.log"
    path.write_bytes(b"")
    path.chmod(0o664)
    with pytest.raises(ConfigError) as caught:
        CheckpointFile(path).append(b"<one/>\n")
    assert caught.value.code == "GW-AUDIT-CHECKPOINT-WRITE"
    assert "mode 0664" in caught.value.message
    assert caught.value.path == str(path)
    assert path.read_bytes() == b""


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.log"
    target.write_bytes(b"")
    target.chmod(0o600)
    link = tmp_path / "checkpoints.log"
    link.symlink_to(target)
    with pytest.raises(ConfigError) as caught:
        CheckpointFile(link).append(b"<one/>\n")
    assert caught.value.code == "GW-AUDIT-CHECKPOINT-WRITE"
    assert "symbolic link" in caught.value.message
    assert target.read_bytes() == b""


def test_a_directory_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    (tmp_path / "audit").write_bytes(b"a file where the directory should be")
    with pytest.raises(ConfigError) as caught:
        CheckpointFile(tmp_path / "audit" / "checkpoints.log").append(b"<one/>\n")
    assert caught.value.code == "GW-AUDIT-CHECKPOINT-WRITE"
    assert caught.value.message.startswith("cannot append to the checkpoint file: ")


def test_a_file_to_read_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_lines(tmp_path / "missing.log")
    assert caught.value.code == "GW-IN-FILE"
