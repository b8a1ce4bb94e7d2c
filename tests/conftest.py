"""Shared fixtures: paths to sample data, a CLI runner that goes through main()."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from importer.cli import main
from importer.sandbox import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ledger folder; nothing is written to the user's state dir."""
    folder = tmp_path / "state"
    monkeypatch.setenv("WHITECLAD_STATE_DIR", str(folder))
    return folder


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the real command line in-process, as the console script does."""

    def run(*args: str | Path) -> CliResult:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


def read_report(path: Path) -> list[dict[str, str]]:
    """Read a report CSV (UTF-8 with BOM) into dicts."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_summary(out_dir: Path) -> dict[str, object]:
    return dict(json.loads((out_dir / "summary.json").read_text(encoding="utf-8")))


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """Write rows as a CSV file in the given encoding."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox API server on a free loopback port for the whole session (no rate limit).

    Shared: create your own campaign (POST /_sandbox/campaigns) to get exact counts,
    and start your own short-lived SandboxServer to change credits, limits or faults.
    """
    with SandboxServer(SandboxConfig(rate_limit=0), host="127.0.0.1", port=0) as server:
        yield server
