"""Do-not-call list benchmark: a 10,000,000-number list compiled, loaded, and scrubbed against.

The list is written once under bench/data/ as the national registry ships it: ten-digit
US numbers, one a line (seeded, distinct, about 110 MB), with a tenth of the 1,000,000-row
benchmark file's own numbers among them, so that the scrub finds rows to set aside. It
measures, each in a fresh process:

- compiling the list into its cache (the first run that names it);
- loading the cache again (every later run), with the memory it costs;
- the 1,000,000-row dry run of bench_dry_run.py (CSV reports, no report.xlsx) without
  and with ``--suppress``, side by side, and what the scrub adds.

    python bench/bench_suppress.py [NUMBERS]      (default: 10000000)
"""

from __future__ import annotations

import csv
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_dry_run import data_file, measure  # noqa: E402

DATA = HERE / "data"
LEADS = 1_000_000
SEED = 20261129


def list_file(numbers: int) -> Path:
    """The registry-style list, written once: distinct ten-digit numbers, a line each."""
    path = DATA / f"dnc-{numbers}.txt"
    if path.exists():
        return path
    ours: list[int] = []
    with data_file(LEADS).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            digits = "".join(ch for ch in row["phone"] if ch.isdigit())
            if len(digits) == 11 and digits[0] == "1":
                digits = digits[1:]
            if len(digits) == 10:
                ours.append(int(digits))
    unique = sorted(set(ours))
    picked = np.array(random.Random(SEED).sample(unique, len(unique) // 10), dtype=np.int64)
    maker = np.random.default_rng(SEED)
    chosen = picked
    while len(chosen) < numbers:  # NXX-NXX-XXXX: area and exchange from 200 up
        more = numbers - len(chosen)
        drawn = (
            maker.integers(201, 990, more) * 10_000_000
            + maker.integers(200, 1000, more) * 10_000
            + maker.integers(0, 10_000, more)
        )
        chosen = np.unique(np.concatenate([chosen, drawn]))  # fmt: skip
    maker.shuffle(chosen)
    partial = path.with_suffix(".part")
    np.savetxt(partial, chosen[:numbers], fmt="%010d")
    partial.rename(path)
    return path


def load(listed: Path, state: Path) -> tuple[float, int]:
    """A process that loads (or compiles) the list and looks up one chunk of numbers."""
    code = (
        "from pathlib import Path; from importer.suppression import load_lists; "
        f"s = load_lists([Path({str(listed)!r})], 'US', Path({str(state)!r})); "
        "s.find(['+1%010d' % (2015550000 + n) for n in range(20000)])"
    )
    return measure([sys.executable, "-c", code])


def dry_run(state: Path, out: Path, listed: Path | None) -> tuple[float, int]:
    """The 1,000,000-row dry run, with the list or without."""
    command = [sys.executable, "-m", "importer", str(data_file(LEADS)), "-m", "generic",
               "--region", "US", "--dry-run", "--no-progress", "--no-workbook",
               "--state-dir", str(state), "--out", str(out)]  # fmt: skip
    return measure(command + (["--suppress", str(listed)] if listed else []))


def main() -> None:
    """Measure and print the figures."""
    numbers = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 10_000_000
    DATA.mkdir(exist_ok=True)
    listed = list_file(numbers)
    with tempfile.TemporaryDirectory(prefix="whiteclad-bench-dnc-") as tmp:
        state = Path(tmp) / "state"
        compiled, compiled_peak = load(listed, state)
        loaded, loaded_peak = load(listed, state)
        cache = sum(p.stat().st_size for p in (state / "suppression").iterdir())
        without, without_peak = dry_run(state, Path(tmp) / "without", None)
        scrubbed, scrubbed_peak = dry_run(state, Path(tmp) / "with", listed)
        suppressed = sum(1 for _ in (Path(tmp) / "with" / "suppressed.csv").open()) - 1
        shutil.rmtree(state)
    mib = 2**20
    print(f"A do-not-call list of {numbers:,} numbers ({listed.stat().st_size / 1e6:.0f} MB, "
          f"one ten-digit number a line):")  # fmt: skip
    print(f"  compiled on first use: {compiled:.1f} s, peak {compiled_peak / mib:.0f} MiB; "
          f"cache {cache / 1e6:.0f} MB")  # fmt: skip
    print(f"  loaded from the cache: {loaded:.2f} s (the whole process, Python's start "
          f"included), peak {loaded_peak / mib:.0f} MiB")  # fmt: skip
    print(f"  {LEADS:,}-row dry run: {without:.1f} s without the list, {scrubbed:.1f} s with it "
          f"(+{scrubbed - without:.1f} s, {suppressed:,} rows suppressed); peak "
          f"{without_peak / mib:.0f} / {scrubbed_peak / mib:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
