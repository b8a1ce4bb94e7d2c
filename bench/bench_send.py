"""Posting benchmark: an import through a local sandbox with its rate limit lifted.

Reports leads/second posted end to end (the whole import command, from reading
the file to the last CSV report, process start included; no report.xlsx, whose
cost the dry-run benchmark measures) and during the sending
stage alone, and the ratio
of POST requests made to the minimum possible, ceil(valid rows / 1000).

    python bench/bench_send.py [ROWS ...]      (default: 100000)
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CAMPAIGN = "65f2a1b2c3d4e5f6a7b8c9d0"


def write_leads(path: Path, rows: int) -> None:
    """Valid, distinct US numbers (the 555 exchange across area codes)."""
    areas = ["201", "202", "212", "213", "305", "312", "404", "415", "503", "512", "617", "646",
             "702", "718", "801", "917"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "first_name", "last_name", "email", "tags"])
        for i in range(rows):
            area = areas[i // 10_000]
            writer.writerow([f"+1{area}555{i % 10_000:04d}", "Test", f"Lead{i}",
                             f"lead{i}@example.com", "bench,import"])  # fmt: skip


def free_port() -> int:
    """Return a free loopback port for the sandbox."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench(rows: int, work: Path) -> dict[str, float]:
    """Import ``rows`` fresh leads through a sandbox process; return the figures."""
    source = work / f"leads-{rows}.csv"
    write_leads(source, rows)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "importer", "sandbox", "--port", str(port), "--rate-limit", "0",
         "--credits", "1000000000", "--db", str(work / f"sandbox-{rows}.sqlite3")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        env = {**os.environ, "WHITECLAD_BASE_URL": f"http://127.0.0.1:{port}/api/v1/client",
               "WHITECLAD_CLIENT_ID": "wc_client_sandbox",
               "WHITECLAD_CLIENT_SECRET": "wc_secret_sandbox",
               "WHITECLAD_STATE_DIR": str(work / f"state-{rows}")}  # fmt: skip
        out = work / f"out-{rows}"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "importer", str(source), "-m", "generic", "-c", CAMPAIGN,
             "--rate-limit", "0", "--no-progress", "--no-workbook", "--out", str(out)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.communicate(timeout=30)
    if done.returncode != 0:
        raise SystemExit(f"the import failed ({done.returncode}): {done.stderr}")
    summary = json.loads((out / "summary.json").read_text())
    minimum = math.ceil(summary["accepted"] / 1000)
    return {
        "rows": rows,
        "seconds": seconds,
        "leads_per_s": summary["accepted"] / seconds,
        "sending_per_s": summary["accepted"] / summary["stage_seconds"]["sending"],
        "posts": summary["batches"],
        "requests": summary["requests"],
        "ratio": summary["batches"] / minimum,
        "minimum": minimum,
    }


def main() -> None:
    """Run the benchmark for each size given (default 100,000 rows) and print a table."""
    sizes = [int(re.sub(r"[_,]", "", arg)) for arg in sys.argv[1:]] or [100_000]
    print("Posting through a local sandbox (rate limit lifted), end to end:")
    print(f"{'rows':>10} {'seconds':>8} {'leads/s':>9} {'sending/s':>10} {'POSTs':>6} "
          f"{'min':>5} {'ratio':>6} {'requests':>8}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="whiteclad-bench-") as folder:
        for rows in sizes:
            r = bench(rows, Path(folder))
            print(f"{rows:>10,} {r['seconds']:>8.1f} {r['leads_per_s']:>9,.0f} "
                  f"{r['sending_per_s']:>10,.0f} {r['posts']:>6.0f} {r['minimum']:>5.0f} "
                  f"{r['ratio']:>6.2f} {r['requests']:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
