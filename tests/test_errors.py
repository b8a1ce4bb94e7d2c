"""The words and exit status of I/O failures of the tool's own folders."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from importer.errors import StorageError, database_storage_error, storage_error
from importer.status import ExitStatus


@pytest.mark.parametrize(
    ("number", "reason", "to_do"),
    [
        (errno.EROFS, "read-only file system", "mount it writable"),
        (errno.ENOSPC, "no space left on device", "free disk space"),
        (errno.EACCES, "permission denied", "make it writable for the user"),
        (errno.ENOENT, "no such file or directory", "create the folder"),
        (errno.ENOTDIR, "not a directory", "a file stands where a folder is expected"),
    ],
)
def test_an_io_failure_names_the_folder_and_what_to_do(
    number: int, reason: str, to_do: str
) -> None:
    error = storage_error(OSError(number, reason.capitalize(), "/srv/leads/out"))
    assert isinstance(error, StorageError)
    assert error.exit_status == ExitStatus.IO_ERROR == 74
    assert error.message.startswith(f"cannot write to /srv/leads/out ({reason}): {to_do}")
    assert "run the same command again" in error.message


def test_other_os_errors_are_not_called_the_machine_s_trouble() -> None:
    assert storage_error(OSError(errno.EBADF, "Bad file descriptor")) is None
    assert storage_error(OSError("no errno at all")) is None


def test_an_io_failure_without_a_path_still_says_what_to_do() -> None:
    error = storage_error(OSError(errno.ENOSPC, "No space left on device"))
    assert error is not None
    assert "cannot write to one of the tool's folders (no space left on device)" in error.message


def test_a_database_the_disk_will_not_write_is_an_io_failure(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    sqlite3.connect(path).close()
    # A read-only open fails to write for root too, as a read-only disk does.
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        db.execute("CREATE TABLE t (x)")
    db.close()
    error = database_storage_error(caught.value, path)
    assert error is not None
    assert error.exit_status == ExitStatus.IO_ERROR
    assert error.message.startswith(f"cannot write to {path} (attempt to write a readonly")
    assert "mount it writable" in error.message


def test_other_database_errors_are_not_io_failures() -> None:
    db = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as caught:
        db.execute("SELECT * FROM missing")
    db.close()
    assert database_storage_error(caught.value, "x") is None
