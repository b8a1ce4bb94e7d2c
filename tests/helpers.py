"""Helpers the tests share: paths, report readers, lead files, sandbox look-ups, the invariant.

Fixtures live in conftest.py; these are plain functions and values, imported by name.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import requests

from importer.dedupe import shared_note
from importer.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def duplicate_note(want: dict[str, Any]) -> str:
    """The ``duplicate_of`` a duplicates report gives for an expected.json duplicate."""
    return shared_note(want["of"]) if want.get("shared") else f"row {want['of']}"


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


SPRING = "65f2a1b2c3d4e5f6a7b8c9d0"
WEBINAR = "65f2a1b2c3d4e5f6a7b8c9d1"
PAUSED = "65f2a1b2c3d4e5f6a7b8c9d2"
OUTCOME_FILES = ("accepted", "rejected", "duplicates", "suppressed", "pending")


def us_numbers(count: int, start: int = 0) -> list[str]:
    """Valid, distinct US numbers in the 555 exchange."""
    numbers = []
    area_codes = ["212", "312", "415", "646", "718", "917"]
    for i in range(start, start + count):
        area, line = area_codes[i // 10_000 % len(area_codes)], i % 10_000
        number = f"+1{area}555{line:04d}"
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
        numbers.append(number)
    return numbers


def leads_file(path: Path, phones: list[str], extra: list[list[str]] | None = None) -> Path:
    rows = [["phone", "first_name", "email"]]
    rows += [[phone, f"Lead {i}", f"lead{i}@example.com"] for i, phone in enumerate(phones)]
    return write_csv(path, rows + (extra or []))


def stats(server: SandboxServer) -> dict[str, Any]:
    root = server.base_url.split("/api/")[0]
    return dict(requests.get(f"{root}/_sandbox/stats", timeout=5).json())


def stored_phones(server: SandboxServer, campaign: str) -> list[str]:
    root = server.base_url.split("/api/")[0]
    body = requests.get(f"{root}/_sandbox/leads", params={"campaignId": campaign}, timeout=5).json()
    leads = body.get("data", body)
    leads = leads.get("leads", leads) if isinstance(leads, dict) else leads
    return [lead["phone"] for lead in leads]


def set_credits(server: SandboxServer, balance: float) -> None:
    """Set the sandbox's credit balance."""
    root = server.base_url.split("/api/")[0]
    requests.post(
        f"{root}/_sandbox/credits", json={"balance": balance}, timeout=5
    ).raise_for_status()


def posts(server: SandboxServer) -> int:
    return int(stats(server)["leadPosts"])


def assert_every_row_once(out: Path, data_rows: int) -> dict[str, list[dict[str, str]]]:
    """The invariant: each data row in exactly one report, and the summary adds up."""
    reports = {
        name: read_report(out / f"{name}.csv") if (out / f"{name}.csv").exists() else []
        for name in OUTCOME_FILES
    }
    rows = [row["source_row"] for found in reports.values() for row in found]
    assert len(rows) == len(set(rows)) == data_rows
    summary = read_summary(out)
    assert summary["total"] == data_rows
    for name in OUTCOME_FILES:
        key = "duplicates" if name == "duplicates" else name
        assert summary[key] == len(reports[name]), name
    return reports


#: The type of the ``use_server`` fixture: points the environment at a sandbox server.
UseServer = Callable[[SandboxServer], SandboxServer]


#: The retry settings every test runs with, unless it sets its own (see conftest.py).
TEST_RETRY = {
    "WHITECLAD_MAX_RETRIES": "3",
    "WHITECLAD_RETRY_MAX_BACKOFF": "30s",
    "WHITECLAD_RETRY_PATIENCE": "30s",
}


def night_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the tests' short retry settings: the run gets the defaults, or a profile's."""
    for name in TEST_RETRY:
        monkeypatch.delenv(name, raising=False)


def start_outage(server: SandboxServer, status: int, **how: float) -> None:
    """Make the sandbox answer API requests with ``status`` (seconds=, requests=, after_posts=)."""
    root = server.base_url.split("/api/")[0]
    requests.post(
        f"{root}/_sandbox/outage", json={"status": status, **how}, timeout=5
    ).raise_for_status()
