"""Where the page keeps each import: a private folder per import, removed on request or when old.

Every import started on the page lives in ``<state_dir>/web/<id>/`` (mode 700): the
uploaded file, the mapping used, the reports of each check and send, and
``import.json`` with what the person chose. Nothing is kept in the browser, so a
reload or the back button finds the same state. Folders older than
:data:`RETENTION_DAYS` are removed when the page starts and once a day after.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..private import private_dir as make_private_dir

__all__ = [
    "RETENTION_DAYS",
    "ImportState",
    "Workspace",
    "private_dir",
    "safe_name",
]

#: Days an import's folder is kept after it was last changed.
RETENTION_DAYS = 7
_STATE_FILE = "import.json"
_ID = re.compile(r"[0-9a-f]{16}")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by its owner only."""
    # The missing parents too (the state folder itself, on a first start): a plain
    # ``mkdir(parents=True)`` makes them with the umask's mode, 0755 for most people.
    make_private_dir(path)
    path.chmod(0o700)
    return path


def safe_name(name: str) -> str:
    """A file name for an uploaded file: its last part, letters, digits, dots, dashes."""
    base = re.split(r"[\\/]", name)[-1].strip()
    cleaned = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    return cleaned[:120] or "upload"


@dataclass
class ImportState:
    """What the person chose for one import, kept in ``import.json``."""

    id: str
    file_name: str = ""
    created: float = field(default_factory=time.time)
    #: How to read the file: encoding, delimiter, sheet, header_row (None: detect).
    read: dict[str, Any] = field(default_factory=dict)
    #: A built-in mapping's name, a saved mapping's path, or "custom" (mapping.yaml).
    mapping: str | None = None
    #: The custom mapping as the form gave it (field -> columns), to refill the form.
    custom: dict[str, Any] = field(default_factory=dict)
    region: str | None = None
    campaign: str | None = None
    campaign_name: str | None = None
    #: Send to the embedded sandbox instead of the configured API.
    sandbox: bool = False
    #: The last send or dry run: its report folder name under the import's folder.
    last_run: str | None = None
    last_dry_run: bool = True
    #: The import this one fixes the rejected rows of.
    fixes: str | None = None


class Workspace:
    """The folder of every import of the page: ``<state_dir>/web/``."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "web"
        self._last_purge = 0.0

    def create(self) -> ImportState:
        """Start a new import with its own private folder."""
        private_dir(self.root)
        state = ImportState(id=secrets.token_hex(8))
        private_dir(self.folder(state.id))
        self.save(state)
        return state

    def folder(self, import_id: str) -> Path:
        """The private folder of an import (KeyError for an id that is not one)."""
        if not _ID.fullmatch(import_id):
            raise KeyError(import_id)
        return self.root / import_id

    def exists(self, import_id: str) -> bool:
        """Whether the import is still kept."""
        try:
            return (self.folder(import_id) / _STATE_FILE).is_file()
        except KeyError:
            return False

    def load(self, import_id: str) -> ImportState:
        """Read an import's state (KeyError when it is not kept)."""
        path = self.folder(import_id) / _STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KeyError(import_id) from exc
        known = ImportState.__dataclass_fields__
        return ImportState(**{k: v for k, v in data.items() if k in known})

    def save(self, state: ImportState) -> None:
        """Write an import's state, replacing the file whole."""
        folder = self.folder(state.id)
        temporary = folder / (_STATE_FILE + ".tmp")
        temporary.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
        os.replace(temporary, folder / _STATE_FILE)

    def source(self, state: ImportState) -> Path:
        """The uploaded file of an import."""
        return self.folder(state.id) / "source" / state.file_name

    def delete(self, import_id: str) -> None:
        """Remove an import's folder and everything in it."""
        shutil.rmtree(self.folder(import_id), ignore_errors=True)

    def recent(self, limit: int = 20) -> list[ImportState]:
        """The imports kept, newest first."""
        found = []
        if self.root.is_dir():
            for entry in self.root.iterdir():
                with contextlib.suppress(KeyError, ValueError, TypeError, OSError):
                    found.append(self.load(entry.name))
        found.sort(key=lambda state: -state.created)
        return found[:limit]

    def purge(self, now: float | None = None, days: float = RETENTION_DAYS) -> int:
        """Remove the imports not changed for ``days``; return how many were removed."""
        now = time.time() if now is None else now
        self._last_purge = now
        removed = 0
        if not self.root.is_dir():
            return 0
        for entry in self.root.iterdir():
            if not entry.is_dir() or not _ID.fullmatch(entry.name):
                continue
            newest = max(
                (p.stat().st_mtime for p in entry.rglob("*") if p.exists()),
                default=entry.stat().st_mtime,
            )
            if now - newest > days * 86400:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed

    def purge_daily(self, now: float | None = None) -> None:
        """Purge when the last purge was more than a day ago."""
        now = time.time() if now is None else now
        if now - self._last_purge > 86400:
            self.purge(now)
