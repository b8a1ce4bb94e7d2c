"""The metrics file: Prometheus text format, every outcome, written at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from importer.errors import ReportError
from importer.metrics import (
    OUTCOMES,
    DrainMetrics,
    drain_metrics,
    last_success,
    render_metrics,
    write_metrics,
)

Key = tuple[str, frozenset[tuple[str, str]]]
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)')


def parse_metrics(text: str) -> dict[Key, float]:
    """Parse the text exposition format strictly: HELP and TYPE before each family's samples."""
    assert text.endswith("\n")
    samples: dict[Key, float] = {}
    typed: dict[str, str] = {}
    helped: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert re.fullmatch(_NAME, name) and name not in helped, line
            helped.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name in helped and name not in typed and kind in ("gauge", "counter"), line
            typed[name] = kind
        else:
            found = _SAMPLE.match(line)
            assert found is not None, line
            name, labels, value = found.groups()
            assert name in typed, f"{name} has no # TYPE line before its samples"
            pairs = _LABEL.findall(labels or "")
            assert ",".join(f'{k}="{v}"' for k, v in pairs) == (labels or ""), line
            unescaped = frozenset(
                (k, v.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\"))
                for k, v in pairs
            )
            key = (name, unescaped)
            assert key not in samples, f"{line}: the same series twice"
            samples[key] = float(value)
    return samples


def _metrics(**changes: object) -> DrainMetrics:
    values: dict[str, object] = {
        "profile": "acme", "inbox": "/srv/leads/acme/inbox",
        "rows": {"accepted": 7, "rejected": 2, "duplicates": 1, "suppressed": 3, "pending": 0},
        "files": 2, "duration_seconds": 12.5, "finished_at": 1765160100.0, "exit_status": 1,
        "inbox_files": 0, "last_success": 1765160100.0,
    }  # fmt: skip
    values.update(changes)
    return DrainMetrics(**values)  # type: ignore[arg-type]


def test_every_outcome_duration_success_files_left_and_status_are_labelled_by_profile() -> None:
    samples = parse_metrics(render_metrics(_metrics()))
    labels = frozenset({("profile", "acme"), ("inbox", "/srv/leads/acme/inbox")})
    rows = {dict(labels_)["outcome"]: value for (name, labels_), value in samples.items()
            if name == "whiteclad_drain_rows"}  # fmt: skip
    assert rows == {"accepted": 7, "rejected": 2, "duplicates": 1, "suppressed": 3, "pending": 0}
    assert set(rows) == set(OUTCOMES)
    assert samples["whiteclad_drain_duration_seconds", labels] == 12.5
    assert samples["whiteclad_drain_last_success_timestamp_seconds", labels] == 1765160100
    assert samples["whiteclad_drain_last_finish_timestamp_seconds", labels] == 1765160100
    assert samples["whiteclad_drain_inbox_files", labels] == 0
    assert samples["whiteclad_drain_exit_status", labels] == 1
    assert samples["whiteclad_drain_files", labels] == 2


def test_label_values_are_escaped() -> None:
    samples = parse_metrics(render_metrics(_metrics(inbox='C:\\drop\\"new"\nline')))
    assert ("inbox", 'C:\\drop\\"new"\nline') in next(iter(samples))[1]


def test_a_never_successful_account_has_no_last_success_sample() -> None:
    samples = parse_metrics(render_metrics(_metrics(last_success=None, exit_status=3)))
    assert not any(name.endswith("last_success_timestamp_seconds") for name, _ in samples)


def test_the_last_success_is_kept_from_the_file_when_a_drain_needs_a_person(
    tmp_path: Path,
) -> None:
    path = tmp_path / "whiteclad_acme.prom"
    summary = {"inbox": "/in", "started_at": "2026-12-08T02:15:00+00:00",
               "finished_at": "2026-12-08T02:16:40+00:00", "exit_status": 0,
               "files": [{"counts": {"accepted": 4, "suppressed": 1}}]}  # fmt: skip
    first = drain_metrics(summary, profile="acme", inbox_files=0, previous=last_success(path))
    write_metrics(path, first)
    assert first.duration_seconds == 100 and first.rows["suppressed"] == 1
    failed = {**summary, "exit_status": 3, "finished_at": "2026-12-09T02:16:40+00:00"}
    second = drain_metrics(failed, profile="acme", inbox_files=1, previous=last_success(path))
    assert second.last_success == first.finished_at
    assert second.finished_at == first.finished_at + 86400


def test_the_file_is_replaced_at_once_and_nothing_else_is_left(tmp_path: Path) -> None:
    path = tmp_path / "textfile" / "whiteclad_acme.prom"
    path.parent.mkdir()
    path.write_text("old\n", encoding="utf-8")
    write_metrics(path, _metrics())
    assert [p.name for p in path.parent.iterdir()] == ["whiteclad_acme.prom"]
    assert parse_metrics(path.read_text(encoding="utf-8"))


def test_a_metrics_file_that_cannot_be_written_says_what_to_change(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ReportError, match="metrics_file"):
        write_metrics(blocker / "whiteclad.prom", _metrics())
