"""Dry-run benchmark: the importer and the straightforward baseline, side by side.

The main figures come from a file shaped like a real export (``make_data.py
--realistic``: eight columns, distinct names, e-mails and numbers, US numbers
written the ways people write them, 12% international): 1,000,000 rows (and
4,000,000 with BENCH_FULL=1), generated once under bench/data/ and never
committed. On it, in one run, side by side:

- ``whiteclad-import FILE -m generic --region US --dry-run`` as a person types it,
  report.xlsx included;
- the same with ``--no-workbook``, as the baseline writes CSV only;
- ``bench/baseline.py``: pandas read_csv, a per-row phonenumbers apply, to_csv;
- with ``--before PATH`` (or BENCH_BEFORE=PATH), another checkout of the importer
  the same two ways, to compare versions (``git worktree add PATH COMMIT``).

Each prints seconds, rows/s and peak memory (the largest sum of the proportional set
size of the process and its children, the validation workers, sampled every 250 ms),
and the ratio to the baseline. Then, on 100,000 rows of the same file in this
process (one core, no workers), the microseconds per row of each stage, so that a
stage that slows down shows; and the older figures: reading a 200,000-row XLSX, and
what report.xlsx adds to a run of the seeded 100,000-row file of ``make_data.py``.

    python bench/bench_dry_run.py [--before PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: How often memory is sampled; reading /proc/PID/smaps_rollup is not free.
SAMPLE_SECONDS = 0.25
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

import make_data  # noqa: E402


def data_file(rows: int, suffix: str = "csv") -> Path:
    """The benchmark file of this size, generated once."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"leads-{rows}.{suffix}"
    if not path.exists():
        partial = path.with_suffix(".part")
        if suffix == "csv":
            make_data.write_csv(rows, partial)
        else:
            make_data.write_xlsx(rows, partial)
        partial.rename(path)
    return path


