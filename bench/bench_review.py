"""Review benchmark: build a review of a 200,000-row file, then time each call the page makes.

The file is bench/make_data.py's seeded CSV (generated once under bench/data/). It is
reviewed without a default country, so that about half of its phones lack a country
code: the largest fix the page offers ("read them as United States (US) numbers")
then rewrites about 100,000 cells, and its undo puts them back. Peak memory is the
largest resident set of this process and, separately, of the validation workers
(``resource.getrusage``).

    python bench/bench_review.py [ROWS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_dry_run import data_file  # noqa: E402

from importer.review import Review  # noqa: E402


def timed(results: list[tuple[str, float, str]], label: str, call: Callable[[], Any]) -> Any:
    """Run a call, keep its time in milliseconds with a note on what it returned."""
    started = time.perf_counter()
    value = call()
    elapsed = (time.perf_counter() - started) * 1000
    note = ""
    if isinstance(value, int):
        note = f"{value:,} rows"
    elif hasattr(value, "matching"):
        note = f"{value.matching:,} matching"
    elif isinstance(value, list):
        note = f"{len(value)} fixes"
    results.append((label, elapsed, note))
    return value


def main() -> None:
    """Build, time every call, print a table."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    path = data_file(rows)
    results: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "review"
        review = timed(results, "build", lambda: Review.build(folder, path, "generic"))
        counts = timed(results, "counts() (after build)", review.counts)
        for name in ("all", "problems", "rejected", "duplicates", "code:phone_no_region"):
            first = timed(results, f"page({name!r}) first", lambda n=name: review.page(n))
            deep = max(0, first.matching - 50)
            timed(results, f"page({name!r}) last", lambda n=name, d=deep: review.page(n, d))
        rejected = review.page("code:phone_placeholder", 0, 1).rows[0]
        timed(results, "row()", lambda: review.row(rejected.source_row))
        timed(
            results,
            "edit() phone (rejected -> valid)",
            lambda: review.edit(rejected.source_row, "phone", "+1 415 555 0199"),
        )
        timed(results, "counts() (after an edit)", review.counts)
        timed(results, "undo() of the edit", review.undo)
        timed(results, "skip()", lambda: review.skip(rejected.source_row))
        timed(results, "bulk_fixes() (first call)", review.bulk_fixes)
        timed(results, "bulk_fixes() (again)", review.bulk_fixes)
        timed(results, "apply('region:US')", lambda: review.apply("region:US"))
        timed(results, "counts() (after the fix)", review.counts)
        timed(results, "bulk_fixes() (after the fix)", review.bulk_fixes)
        timed(results, "page('problems') after the fix", lambda: review.page("problems"))
        timed(results, "undo() of 'region:US'", review.undo)
        timed(results, "apply('region:US') again", lambda: review.apply("region:US"))
        timed(
            results,
            "apply('skip:phone_placeholder')",
            lambda: review.apply("skip:phone_placeholder"),
        )
        timed(results, "preview_replace()", lambda: review.preview_replace("tags", "vip", "VIP"))
        timed(results, "replace()", lambda: review.replace("tags", "vip", "VIP"))
        timed(results, "set_region('US')", lambda: review.set_region("US"))
        timed(results, "export()", lambda: review.export(Path(tmp) / "corrected.csv"))
        size = (folder / "review.sqlite3").stat().st_size
        review.close()
        started = time.perf_counter()
        Review.open(folder).close()
        results.append(("open() (after a restart)", (time.perf_counter() - started) * 1000, ""))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Review of {rows:,} rows ({path.name}, no default country)")
    print(
        f"  after build: {counts.total:,} rows: {counts.valid:,} valid, {counts.rejected:,} "
        f"rejected, {counts.duplicates:,} duplicates; review.sqlite3 {size / 2**20:.0f} MiB"
    )
    print(f"| {'call':<40} | {'time':>10} | {'':<22} |")
    print(f"| {'-' * 40} | {'-' * 10}:| {'-' * 22} |")
    for label, elapsed, note in results:
        shown = f"{elapsed / 1000:.2f} s" if elapsed >= 1000 else f"{elapsed:.1f} ms"
        print(f"| {label:<40} | {shown:>10} | {note:<22} |")
    print(f"Peak memory: {own:.0f} MiB (this process), {workers:.0f} MiB (largest worker)")


if __name__ == "__main__":
    main()
