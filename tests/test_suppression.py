"""Do-not-call lists: each format, area codes, the cache, stale lists, and runs that use them."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.client import Credentials
from importer.errors import ListError, UsageError
from importer.pipeline import ImportOptions, run_import
from importer.sandbox import SandboxServer
from importer.suppression import CACHE_DIR, load_lists, read_entry

from .helpers import (
    SAMPLES,
    SPRING,
    CliResult,
    UseServer,
    assert_every_row_once,
    read_report,
    read_summary,
    write_csv,
)

LISTED, OTHER = "+13055552671", "+14155552671"


def _text_list(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_registry_download_and_numbers_in_any_format_are_read(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", [
        "# the registry's download, one ten-digit number a line", "3055552671", "",
        "(212) 555-2671", "+44 20 7946 0958",
    ])  # fmt: skip
    suppression = load_lists([listed], "US", tmp_path / "state")
    phones = [LISTED, OTHER, "+12125552671", "+442079460958", ""]
    assert suppression.find(phones) == {
        0: f"{listed}, line 2",
        2: f"{listed}, line 4",
        3: f"{listed}, line 5",
    }
    (info,) = suppression.infos
    assert (info.numbers, info.prefixes, info.lines_skipped) == (3, 0, 0)
    assert suppression.notices() == []


def test_a_line_that_cannot_be_read_stops_the_run_naming_the_list_and_line(
    tmp_path: Path,
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "not a number", "4155552671"])
    with pytest.raises(ListError) as caught:
        load_lists([listed], "US", tmp_path / "state")
    message = caught.value.message
    assert str(listed) in message and "line 2 'not a number'" in message
    assert "--suppress-skip-bad-lines" in message and "Fix or delete those lines" in message
    for lead_option in ("--header-row", "--encoding", "--sheet", "--delimiter", "mapping"):
        assert lead_option not in message
    assert not list((tmp_path / "state" / CACHE_DIR).glob("*.meta"))  # nothing compiled
    # Only the explicit option goes on: the line is left out, counted and named.
    suppression = load_lists([listed], "US", tmp_path / "state", skip_bad_lines=True)
    assert suppression.find([LISTED, OTHER]) == {0: f"{listed}, line 1", 1: f"{listed}, line 3"}
    assert suppression.lines_skipped == 1
    assert suppression.summary()["lists"][0]["lines_skipped"] == 1
    (notice,) = suppression.notices()
    assert "1 line(s) could not be read and were left out" in notice and "line 2" in notice
    # The option is part of the cache's key: a run without it stops again.
    with pytest.raises(ListError, match="line 2 'not a number'"):
        load_lists([listed], "US", tmp_path / "state")


def test_the_registry_flat_area_code_number_layout_is_read_whatever_its_extension(
    tmp_path: Path,
) -> None:
    for name in ("flat.txt", "flat.csv"):
        listed = _text_list(tmp_path / name, ["718,2745501", "212,5552671"])
        suppression = load_lists([listed], None, tmp_path / "state")
        found = suppression.find(["+17182745501", "+12125552671", OTHER])
        assert found == {0: f"{listed}, line 1", 1: f"{listed}, line 2"}, name


def test_a_list_of_ten_digit_numbers_with_no_region_is_read_as_north_american(
    tmp_path: Path,
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["7182745501", "1-212-555-2671"])
    suppression = load_lists([listed], None, tmp_path / "state")
    assert suppression.find(["+17182745501", "+12125552671"]) == {
        0: f"{listed}, line 1",
        1: f"{listed}, line 2",
    }


def test_in_a_run_of_another_country_an_entry_without_plus_is_read_both_ways(
    tmp_path: Path,
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["7182745501", "020 7946 0958", "+1 212 555 2671"])
    suppression = load_lists([listed], "GB", tmp_path / "state")
    found = suppression.find(["+17182745501", "+447182745501", "+442079460958", "+12125552671"])
    assert set(found) == {0, 1, 2, 3}
    (info,) = suppression.infos
    assert info.both_readings == 1
    assert any("read as numbers of the default country and as North American" in text
               for text in suppression.notices())  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("utf-16", "\r\n"), ("utf-16-le", "\r\n"),
     ("utf-16-be", "\n"), ("cp1252", "\r"), ("utf-8", "\r")],
)  # fmt: skip
def test_every_encoding_and_line_end_of_a_text_list_is_read(
    tmp_path: Path, encoding: str, newline: str
) -> None:
    text = newline.join(["# opt-outs, café list", "", "7182745501  # asked 2026-02-01",
                         "(212) 555-2671\t# by e-mail", ""])  # fmt: skip
    listed = tmp_path / "dnc.txt"
    listed.write_bytes(text.encode(encoding))
    suppression = load_lists([listed], None, tmp_path / "state")
    assert suppression.find(["+17182745501", "+12125552671", OTHER]) == {
        0: f"{listed}, line 3",
        1: f"{listed}, line 4",
    }


def test_a_number_excel_wrote_in_scientific_notation_stops_the_run(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.csv", ["phone", "7182745501", "2.12432E+09"])
    with pytest.raises(ListError, match=r"line 3 '2\.12432E\+09' lost digits"):
        load_lists([listed], "US", tmp_path / "state")


def test_a_mask_followed_by_digits_stops_the_run(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["718-XXX-5501"])
    with pytest.raises(ListError, match=r"line 1 '718-XXX-5501' has masked digits followed"):
        load_lists([listed], "US", tmp_path / "state")


def test_every_phone_column_of_a_list_is_listed(tmp_path: Path) -> None:
    listed = write_csv(tmp_path / "dnc.csv", [
        ["Name", "Mobile", "Home", "Work", "Work Email", "Backup", "Account"],
        ["Ann", "718-274-5501", "(212) 555-2671", "", "ann@example.com", "", "A-1"],
        ["Bo", "", "", "+1 415 555 2671", "bo@example.com", "305 555 2671", "A-2"],
    ])  # fmt: skip
    suppression = load_lists([listed], "US", tmp_path / "state")
    assert suppression.find(["+17182745501", "+12125552671", OTHER, LISTED]) == {
        0: f"{listed}, line 2",
        1: f"{listed}, line 2",
        2: f"{listed}, line 3",
        3: f"{listed}, line 3",  # a column of numbers, whatever its header
    }
    # A phone column is read whole: a cell in it that is no number stops the run.
    junk = write_csv(tmp_path / "junk.csv", [
        ["Name", "Phone"], ["Ann", "718-274-5501"], ["Bo", "ask Ann"], ["Cy", "n/a"],
    ])  # fmt: skip
    with pytest.raises(ListError, match=r"2 line.*line 3 'ask Ann'.*line 4 'n/a'"):
        load_lists([junk], "US", tmp_path / "state")


def test_compressed_lists_are_read_and_every_file_of_an_archive(tmp_path: Path) -> None:
    packed = tmp_path / "dnc.txt.gz"
    packed.write_bytes(gzip.compress(b"7182745501\n212,5552671\n"))
    archive = tmp_path / "registry.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("718.txt", "7182745501\n")
        zipped.writestr("area/212.csv", "212,5552671\n")
        zipped.writestr("__MACOSX/._718.txt", b"\x00\x05")
    suppression = load_lists([packed, archive], None, tmp_path / "state")
    assert suppression.find(["+17182745501", "+12125552671"]) == {
        0: f"{packed}, line 1",
        1: f"{packed}, line 2",
    }
    alone = load_lists([archive], None, tmp_path / "state")
    assert alone.find(["+17182745501", "+12125552671"]) == {
        0: f"{archive}, file 718.txt, line 1",
        1: f"{archive}, file area/212.csv, line 1",
    }


AREA_FORMS = ["305", "305*", "1-305-*", "1305*", "+1 305*", "+1305*", "(305) XXX-XXXX",
              "305-XXX-XXXX", "305xxxxxxx", "305XXXXXXX", "305.XXX.XXXX", "305-NNN-NNNN",
              "305-###-####", "305 ___ ____", "305-\u2022\u2022\u2022-\u2022\u2022\u2022\u2022",
              "1 (305) XXX-XXXX"]  # fmt: skip
EXCHANGE_FORMS = ["305-555-XXXX", "(305) 555-XXXX", "305555*", "+1 305 555*", "1-305-555-xxxx",
                  "305.555.NNNN", "305-555-nnnn"]  # fmt: skip


@pytest.mark.parametrize("entry", AREA_FORMS)
def test_an_entry_can_cover_a_whole_area_code(tmp_path: Path, entry: str) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["2125552671", entry])
    suppression = load_lists([listed], "US", tmp_path / "state")
    found = suppression.find([LISTED, "+13059999999", "+13105552671", "+12125552671"])
    assert found == {0: f"{listed}, line 2", 1: f"{listed}, line 2", 3: f"{listed}, line 1"}
    assert suppression.infos[0].prefixes == 1


@pytest.mark.parametrize("entry", EXCHANGE_FORMS)
def test_an_entry_can_cover_an_exchange(tmp_path: Path, entry: str) -> None:
    listed = _text_list(tmp_path / "dnc.txt", [entry])
    suppression = load_lists([listed], None, tmp_path / "state")
    found = suppression.find([LISTED, "+13055550000", "+13055562671", "+13155552671"])
    assert found == {0: f"{listed}, line 1", 1: f"{listed}, line 1"}


_NPA = st.integers(200, 999)
_NUMBER = st.builds(lambda a, b, c: f"{a}{b}{c:04d}", _NPA, st.integers(200, 999),
                    st.integers(0, 9999))  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    area=_NPA,
    exchange=st.integers(200, 999),
    form=st.sampled_from(AREA_FORMS + EXCHANGE_FORMS),
    region=st.sampled_from([None, "US", "CA"]),
    phones=st.lists(_NUMBER, max_size=20),
)
def test_every_wildcard_form_suppresses_exactly_the_numbers_it_covers(
    area: int, exchange: int, form: str, region: str | None, phones: list[str]
) -> None:
    marked = form.replace("305", "<area>", 1).replace("555", "<exchange>", 1)
    entry = marked.replace("<area>", str(area)).replace("<exchange>", str(exchange))
    covered = f"1{area}{exchange}" if form in EXCHANGE_FORMS else f"1{area}"
    phones = [
        *phones,
        f"{covered}{'0' * (11 - len(covered))}",
        f"{covered}{'9' * (11 - len(covered))}",
    ]
    with tempfile.TemporaryDirectory() as folder:
        listed = _text_list(Path(folder) / "dnc.txt", [entry])
        found = load_lists([listed], region, Path(folder) / "state").find(
            [f"+{p if p.startswith('1') and len(p) == 11 else '1' + p}" for p in phones]
        )
    full = [p if p.startswith("1") and len(p) == 11 else "1" + p for p in phones]
    wanted = {at for at, p in enumerate(full) if p.startswith(covered)}
    assert set(found) == wanted, entry


def test_a_csv_or_workbook_list_has_its_phone_column_found(tmp_path: Path) -> None:
    csv_list = write_csv(tmp_path / "dnc.csv", [
        ["Name", "Opted out", "Phone Number"], ["Ann", "2026-11-01", "305-555-2671"],
        ["Bo", "2026-11-02", ""], ["Cy", "2026-11-03", "+1 212 555 2671"],
    ])  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Who", "Number"], ["Dee", "+1 (415) 555-2671"]):
        sheet.append(row)
    book.save(tmp_path / "dnc.xlsx")
    suppression = load_lists([csv_list, tmp_path / "dnc.xlsx"], "US", tmp_path / "state")
    assert suppression.find([LISTED, "+12125552671", OTHER]) == {
        0: f"{csv_list}, line 2",
        1: f"{csv_list}, line 4",
        2: f"{tmp_path / 'dnc.xlsx'}, line 2",
    }
    no_phone = write_csv(tmp_path / "names.csv", [["Name", "City"], ["Ann", "Boston"]])
    with pytest.raises(UsageError, match="no column holds phone numbers"):
        load_lists([no_phone], "US", tmp_path / "state")


def test_the_compiled_cache_is_used_until_the_list_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671"])
    state = tmp_path / "state"
    (first,) = load_lists([listed], "US", state).infos
    (again,) = load_lists([listed], "US", state).infos
    assert first.compiled_seconds > 0 and again.compiled_seconds == 0.0
    assert len(list((state / CACHE_DIR).glob("*.numbers.npy"))) == 1
    _text_list(listed, ["3055552671", "4155552671"])
    os.utime(listed, (time.time() + 5, time.time() + 5))
    changed = load_lists([listed], "US", state)
    assert changed.infos[0].compiled_seconds > 0 and changed.infos[0].numbers == 2
    assert changed.find([OTHER]) == {0: f"{listed}, line 2"}
    # The same file named another way maps the same cache, and is named as this run names it.
    monkeypatch.chdir(tmp_path)
    relative = load_lists([Path("dnc.txt")], "US", state)
    assert relative.infos[0].compiled_seconds == 0.0
    assert relative.find([OTHER]) == {0: "dnc.txt, line 2"}
    # Another default country reads the same digits differently: another cache.
    assert load_lists([listed], "GB", state).infos[0].compiled_seconds > 0


def test_a_list_older_than_31_days_gets_a_notice(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671"])
    old = time.time() - 40 * 86_400
    os.utime(listed, (old, old))
    (notice,) = load_lists([listed], "US", tmp_path / "state").notices()
    assert "40 days old" in notice and "no older than 31 days" in notice


def test_a_missing_list_stops_the_run_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--suppress .*nothing\.txt: no such file"):
        load_lists([tmp_path / "nothing.txt"], "US", tmp_path / "state")


def _leads(path: Path) -> Path:
    return write_csv(path, [
        ["phone", "first_name"],
        [LISTED, "Listed"],  # row 2: listed, and the first of its number
        [LISTED, "Listed again"],  # row 3: listed too, not a duplicate of a kept row
        [OTHER, "Free"],
        ["+18504321234", "Area code"],
        ["N/A", "Rejected"],
        [OTHER, "Free again"],
    ])  # fmt: skip


def test_a_dry_run_reports_listed_rows_before_duplicates(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "850*"])
    source = _leads(tmp_path / "leads.csv")
    out = tmp_path / "out"
    done = run_cli(source, "-m", "generic", "--region", "US", "--dry-run", "--out", out,
                   "--suppress", listed)  # fmt: skip
    assert done.exit_code == 1, done.stderr  # the N/A row
    assert "suppressed          3  (on a do-not-call list)" in done.stderr
    reports = assert_every_row_once(out, 6)
    suppressed = {row["first_name"]: row["suppressed_by"] for row in reports["suppressed"]}
    assert suppressed == {
        "Listed": f"{listed}, line 1",
        "Listed again": f"{listed}, line 1",
        "Area code": f"{listed}, line 2",
    }
    assert [row["first_name"] for row in reports["duplicates"]] == ["Free again"]
    summary = read_summary(out)
    assert summary["suppressed"] == 3
    assert summary["total"] == sum(
        int(summary[k])  # type: ignore[call-overload]
        for k in ("accepted", "rejected", "duplicates", "suppressed", "pending")
    )
    assert (out / "report.xlsx").exists()
    book = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    assert "Suppressed" in book.sheetnames
    cells = [cell for row in book["Summary"].iter_rows(values_only=True) for cell in row]
    at = cells.index("Suppressed")
    assert cells[at + 1] == 3
    # The Summary sheet also counts leads by where their time zone comes from.
    assert "Time zone from" in cells and cells[cells.index("the phone number") + 1] == 1


def test_no_listed_number_reaches_the_api_and_a_resumed_run_reports_the_same(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "850XXXXXXX"])
    source = _leads(tmp_path / "leads.csv")
    campaign = requests.post(
        sandbox.base_url.split("/api/")[0] + "/_sandbox/campaigns",
        json={"name": "Suppression test", "status": "active"}, timeout=5,
    ).json()["campaign"]["id"]  # fmt: skip
    options = ImportOptions(
        path=source, mapping="generic", region="US", dry_run=False, campaign=campaign,
        base_url=sandbox.base_url, out_dir=tmp_path / "out", state_dir=tmp_path / "state",
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
        suppress=(listed,),
    )  # fmt: skip
    summary = run_import(options)
    assert (summary.accepted, summary.rejected, summary.suppressed) == (1, 1, 3)
    root = sandbox.base_url.split("/api/")[0]
    stored = requests.get(f"{root}/_sandbox/leads", params={"campaignId": campaign},
                          timeout=5).json()["leads"]  # fmt: skip
    assert sorted(lead["phone"] for lead in stored) == [OTHER]
    first = assert_every_row_once(tmp_path / "out", 6)
    assert len(first["suppressed"]) == 3
    again = run_import(replace(options, out_dir=tmp_path / "again"))
    assert again.batches == 0 and again.suppressed == 3
    assert read_report(tmp_path / "again" / "suppressed.csv") == first["suppressed"]


def _styled(number: str, style: int) -> str:
    """A ten-digit number written as people write them."""
    a, b, c = number[:3], number[3:6], number[6:]
    return [number, f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a} {b} {c}", f"1.{a}.{b}.{c}"][style]


def _list_files(folder: Path, numbers: list[str], styles: list[int]) -> list[Path]:
    """The same numbers in every format a list can have."""
    written = [_styled(n, s % 5) for n, s in zip(numbers, styles, strict=False)]
    plain = "\n".join(["# do not call", *written]) + "\n"
    files = {
        "plain.txt": plain.encode(),
        "flat.csv": "".join(f"{n[:3]},{n[3:]}\r\n" for n in numbers).encode(),
        "flat.txt": "".join(f"{n[:3]},{n[3:]}\n" for n in numbers).encode(),
        "noted.txt": "\r".join(
            f"{w}  # asked 2026-02-0{i % 9 + 1}" for i, w in enumerate(written)
        ).encode("cp1252"),
        "unicode.txt": ("\ufeff" + plain.replace("\n", "\r\n")).encode("utf-16-le"),
        "bomless.txt": plain.replace("\n", "\r\n").encode("utf-16-le"),
        "plain.txt.gz": gzip.compress(plain.encode()),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    half = len(numbers) // 2
    write_csv(folder / "table.csv", [["Name", "Mobile", "Home"]] + [
        [f"Lead {i}", w if i < half else "", "" if i < half else w] for i, w in enumerate(written)
    ])  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Who", "Phone"])
    for i, w in enumerate(written):
        sheet.append([f"Lead {i}", int(numbers[i]) if i % 2 else w])
    book.save(folder / "book.xlsx")
    with zipfile.ZipFile(folder / "registry.zip", "w") as zipped:
        zipped.writestr("first.txt", "\n".join(numbers[:half]))
        zipped.writestr("second.csv", "".join(f"{n[:3]},{n[3:]}\n" for n in numbers[half:]))
    return sorted(p for p in folder.iterdir() if p.is_file())


@settings(max_examples=15, deadline=None)
@given(
    numbers=st.lists(_NUMBER, min_size=1, max_size=12, unique=True),
    others=st.lists(_NUMBER, max_size=8),
    styles=st.lists(st.integers(0, 4), min_size=12, max_size=12),
)
def test_every_list_format_of_the_same_numbers_suppresses_the_same_rows(
    numbers: list[str], others: list[str], styles: list[int]
) -> None:
    phones = [f"+1{n}" for n in [*numbers, *others]]
    wanted = {at for at, phone in enumerate(phones) if phone[2:] in numbers}
    with tempfile.TemporaryDirectory() as folder:
        files = _list_files(Path(folder), numbers, styles)
        assert len(files) == 10
        for path in files:
            found = load_lists([path], None, Path(folder) / "state").find(phones)
            assert set(found) == wanted, path.name


def test_a_run_with_an_unreadable_list_stops_before_anything_is_sent(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    listed = _text_list(tmp_path / "dnc.csv", ["718,2745501", "3055552671", "2.12432E+09"])
    source = _leads(tmp_path / "leads.csv")
    out = tmp_path / "out"
    args = [source, "-m", "generic", "--region", "US", "--dry-run", "--out", out,
            "--state-dir", tmp_path / "state", "--suppress", listed]  # fmt: skip
    done = run_cli(*args)
    assert done.exit_code == 2, done.stderr
    assert f"Error: do-not-call list {listed}: 1 line(s) cannot be read" in done.stderr
    assert "line 3 '2.12432E+09' lost digits" in done.stderr
    assert "--header-row" not in done.stderr and "--encoding" not in done.stderr
    assert not (out / "accepted.csv").exists()
    # Going on past the line is explicit, and the count shows everywhere the run is told.
    done = run_cli(*args, "--suppress-skip-bad-lines")
    assert done.exit_code == 1, done.stderr  # the N/A row
    assert "Do-not-call lists: 1 line(s) could not be read and were left out" in done.stderr
    summary = read_summary(out)
    assert summary["suppressed"] == 2
    lists = summary["suppression"]
    assert isinstance(lists, dict) and lists["lines_skipped"] == 1
    assert lists["lists"][0]["lines_skipped"] == 1 and lists["lists"][0]["numbers"] == 2
    assert any("line 3 '2.12432E+09'" in text for text in summary["notices"])  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    cells = [cell for row in book["Summary"].iter_rows(values_only=True) for cell in row]
    assert cells[cells.index("Do-not-call lines skipped") + 1] == 1


def test_the_python_api_and_a_profile_take_the_lists_and_the_skip_option(tmp_path: Path) -> None:
    from importer.api import import_file

    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "(305) 555-"])
    source = _leads(tmp_path / "leads.csv")
    with pytest.raises(ListError, match="line 2"):
        import_file(source, "generic", region="US", dry_run=True, out_dir=tmp_path / "a",
                    state_dir=tmp_path / "state", suppress=[listed])  # fmt: skip
    summary = import_file(source, "generic", region="US", dry_run=True, out_dir=tmp_path / "b",
                          state_dir=tmp_path / "state", suppress=[listed],
                          suppress_skip_bad_lines=True)  # fmt: skip
    assert summary.suppressed == 2 and summary.suppression["lines_skipped"] == 1
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        f"profiles:\n  nightly:\n    suppress: [{listed}]\n    suppress_skip_bad_lines: true\n",
        encoding="utf-8",
    )
    summary = import_file(source, "generic", region="US", dry_run=True, out_dir=tmp_path / "c",
                          state_dir=tmp_path / "state", config=config,
                          profile="nightly")  # fmt: skip
    assert summary.suppressed == 2 and summary.suppression["lines_skipped"] == 1


DNC_SAMPLES = json.loads((SAMPLES / "dnc" / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(DNC_SAMPLES["lists"]))
def test_each_bundled_list_suppresses_its_expected_rows_of_the_lead_sample(
    tmp_path: Path, name: str
) -> None:
    leads = DNC_SAMPLES["leads"]
    summary = run_import(
        ImportOptions(path=SAMPLES / leads["file"], mapping=leads["mapping"],
                      region=leads["region"], dry_run=True, out_dir=tmp_path / "out",
                      state_dir=tmp_path / "state", workbook=False,
                      suppress=(SAMPLES / "dnc" / name,))
    )  # fmt: skip
    suppressed = read_report(tmp_path / "out" / "suppressed.csv")
    assert [int(row["source_row"]) for row in suppressed] == DNC_SAMPLES["lists"][name]
    assert summary.balanced and summary.suppression["lines_skipped"] == 0


def test_the_bundled_lists_are_what_their_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("generate_dnc", SAMPLES / "generate_dnc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.files()
    assert sorted(written) == sorted(DNC_SAMPLES["lists"])
    for name, data in written.items():
        on_disk = (SAMPLES / "dnc" / name).read_bytes()
        # Deflated bytes depend on the zlib version: compare what they hold.
        if name.endswith(".gz"):
            assert gzip.decompress(on_disk) == gzip.decompress(data), name
        elif name.endswith((".zip", ".xlsx")):
            with (
                zipfile.ZipFile(io.BytesIO(on_disk)) as disk,
                zipfile.ZipFile(io.BytesIO(data)) as new,
            ):
                assert {m: disk.read(m) for m in disk.namelist()} == {
                    m: new.read(m) for m in new.namelist()
                }, name
        else:
            assert on_disk == data, name


def test_a_list_that_holds_no_number_stops_the_run(tmp_path: Path) -> None:
    for name, text in (("empty.txt", ""), ("comments.txt", "# registry download\n\n"),
                       ("header.csv", "Name,Phone\n")):  # fmt: skip
        listed = tmp_path / name
        listed.write_text(text, encoding="utf-8")
        with pytest.raises(ListError, match="holds no number"):
            load_lists([listed], "US", tmp_path / "state")


def test_a_drain_with_an_unreadable_list_leaves_the_file_in_the_inbox(
    run_cli: Callable[..., CliResult], tmp_path: Path, sandbox: SandboxServer,
    use_server: UseServer,
) -> None:  # fmt: skip
    use_server(sandbox)
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "(305) 555-XX71"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    leads = _leads(inbox / "leads.csv")
    old = time.time() - 600
    os.utime(leads, (old, old))
    done = run_cli("drain", inbox, "-m", "generic", "--campaign", SPRING, "--region", "US",
                   "--suppress", listed, "--state-dir", tmp_path / "state",
                   "--settle-seconds", "0", "--no-progress")  # fmt: skip
    assert done.exit_code == 2, done.stderr
    assert "line 2 '(305) 555-XX71' has masked digits followed by digits" in done.stderr
    assert leads.exists()  # left for the drain after the list is fixed
    assert not list(tmp_path.rglob("accepted.csv"))


@pytest.mark.parametrize(
    ("entry", "read"),
    [("718-274-5501 x12", ([17182745501], [])), ("7182745501x12", ([17182745501], [])),
     ("+44 20 7946 XXXX", ([], ["44207946"])), ("718274550X", ([], ["1718274550"])),
     ("=\"7182745501\"", ([17182745501], [])), ("'718 274 5501", ([17182745501], [])),
     ("0017182745501", ([17182745501], [])), ('"(718) 274-5501"', ([17182745501], []))],
)  # fmt: skip
def test_an_entry_reads_as_its_numbers_and_prefixes(
    entry: str, read: tuple[list[int], list[str]]
) -> None:
    assert read_entry(entry, None) == read


@pytest.mark.parametrize(
    "entry", ["+1 718 XXX XXX", "718-XXX-XXX", "*", "+1*", "718*5501", "07911 123456", "718X*"]
)
def test_an_entry_that_is_no_number_or_prefix_says_why(entry: str) -> None:
    with pytest.raises(ValueError, match=r"\w+"):
        read_entry(entry, None)


def test_a_compressed_list_cut_short_stops_the_run(tmp_path: Path) -> None:
    packed = gzip.compress(b"".join(b"%010d\n" % (2125550000 + n) for n in range(5000)))
    cut = tmp_path / "registry.txt.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ListError, match=r"cannot be read to its end.*download it again"):
        load_lists([cut], None, tmp_path / "state")
