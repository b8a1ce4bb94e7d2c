"""Lead data is its user's alone: every folder the tool makes is 0700, every file it writes 0600."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.ledger import Ledger
from importer.private import private_dir, private_file, private_writes
from importer.sandbox import SandboxServer

from .helpers import SPRING, CliResult, UseServer, leads_file, us_numbers, write_csv

Run = Callable[..., CliResult]
OLD = 1_700_000_000.0


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The usual umask of 022: without the tool's care, files would be 0644 and folders 0755."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def modes(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (and root) whose mode is not private, with it."""
    loose: dict[str, str] = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            loose[str(path.relative_to(root.parent))] = f"{mode:04o}"
    return loose


def test_an_import_writes_its_reports_ledger_and_list_cache_privately(
    run_cli: Run, tmp_path: Path, state_dir: Path, sandbox: SandboxServer, use_server: UseServer
) -> None:
    use_server(sandbox)
    phones = us_numbers(4, start=9100)
    source = leads_file(tmp_path / "leads.csv", phones, extra=[["N/A", "nobody", ""]])
    dnc = tmp_path / "dnc.txt"
    dnc.write_text(phones[0] + "\n", encoding="utf-8")
    out = tmp_path / "reports" / "leads"
    result = run_cli("import", source, "-m", "generic", "-c", SPRING, "--suppress", dnc,
                     "--out", out)  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert (out / "suppressed.csv").exists() and (state_dir / "ledger.sqlite3").exists()
    assert modes(tmp_path / "reports") == {}
    assert modes(state_dir) == {}
    assert stat.S_IMODE(source.stat().st_mode) == 0o644  # the user's own file is left alone
    assert os.umask(0o022) == 0o022  # the user's umask is back


def test_a_drain_files_everything_away_privately(
    run_cli: Run, tmp_path: Path, state_dir: Path, sandbox: SandboxServer, use_server: UseServer
) -> None:
    use_server(sandbox)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, phones in (("1-good.csv", us_numbers(3, start=9200)),
                         ("2-again.csv", us_numbers(3, start=9200))):  # fmt: skip
        leads_file(inbox / name, phones, extra=[["N/A", "nobody", ""]])
        os.utime(inbox / name, (OLD, OLD))
    drift = write_csv(inbox / "3-drift.csv", [["Phone Number", "first_name"], ["x", "y"]])
    os.utime(drift, (OLD, OLD))
    log = tmp_path / "logs" / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert stat.S_IMODE(inbox.stat().st_mode) == 0o755  # the inbox is the user's
    for folder in ("archive", "failed", "reports"):
        assert (inbox / folder).is_dir(), folder
        assert modes(inbox / folder) == {}, folder
    assert any((inbox / "archive").rglob("*.note.txt"))  # the repeated delivery's note
    assert any((inbox / "failed").glob("*.error.txt"))
    assert modes(tmp_path / "logs") == {}
    assert modes(state_dir) == {}


def test_files_an_earlier_version_left_open_are_closed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    with Ledger(state / "ledger.sqlite3"):
        pass
    for path in state.iterdir():
        path.chmod(0o644)
    with Ledger(state / "ledger.sqlite3"):
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in state.iterdir()}
    assert files and set(files.values()) == {0o600}, files


def test_private_dir_makes_missing_folders_private_and_leaves_existing_ones(
    tmp_path: Path,
) -> None:
    private_dir(tmp_path / "a" / "b" / "c")
    assert [stat.S_IMODE((tmp_path / p).stat().st_mode) for p in ("a", "a/b", "a/b/c")] == [
        0o700, 0o700, 0o700
    ]  # fmt: skip
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    private_dir(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    moved = tmp_path / "moved.csv"
    moved.write_text("x", encoding="utf-8")
    assert stat.S_IMODE(private_file(moved).stat().st_mode) == 0o600


def test_overlapping_private_writes_put_the_umask_back_once_all_are_done() -> None:
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with private_writes():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    with private_writes():
        pass
    current = os.umask(0o077)
    os.umask(current)
    assert current == 0o077  # still held by the other thread
    release.set()
    worker.join()
    assert os.umask(0o022) == 0o022


def test_a_review_of_the_page_keeps_its_store_private(tmp_path: Path) -> None:
    from importer.review import Review

    source = leads_file(tmp_path / "leads.csv", us_numbers(3, start=9400))
    review = Review.build(tmp_path / "review", source, "generic", region="US")
    try:
        assert modes(tmp_path / "review") == {}
    finally:
        review.close()
