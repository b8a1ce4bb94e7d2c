"""The runbook in docs/ follows the code: every exit code and every health state."""

from __future__ import annotations

import re
from pathlib import Path

from importer.health import HealthStatus
from importer.status import ExitStatus

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table under a ``## heading`` of the runbook."""
    section = RUNBOOK.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_runbook_says_what_to_do_for_every_exit_code() -> None:
    codes = [row[0] for row in _table("Exit codes")]
    assert codes == [str(int(status)) for status in sorted(ExitStatus)]
    assert all(row[2] for row in _table("Exit codes")), "each code says what to do"


def test_the_runbook_says_what_to_do_for_every_health_state() -> None:
    rows = _table("The health check")
    assert [(row[0], row[1]) for row in rows] == [
        (str(int(state)), state.name) for state in sorted(HealthStatus)
    ]


def test_the_readme_links_to_the_runbook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\]\(docs/runbook\.md\)", readme)
