"""The review behind the page: verdicts equal the command line's, edits, fixes, undo, export."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer import review as review_module
from importer.pipeline import ImportOptions, run_import
from importer.reader import ReadOptions
from importer.review import SKIPPED_MARK, CellProblem, Review, RowView

from .helpers import SAMPLES, read_report, read_summary, us_numbers, write_csv

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
HEADER = ["phone", "first_name", "email", "timezone", "country"]


def _outcome(view: RowView) -> dict[str, object]:
    if view.status == "valid":
        return {"outcome": "accepted", "phone_e164": view.phone_e164}
    if view.status == "duplicate":
        return {"outcome": "duplicate", "of": view.duplicate_of}
    if view.status == "suppressed":
        (mark,) = view.problems
        return {"outcome": "suppressed", "code": mark.code, "phone_e164": view.phone_e164 or ""}
    assert view.status == "rejected"
    # The codes that reject the row, as rejected.csv's error_codes lists them.
    codes = {p.code for p in view.problems if p.severity == "error"}
    return {"outcome": "rejected", "codes": sorted(codes)}


def _real(problems: tuple[CellProblem, ...]) -> list[CellProblem]:
    """The problems but the warning of the fictional test numbers (555-0100 to 0199)."""
    return [problem for problem in problems if problem.code != "phone_fictional"]


def _all(review: Review, filter: str = "all") -> list[RowView]:
    return list(review.page(filter, 0, 1_000_000).rows)


def _state(review: Review) -> list[RowView]:
    return _all(review)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_row_gets_the_command_lines_verdict(name: str, tmp_path: Path) -> None:
    spec = EXPECTED[name]
    review = Review.build(tmp_path / "review", SAMPLES / name, spec["mapping"],
                          region=spec["region"])  # fmt: skip
    got = {view.source_row: _outcome(view) for view in _all(review)}
    want = {}
    for row, expected in spec["rows"].items():
        if expected["outcome"] == "blank":
            continue
        if expected["outcome"] == "rejected":
            expected = {**expected, "codes": sorted(expected["codes"])}
        # The page shows a shared number's duplicate like any other: of the row holding it;
        # the zone and warnings a lead is sent with are the pipeline's to check.
        want[int(row)] = {
            key: value
            for key, value in expected.items()
            if key not in {"shared", "time_zone", "warnings"}
        }
    assert got == want
    counts = review.counts()
    assert counts.total == len(want)
    assert (
        counts.valid + counts.rejected + counts.duplicates + counts.suppressed + counts.skipped
        == counts.total
    )
    review.close()


def _leads(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, [HEADER, *rows])


@pytest.fixture
def small(tmp_path: Path) -> Review:
    phones = us_numbers(4)
    path = _leads(
        tmp_path / "leads.csv",
        [
            [phones[0], "Ada", "ada@example.com", "", ""],  # 2 valid
            ["(415) 555-0101", "Bram", "bram@example", "", ""],  # 3 rejected: email
            [phones[1], "Cleo", "", "", ""],  # 4 valid
            [phones[0], "Dara", "", "", ""],  # 5 duplicate of 2
            ["N/A", "Eli", "", "", ""],  # 6 placeholder
            [phones[2], "Fay", "", "IST", ""],  # 7 timezone_ambiguous
        ],
    )
    return Review.build(tmp_path / "review", path, "generic", region="US")


def test_counts_and_filters(small: Review) -> None:
    counts = small.counts()
    assert (counts.total, counts.valid, counts.rejected, counts.duplicates) == (6, 2, 3, 1)
    assert counts.codes == {"email_invalid": 1, "phone_placeholder": 1, "timezone_ambiguous": 1}
    assert [v.source_row for v in _all(small, "rejected")] == [3, 6, 7]
    assert [v.source_row for v in _all(small, "problems")] == [3, 6, 7]
    assert [v.source_row for v in _all(small, "duplicates")] == [5]
    assert [v.source_row for v in _all(small, "code:email_invalid")] == [3]
    page = small.page("all", 2, 2)
    assert [v.source_row for v in page.rows] == [4, 5] and page.matching == 6
    with pytest.raises(ValueError):
        small.page("nonsense")


def test_a_problem_is_placed_on_its_cell(small: Review) -> None:
    (problem,) = _real(small.row(3).problems)
    assert (problem.field, problem.column, problem.code, problem.severity) == (
        "email", "email", "email_invalid", "error",
    )  # fmt: skip
    assert "bram@example" in problem.message


def test_edit_fixes_a_rejected_row(small: Review) -> None:
    view = small.edit(3, "email", "bram@example.com")
    assert view.status == "valid" and _real(view.problems) == [] and view.edited == {"email"}
    assert view.phone_e164 == "+14155550101"
    counts = small.counts()
    assert (counts.valid, counts.rejected) == (3, 2)
    assert "email_invalid" not in counts.codes


def test_edit_that_makes_and_unmakes_a_duplicate(small: Review) -> None:
    phone = small.row(4).cells["phone"]
    view = small.edit(3, "email", "")  # row 3 valid: +14155550101
    assert view.status == "valid"
    view = small.edit(3, "phone", phone)  # now a duplicate of row 4? no: row 3 comes first
    assert view.status == "valid"
    assert small.row(4).status == "duplicate" and small.row(4).duplicate_of == 3
    small.edit(3, "phone", "not a phone")
    assert small.row(3).status == "rejected"
    assert small.row(4).status == "valid" and small.row(4).duplicate_of is None
    # Editing the kept row of a pair frees the later one.
    small.edit(2, "phone", "+1 415 555 0177")
    assert small.row(5).status == "valid" and small.row(5).duplicate_of is None


def test_skip_and_keep(small: Review) -> None:
    view = small.skip(2)
    assert view.status == "skipped"
    assert small.row(5).status == "valid"  # a skipped row does not take part
    assert small.counts().skipped == 1
    assert [v.source_row for v in _all(small, "skipped")] == [2]
    view = small.skip(2, False)
    assert view.status == "valid" and small.row(5).status == "duplicate"
    small.skip(6)
    assert "phone_placeholder" not in small.counts().codes


def _bigger(tmp_path: Path, rows: int = 240) -> Review:
    phones = us_numbers(rows)
    data = []
    for i in range(rows):
        kind = i % 8
        if kind == 0:
            phone = phones[i][2:].replace("555", " 555 ")  # national: no country code
        elif kind == 1:
            phone = "N/A"
        elif kind == 2:
            phone = phones[i - 5] if i >= 5 else phones[i]  # a repeat of a valid earlier row
        else:
            phone = phones[i]
        email = "broken@" if kind == 3 else ""
        zone = "GMT-5" if kind == 4 else ""
        data.append([phone, f"Lead {i}", email, zone, ""])
    path = _leads(tmp_path / "big.csv", data)
    # No default country: the numbers without a country code are rejected.
    return Review.build(tmp_path / "review", path, "generic")


def test_bulk_fixes_count_and_apply_over_the_whole_file(tmp_path: Path) -> None:
    review = _bigger(tmp_path)
    fixes = {fix.key: fix for fix in review.bulk_fixes()}
    assert fixes["region:US"].rows == 30
    assert fixes["region:US"].title.startswith("30 phones have no country code → read them as")
    assert next(iter(fixes)) == "region:US"  # the country of the file's other numbers first
    assert len(fixes["region:US"].preview) == 10
    row, column, before, after = fixes["region:US"].preview[0]
    assert (row, column) == (2, "phone") and after == "+1" + before.replace(" ", "")
    assert fixes["skip:phone_placeholder"].rows == 30
    assert fixes["skip:phone_placeholder"].preview[0] == (3, "phone", "N/A", SKIPPED_MARK)
    assert fixes["clear:email_invalid"].rows == 30
    assert fixes["clear:email_invalid"].preview[0][2:] == ("broken@", "")
    assert fixes["clear:timezone_offset"].rows == 30
    duplicates = review.counts().duplicates
    assert fixes["skip:duplicates"].rows == duplicates > 10

    assert review.apply("region:US") == 30
    counts = review.counts()
    assert "phone_no_region" not in counts.codes
    assert review.row(2).status == "valid" and review.row(2).edited == {"phone"}
    assert review.apply("skip:phone_placeholder") == 30
    assert review.apply("clear:email_invalid") == 30
    assert review.apply("clear:timezone_offset") == 30
    assert review.apply("skip:duplicates") == review.counts().skipped - 30
    counts = review.counts()
    assert counts.rejected == 0 and counts.duplicates == 0
    assert counts.valid + counts.skipped == counts.total == 240
    assert review.bulk_fixes() == []
    assert review.apply("region:US") == 0
    with pytest.raises(KeyError):
        review.apply("paint:everything")


def test_replace_with_preview(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 40)
    preview = review.preview_replace("first_name", "Lead 1", "Person 1")
    assert preview.rows == 11  # Lead 1, Lead 10..19
    assert preview.preview[0] == (3, "first_name", "Lead 1", "Person 1")
    assert review.history() == []
    assert review.replace("first_name", "Lead 1", "Person 1") == 11
    assert review.row(12).cells["first_name"] == "Person 10"
    assert review.preview_replace("first_name", "Lead 1", "x").rows == 0
    with pytest.raises(ValueError):
        review.replace("first_name", "", "x")
    with pytest.raises(KeyError):
        review.replace("no such column", "a", "b")


def test_set_region_checks_every_row_again(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 40)
    assert review.counts().codes["phone_no_region"] == 5
    review.set_region("US")
    assert review.region == "US"
    assert "phone_no_region" not in review.counts().codes
    assert review.row(2).status == "valid" and review.row(2).edited == frozenset()
    assert review.undo() == "default country: US"
    assert review.region is None and review.counts().codes["phone_no_region"] == 5


def test_undo_of_each_kind_restores_exactly(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 80)
    original, counts = _state(review), review.counts()
    steps = [
        lambda: review.edit(2, "phone", "+1 212 555 0100"),
        lambda: review.skip(4),
        lambda: review.apply("region:US"),
        lambda: review.apply("skip:duplicates"),
        lambda: review.replace("first_name", "Lead", "Person"),
        lambda: review.set_region("GB"),
        lambda: review.edit(2, "phone", "N/A"),
    ]
    for step in steps:
        step()
    assert len(review.history()) == len(steps)
    while review.undo() is not None:
        pass
    assert review.history() == []
    assert _state(review) == original
    assert review.counts() == counts


def test_export_then_import_gives_the_reviews_counts(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 80)
    review.apply("region:US")
    review.apply("skip:phone_placeholder")
    review.edit(5, "first_name", '=HYPERLINK("http://x")')  # must stay text in Excel
    review.edit(6, "first_name", "+ Zoë, from the café")
    counts = review.counts()
    out = review.export(tmp_path / "corrected.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "phone,first_name,email,timezone,country,source_row"
    assert "'=HYPERLINK" in text
    summary = run_import(ImportOptions(path=out, mapping="generic", out_dir=tmp_path / "out"))
    assert summary.total == counts.total - counts.skipped
    assert summary.accepted == counts.valid
    assert summary.rejected == counts.rejected
    assert summary.duplicates == counts.duplicates
    # The corrected file reviewed again reads the same cells.
    again = Review.build(tmp_path / "again", out, "generic")
    kept = [v for v in _all(review) if v.status != "skipped"]
    assert [v.cells for v in _all(again)] == [v.cells for v in kept]
    assert [v.status for v in _all(again)] == [v.status for v in kept]


def test_the_file_to_send_has_every_row_and_a_run_on_it_gives_the_reviews_counts(
    tmp_path: Path,
) -> None:
    review = _bigger(tmp_path, 80)
    review.apply("region:US")
    review.apply("skip:phone_placeholder")
    review.skip(7)
    review.edit(9, "phone", "+1 212 555 0100")
    counts = review.counts()
    skipped = frozenset(v.source_row for v in _all(review, "skipped"))
    assert 7 in skipped and len(skipped) == counts.skipped > 1
    corrected = review.export_to_send(tmp_path / "send.csv")
    assert corrected.skipped == skipped
    written = read_report(corrected.path)
    assert [int(row["source_row"]) for row in written] == [v.source_row for v in _all(review)]
    summary = run_import(ImportOptions(
        path=corrected.path, mapping="generic", out_dir=tmp_path / "out",
        read=corrected.read_options(), skip_rows=corrected.skipped,
    ))  # fmt: skip
    assert summary.total == counts.total
    assert summary.accepted == counts.valid
    assert summary.rejected == counts.rejected + counts.skipped
    assert summary.duplicates == counts.duplicates
    assert summary.rejection_reasons.get("row_skipped") == counts.skipped
    by_row = {int(row["source_row"]): row for row in read_report(tmp_path / "out" / "rejected.csv")}
    assert {n for n, row in by_row.items() if row["error_codes"] == "row_skipped"} == skipped
    edited = read_report(tmp_path / "out" / "accepted.csv")
    phones = {r["source_row"]: r["phone_e164"] for r in edited}
    assert phones["9"] == "+12125550100"


def test_the_file_to_send_numbers_rows_by_the_first_file_only_when_they_rise(
    tmp_path: Path,
) -> None:
    report = write_csv(tmp_path / "report.csv", [
        [*HEADER, "source_row", "error"],
        ["4155550100", "Ann", "", "", "", "12", "x"],
        ["4155550101", "Bo", "", "", "", "40", "x"],
    ])  # fmt: skip
    review = Review.build(tmp_path / "r1", report, "generic", region="US")
    review.skip(3)
    corrected = review.export_to_send(tmp_path / "a.csv")
    assert corrected.skipped == {40}
    assert [row["source_row"] for row in read_report(corrected.path)] == ["12", "40"]
    # Numbers that do not rise (a file put together by hand): the file's own are used.
    report.write_text(report.read_text().replace(",40,", ",7,"))
    review = Review.build(tmp_path / "r2", report, "generic", region="US")
    review.skip(3)
    corrected = review.export_to_send(tmp_path / "b.csv")
    assert corrected.skipped == {3}
    assert [row["source_row"] for row in read_report(corrected.path)] == ["2", "3"]


def test_reopen_keeps_the_edits(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 40)
    review.edit(3, "phone", "+1 212 555 0100")
    review.skip(4)
    before, counts, history = _state(review), review.counts(), review.history()
    review.close()
    folder = tmp_path / "review"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    reopened = Review.open(folder)
    assert _state(reopened) == before
    assert reopened.counts() == counts and reopened.history() == history
    assert reopened.columns == tuple(HEADER) and reopened.mapping == "generic"
    assert reopened.undo() == "skip row 4"
    with pytest.raises(FileNotFoundError):
        Review.open(tmp_path / "nothing here")


def test_a_review_of_rejected_csv_holds_only_those_rows(tmp_path: Path) -> None:
    name = "facebook_lead_ads.csv"
    summary = run_import(ImportOptions(path=SAMPLES / name, mapping="facebook",
                                       out_dir=tmp_path / "out"))  # fmt: skip
    rejected = read_report(tmp_path / "out" / "rejected.csv")
    review = Review.build(tmp_path / "review", tmp_path / "out" / "rejected.csv", "facebook")
    counts = review.counts()
    assert counts.total == counts.rejected == summary.rejected == len(rejected)
    assert "source_row" not in review.columns and "error" not in review.columns
    assert counts.codes == read_summary(tmp_path / "out")["rejection_reasons"]
    phones = sorted(v.cells["phone_number"] for v in _all(review))
    assert phones == sorted(row["phone_number"] for row in rejected)


def test_a_review_of_rejected_csv_shows_the_rows_numbers_in_the_original_file(
    tmp_path: Path,
) -> None:
    name = "facebook_lead_ads.csv"
    run_import(ImportOptions(path=SAMPLES / name, mapping="facebook", out_dir=tmp_path / "out"))
    report = tmp_path / "out" / "rejected.csv"
    originals = [int(row["source_row"]) for row in read_report(report)]
    review = Review.build(tmp_path / "review", report, "facebook")
    views = _all(review)
    assert [v.source_row for v in views] == list(range(2, len(originals) + 2))
    assert [v.original_row for v in views] == [v.shown_row for v in views] == originals
    assert review.labelled and Review.open(tmp_path / "review").row(2).original_row == originals[0]
    # The history and the corrected file name the rows as the person's file numbers them.
    review.skip(2)
    assert review.history() == [f"skip row {originals[0]}"]
    corrected = read_report(review.export(tmp_path / "corrected.csv"))
    assert [int(row["source_row"]) for row in corrected] == originals[1:]
    # A file that is no report keeps its own numbers.
    plain = Review.build(tmp_path / "plain", SAMPLES / name, "facebook")
    assert not plain.labelled and all(v.original_row is None for v in _all(plain))
    assert all(v.shown_row == v.source_row for v in _all(plain))


def test_changes_report_their_progress(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 80)
    seen: list[tuple[int, int]] = []

    def told(done: int, total: int) -> None:
        seen.append((done, total))

    assert review.apply("region:US", told) == 10
    assert seen and seen[-1] == (10, 10)
    seen.clear()
    review.undo(told)
    assert seen[-1] == (10, 10)
    seen.clear()
    review.set_region("US", told)
    assert seen[-1] == (80, 80)
    seen.clear()
    assert review.replace("first_name", "Lead", "Person", told) == 80
    assert seen[-1] == (80, 80)


def test_the_fixes_found_are_kept_for_every_connection(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 80)
    assert review.found_fixes() is None
    fixes = review.bulk_fixes()
    other = Review.open(tmp_path / "review")
    assert other.found_fixes() == fixes  # found once, read by the next request
    review.edit(2, "phone", "+1 212 555 0100")
    assert other.found_fixes() is None  # a change by another connection is seen
    assert other.bulk_fixes() != fixes
    assert review.counts() == other.counts()


def test_row_too_many_values_survives_export(tmp_path: Path) -> None:
    phones = us_numbers(2)
    path = write_csv(tmp_path / "wide.csv", [HEADER, [phones[0], "A", "", "", "", "oops"],
                                             [phones[1], "B", "", "", ""]])  # fmt: skip
    review = Review.build(tmp_path / "review", path, "generic")
    view = review.row(2)
    assert view.status == "rejected" and view.extra == ("oops",)
    assert view.problems[0].column is None and view.problems[0].field == "row"
    again = Review.build(tmp_path / "again", review.export(tmp_path / "out.csv"), "generic")
    assert [v.status for v in _all(again)] == ["rejected", "valid"]


def test_build_uses_the_read_options_and_reports_progress(tmp_path: Path) -> None:
    path = _leads(tmp_path / "l.csv", [[p, "A", "", "", ""] for p in us_numbers(25)])
    seen: list[int] = []
    review = Review.build(tmp_path / "review", path, "generic",
                          read=ReadOptions(chunk_rows=10), progress=seen.append)  # fmt: skip
    assert seen == [10, 20, 25]
    assert review.read.chunk_rows == 10
    assert Review.open(tmp_path / "review").read == review.read


def test_threads_share_one_review(tmp_path: Path) -> None:
    review = _bigger(tmp_path, 40)
    errors: list[BaseException] = []

    def work(row: int) -> None:
        try:
            for _ in range(5):
                review.edit(row, "first_name", f"T{row}")
                review.page("problems")
                review.counts()
                review.undo()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(row,)) for row in (2, 3, 4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


_ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("edit"),
            st.integers(2, 25),
            st.sampled_from(["phone", "email"]),
            st.sampled_from(["", "N/A", "+1 212 555 0100", "212 555 0101", "a@b.co", "broken@"]),
        ),
        st.tuples(st.just("skip"), st.integers(2, 25), st.booleans()),
        st.tuples(
            st.just("apply"),
            st.sampled_from(["region:US", "skip:duplicates", "skip:phone_placeholder"]),
        ),
        st.tuples(st.just("undo")),
    ),
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=_ACTIONS)
def test_any_changes_undone_return_to_the_start(
    tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[object, ...]]
) -> None:
    folder = tmp_path_factory.mktemp("random")
    review = _bigger(folder, 24)
    start, counts = _state(review), review.counts()
    for action in actions:
        if action[0] == "edit":
            review.edit(int(action[1]), str(action[2]), str(action[3]))  # type: ignore[call-overload]
        elif action[0] == "skip":
            review.skip(int(action[1]), bool(action[2]))  # type: ignore[call-overload]
        elif action[0] == "apply":
            review.apply(str(action[1]))
        else:
            review.undo()
        # After every step the duplicates are those a fresh build of the same cells finds.
        _check_duplicates(review)
    while review.undo() is not None:
        pass
    assert _state(review) == start
    assert review.counts() == counts
    review.close()


def _check_duplicates(review: Review) -> None:
    first: dict[str, int] = {}
    for view in _all(review):
        if view.status in ("valid", "duplicate"):
            assert view.phone_e164 is not None
            kept = first.setdefault(view.phone_e164, view.source_row)
            want = None if kept == view.source_row else kept
            assert view.duplicate_of == want, view
            assert view.status == ("valid" if want is None else "duplicate")


@pytest.mark.parametrize("name", ["facebook_lead_ads.csv", "wrong_numbers.csv"])
def test_worker_processes_give_the_same_rows(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = EXPECTED[name]
    inline = Review.build(tmp_path / "a", SAMPLES / name, spec["mapping"], region=spec["region"])
    monkeypatch.setattr(review_module, "PARALLEL_MIN_BYTES", 0)  # big enough for workers
    pooled = Review.build(tmp_path / "b", SAMPLES / name, spec["mapping"], region=spec["region"])
    assert _state(pooled) == _state(inline)
    assert pooled.counts() == inline.counts()


def test_the_same_person_is_settled_as_a_run_settles_it(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        [
            ["Phone", "Mobile", "First", "Last", "Email"],
            ["+1 415 555 0100", "", "Ann M.", "Lee", "ann@example.com"],  # 2
            ["+1 415 555 0100", "+1 212 555 0122", "Ann", "Lee", "ann@example.com"],  # 3
            ["+1 415 555 0100", "+1 212 555 0133", "Bob", "Lee", "bob@example.com"],  # 4
            ["+1 415 555 0100", "+1 212 555 0144", "Robert", "Lee", "bob@example.com"],  # 5
        ],
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: {columns: [Phone, Mobile]}\n  firstName: First\n  lastName: Last\n"
        "  email: Email\n"
    )
    review = Review.build(tmp_path / "review", path, mapping, region="US")
    assert (review.row(3).status, review.row(3).duplicate_of, review.row(3).shared) == (
        "duplicate", 2, False,
    )  # fmt: skip
    assert (review.row(4).status, review.row(4).phone_e164) == ("valid", "+12125550133")
    # Robert is Bob by his e-mail, and Bob was sent on his mobile: a plain duplicate of Bob.
    assert (review.row(5).status, review.row(5).duplicate_of, review.row(5).shared) == (
        "duplicate", 4, False,
    )  # fmt: skip
    sent = run_import(ImportOptions(path=path, mapping=mapping, region="US",
                                    out_dir=tmp_path / "out"))  # fmt: skip
    assert (sent.accepted, sent.duplicates) == (2, 2) == (review.counts().valid,
                                                         review.counts().duplicates)  # fmt: skip
    review.close()


def test_a_shared_number_is_settled_as_a_run_settles_it(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "company.csv",
        [
            ["Phone", "Mobile", "First", "Last"],
            ["+1 415 555 0100", "", "Ana", "Lima"],  # 2: the first on the switchboard
            ["+1 415 555 0100", "+1 212 555 0111", "Ben", "Okoro"],  # 3: has a mobile
            ["+1 415 555 0100", "", "Cy", "Park"],  # 4: nothing else
            ["+1 415 555 0100", "", "Ana", "Lima"],  # 5: Ana again
        ],
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: {columns: [Phone, Mobile]}\n  firstName: First\n  lastName: Last\n"
    )
    review = Review.build(tmp_path / "review", path, mapping, region="US")
    ben = review.row(3)
    assert (ben.status, ben.phone_e164) == ("valid", "+12125550111")
    assert [p.code for p in _real(ben.problems)] == ["phone_shared"]
    assert [(review.row(n).status, review.row(n).duplicate_of) for n in (4, 5)] == [
        ("duplicate", 2),
        ("duplicate", 2),
    ]
    assert (review.row(4).shared, review.row(5).shared) == (True, False)  # Cy; Ana again
    # Ana's number removed: Ben is the first on the switchboard now, Cy shares it with him.
    review.edit(2, "Phone", "")
    ben = review.row(3)
    assert (ben.status, ben.phone_e164, _real(ben.problems)) == ("valid", "+14155550100", [])
    assert (review.row(4).status, review.row(4).duplicate_of) == ("duplicate", 3)
    # Ana's second row is another person to Ben, with no number of her own left.
    assert (review.row(5).status, review.row(5).duplicate_of) == ("duplicate", 3)
    assert review.row(4).shared and review.row(5).shared
    review.undo()
    assert review.row(3).phone_e164 == "+12125550111"
    assert (review.row(4).shared, review.row(5).shared) == (True, False)
    assert (review.row(4).duplicate_of, review.row(5).duplicate_of) == (2, 2)
    # A run on the reviewed file settles every row the same way.
    sent = run_import(ImportOptions(path=path, mapping=mapping, region="US",
                                    out_dir=tmp_path / "out"))  # fmt: skip
    assert (sent.accepted, sent.duplicates) == (2, 2) == (review.counts().valid,
                                                         review.counts().duplicates)  # fmt: skip
    review.close()


def test_masked_phones_are_named_in_plain_words_and_can_be_skipped(tmp_path: Path) -> None:
    path = _leads(
        tmp_path / "masked.csv",
        [
            ["(718) 274-XXXX", "Ann", "", "", ""],
            ["•••• 5501", "Ben", "", "", ""],
            ["+1 415 555 0123", "Cy", "", "", ""],
        ],
    )
    review = Review.build(tmp_path / "review", path, "generic", region="US")
    problems = [problem for problem in review.row(2).problems if problem.code == "phone_masked"]
    assert problems and "hidden" in problems[0].message
    fixes = {fix.key: fix for fix in review.bulk_fixes()}
    fix = fixes["skip:phone_masked"]
    assert fix.rows == 2
    assert fix.title == "skip the 2 rows with hidden (masked) phones"
    assert review.apply("skip:phone_masked") == 2
    counts = review.counts()
    assert counts.rejected == 0 and counts.valid == 1 and counts.skipped == 2