def _tree_memory(pid: int) -> int:
    """Memory of a process and all its descendants, in bytes.

    Proportional set size: pages the worker processes share with the main one
    (they are forked from it) are counted once, not once per process.
    """
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
        todo.extend(int(child) for child in children)
    return total


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command; return (seconds, peak memory of its process tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=env and "/"
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_memory(process.pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {err.decode()}")
    return seconds, peak


def realistic_file(rows: int) -> Path:
    """The realistic benchmark file of this size, generated once."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"real-{rows}.csv"
    if not path.exists():
        partial = path.with_suffix(".part")
        make_data.write_realistic_csv(rows, partial)
        partial.rename(path)
    return path


def dry_run(
    source: Path, out: Path, workbook: bool = False, checkout: Path | None = None
) -> tuple[float, int]:
    """The importer's dry run as typed, or without report.xlsx; ``checkout``: another version."""
    command = [sys.executable, "-m", "importer", str(source), "-m", "generic",
               "--region", "US", "--dry-run", "--no-progress", "--out", str(out)]  # fmt: skip
    env = None
    if checkout is not None:
        env = {**os.environ, "PYTHONPATH": str(checkout)}
    return measure(command if workbook else [*command, "--no-workbook"], env)


def baseline(source: Path, out: Path) -> tuple[float, int]:
    """pandas read_csv, a per-row phonenumbers apply, to_csv."""
    return measure([sys.executable, str(HERE / "baseline.py"), str(source), str(out)])


def xlsx_read(rows: int) -> tuple[float, float]:
    """Seconds to read every row of a workbook: the importer's reader, pandas+openpyxl."""
    path = data_file(rows, "xlsx")
    code = {
        "ours": "from importer.reader import open_source; from pathlib import Path; "
        f"s = open_source(Path({str(path)!r})); n = sum(len(c) for c in s.chunks()); s.close()",
        "openpyxl": "import pandas as pd; "
        f"pd.read_excel({str(path)!r}, dtype=str, engine='openpyxl')",
    }
    return tuple(measure([sys.executable, "-c", code[name]])[0] for name in ("ours", "openpyxl"))  # type: ignore[return-value]


def stages(source: Path, rows: int) -> list[tuple[str, float]]:
    """Microseconds per row of each stage, in this process, on the first ``rows`` rows."""
    import csv as csv_module
    import itertools

    sys.path.insert(0, str(HERE.parent))
    from importer.dedupe import InFileDuplicates
    from importer.mapping import bind_mapping, load_mapping
    from importer.normalize import normalize_phone
    from importer.pipeline import ImportOptions, run_import
    from importer.reader import open_source
    from importer.validation import ValidationContext, columns_of, validate_rows
    from importer.workbook import write_workbook

    sample = DATA / f"real-first-{rows}.csv"
    if not sample.exists():
        with source.open(encoding="utf-8") as whole, sample.open("w", encoding="utf-8") as part:
            part.writelines(itertools.islice(whole, rows + 1))
    out: list[tuple[str, float]] = []

    def timed(label: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        out.append((label, (time.perf_counter() - started) / rows * 1e6))

    def read() -> list[Any]:
        with open_source(sample) as opened:
            return list(opened.chunks())

    chunks = read()
    timed("read the CSV into chunks", read)
    with open_source(sample) as opened:
        columns = opened.info.columns
    bound = bind_mapping(load_mapping("generic"), columns, str(sample))
    context = ValidationContext(bound, columns, "US", False, leads=False)
    cells = [row[0] for chunk in chunks for row in chunk.rows]
    timed("  of which: normalize_phone alone", lambda: [normalize_phone(c, "US") for c in cells])
    verdicts: list[Any] = []

    def validate() -> None:
        verdicts.clear()
        for chunk in chunks:
            values = columns_of(context, chunk.rows)
            verdicts.append(validate_rows(context, chunk.numbers, values, chunk.extra_values))

    timed("validate (mapping, schema, phones, zones)", validate)

    def duplicates() -> None:
        found = InFileDuplicates()
        for chunk, verdict in zip(chunks, verdicts, strict=True):
            found.find(chunk.numbers, verdict.phones, verdict.people, None)

    timed("in-file duplicates", duplicates)
    run_out = DATA / "out" / "stages"
    whole_run: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        run_import(ImportOptions(path=sample, mapping="generic", region="US", out_dir=run_out,
                                 workers=0, workbook=False))  # fmt: skip
        whole_run.append(time.perf_counter() - started)

    run()
    measured = sum(per_row for label, per_row in out if not label.startswith(" "))
    out.append(("reports and the rest of a run", whole_run[0] / rows * 1e6 - measured))
    out.append(("= a whole run on one core, no workbook", whole_run[0] / rows * 1e6))
    with (run_out / "summary.json").open(encoding="utf-8") as handle:
        summary = json.load(handle)
    with (run_out / "accepted.csv").open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv_module.reader(handle))
    width = header.index("source_row")
    columns, fields = header[:width], {"phone": ["phone"]}
    timed("report.xlsx (per row of the file)",
          lambda: write_workbook(run_out, summary, columns, fields))  # fmt: skip
    return out


def main() -> None:
    """Run the benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=os.environ.get("BENCH_BEFORE") or None,
                        help="another checkout, measured in the same run")  # fmt: skip
    before: Path | None = parser.parse_args().before
    sizes = [1_000_000] + ([4_000_000] if os.environ.get("BENCH_FULL") else [])
    out = DATA / "out"
    print("Dry run of a file shaped like a real export (bench/make_data.py --realistic):")
    print(f"{'rows':>10}  {'run':<42} {'seconds':>8} {'rows/s':>9} {'peak MiB':>9} "
          f"{'vs baseline':>11}")  # fmt: skip
    for rows in sizes:
        source = realistic_file(rows)
        runs: list[tuple[str, float, int]] = []
        base, base_peak = baseline(source, out / f"base-{rows}")
        runs.append(("baseline script", base, base_peak))
        versions = [("", None), *([("before: ", before)] if before else [])]
        for prefix, checkout in versions:
            typed = dry_run(source, out / f"typed-{rows}", workbook=True, checkout=checkout)
            runs.append((prefix + "as typed (report.xlsx included)", *typed))
            plain = dry_run(source, out / f"plain-{rows}", checkout=checkout)
            runs.append((prefix + "--no-workbook", *plain))
        for label, seconds, peak in runs:
            print(f"{rows:>10,}  {label:<42} {seconds:>8.1f} {rows / seconds:>9,.0f} "
                  f"{peak / 2**20:>9,.0f} {base / seconds:>10.2f}x")  # fmt: skip
    rows = 100_000
    print(f"\nMicroseconds per row of each stage, first {rows:,} rows, one core:")
    for label, per_row in stages(realistic_file(sizes[0]), rows):
        print(f"  {label:<44} {per_row:>7.1f} us")
    rows = 100_000
    without, _ = measure_seeded(rows, out / f"csv-{rows}")
    with_book, book_rss = measure_seeded(rows, out / f"xlsx-{rows}", workbook=True)
    print(f"\nreport.xlsx for the seeded {rows:,}-row file (10% bad phones, 5% repeats): "
          f"{with_book:.1f} s with it, {without:.1f} s without (+{with_book - without:.1f} s), "
          f"peak {book_rss / 2**20:,.0f} MiB")  # fmt: skip
    rows = 200_000
    ours_s, openpyxl_s = xlsx_read(rows)
    print(f"\nReading a {rows:,}-row XLSX: importer {ours_s:.1f} s, pandas+openpyxl "
          f"{openpyxl_s:.1f} s: {openpyxl_s / ours_s:.1f}x faster")  # fmt: skip


def measure_seeded(rows: int, out: Path, workbook: bool = False) -> tuple[float, int]:
    """The dry run on the seeded make_data.py file of this size."""
    return dry_run(data_file(rows), out, workbook=workbook)


if __name__ == "__main__":
    main()
