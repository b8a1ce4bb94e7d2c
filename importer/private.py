"""What the tool writes is its user's alone: folders 0700, files 0600.

Reports, the ledger, the archive and the drain's logs hold names, e-mails and phone
numbers. Two mechanisms keep them private, so that a new writer cannot forget:

- :func:`private_writes` holds a process umask of 077 while a run, a drain, a ledger
  or a cache writes. Every file created inside it (by ``open``, SQLite, xlsxwriter,
  numpy, ``mkdir``) is born 0600 or 0700, whatever library creates it. The umask is
  process-wide, so it is held by count (:mod:`importer.process_wide`): overlapping runs
  in threads share it, and the last one done puts back the user's umask.
- :func:`private_file` and :func:`private_dir` fix what a umask cannot: a file moved
  into the archive keeps its inode and so its mode, and a ledger or log file made by an
  earlier version was born 0644.

Folders that already exist are not changed (``--out .`` must not lock the user out of
the current folder); the files the tool writes into them are 0600.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from .process_wide import ProcessWideSetting

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "private_dir",
    "private_file",
    "private_writes",
    "privately",
]

P = ParamSpec("P")
R = TypeVar("R")

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _read_umask() -> int:
    mask = os.umask(0o077)  # the only way to read it is to set it
    os.umask(mask)
    return mask


_UMASK = ProcessWideSetting(_read_umask, os.umask, lambda mask: mask | 0o077)


@contextmanager
def private_writes() -> Iterator[None]:
    """Create files 0600 and folders 0700 inside the block (a umask of 077, held by count)."""
    with _UMASK.held():
        yield


def privately(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` inside :func:`private_writes`: for the library's entry points."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with private_writes():
            return function(*args, **kwargs)

    return wrapper


def private_dir(path: Path) -> Path:
    """Make ``path`` and its missing parents as folders 0700; leave existing folders as they are."""
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # made meanwhile by another writer
            continue
        folder.chmod(PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """Make the file ``path`` readable and writable by its owner only (0600); return it."""
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_FILE_MODE:
        path.chmod(PRIVATE_FILE_MODE)
    return path
