"""Dry-run benchmark: the importer and the straightforward baseline, side by side.

For each size (100,000 and 1,000,000 rows; 4,000,000 too with BENCH_FULL=1) it
generates a seeded CSV under bench/data/ (kept between runs, never committed),
runs ``whiteclad-import FILE --dry-run`` with all CSV reports written (and no
report.xlsx, as the baseline writes CSV only) and ``bench/baseline.py`` on the
same file, and prints rows/s, peak memory and the
ratio. Peak memory is the largest sum of the proportional set size of the
process and its children (the validation workers), sampled every 250 ms.

It also times reading a 200,000-row XLSX: the importer's reader against pandas'
default engine (openpyxl), and what report.xlsx adds to a 100,000-row run.

    python bench/bench_dry_run.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

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


def measure(command: list[str]) -> tuple[float, int]:
    """Run a command; return (seconds, peak memory of its process tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


def dry_run(rows: int, out: Path, workbook: bool = False) -> tuple[float, int]:
    """The importer's dry run with all CSV reports written, and report.xlsx if asked."""
    command = [sys.executable, "-m", "importer", str(data_file(rows)), "-m", "generic",
               "--region", "US", "--dry-run", "--no-progress", "--out", str(out)]  # fmt: skip
    return measure(command if workbook else [*command, "--no-workbook"])


def baseline(rows: int, out: Path) -> tuple[float, int]:
    """pandas read_csv, a per-row phonenumbers apply, to_csv."""
    return measure([sys.executable, str(HERE / "baseline.py"), str(data_file(rows)), str(out)])


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


def main() -> None:
    """Run the benchmarks and print the figures."""
    sizes = [100_000, 1_000_000] + ([4_000_000] if os.environ.get("BENCH_FULL") else [])
    out = DATA / "out"
    print("Dry run, all reports written (bench/make_data.py files: 10% bad phones, 5% repeats):")
    print(f"{'rows':>10} {'importer s':>10} {'rows/s':>9} {'peak MiB':>9} "
          f"{'baseline s':>10} {'rows/s':>9} {'peak MiB':>9} {'speed-up':>8}")  # fmt: skip
    for rows in sizes:
        data_file(rows)
        ours, ours_rss = dry_run(rows, out / f"ours-{rows}")
        base, base_rss = baseline(rows, out / f"base-{rows}")
        print(f"{rows:>10,} {ours:>10.1f} {rows / ours:>9,.0f} {ours_rss / 2**20:>9,.0f} "
              f"{base:>10.1f} {rows / base:>9,.0f} {base_rss / 2**20:>9,.0f} "
              f"{base / ours:>7.2f}x")  # fmt: skip
    rows = 100_000
    without, _ = dry_run(rows, out / f"csv-{rows}")
    with_book, book_rss = dry_run(rows, out / f"xlsx-{rows}", workbook=True)
    print(f"\nreport.xlsx for {rows:,} rows: {with_book:.1f} s with it, {without:.1f} s "
          f"without (+{with_book - without:.1f} s), peak {book_rss / 2**20:,.0f} MiB")  # fmt: skip
    rows = 200_000
    ours_s, openpyxl_s = xlsx_read(rows)
    print(f"\nReading a {rows:,}-row XLSX: importer {ours_s:.1f} s, pandas+openpyxl "
          f"{openpyxl_s:.1f} s: {openpyxl_s / ours_s:.1f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
