"""Page benchmark: a 200,000-row file uploaded, reviewed, fixed and sent through the page.

The page runs in this process (``importer.web.create_app`` served by ``ServerThread``,
as the browser tests run it), with an embedded sandbox (no rate limit, credits for
every lead) and its state in a temporary folder. This script is the browser: it talks
HTTP with ``requests``, trades the one-time link for the session cookie, sends an
``Origin`` header with every POST, streams the upload, and polls the progress of the
check, of any review change that runs in the background, and of the send, as the
page's htmx does. Each row of the table is one request, or one request and its polling.

The file is bench/make_data.py's generator (seeded; about 10% unusable phones, 5% a
phone repeated in another writing, 10% international numbers), with a distinct name
and e-mail on each row; it is written once under bench/data/. It is checked without a
default country, so the largest fix the page offers reads about 100,000 numbers as US
numbers. Peak memory is the largest resident set of this process (the page, the
sandbox and this client) and, separately, of its largest child process (validation
workers), from ``resource.getrusage``.

    python bench/bench_web.py [ROWS]      (default: 200000)
"""

from __future__ import annotations

import csv
import functools
import os
import re
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_data  # noqa: E402

from importer.client import Credentials  # noqa: E402
from importer.config import Settings, load_settings  # noqa: E402
from importer.options import Endpoint  # noqa: E402
from importer.review import FILTERS  # noqa: E402
from importer.sandbox import SandboxConfig, SandboxServer  # noqa: E402
from importer.sandbox.server import ServerThread  # noqa: E402
from importer.web import WebConfig, create_app  # noqa: E402
from importer.web.app import web_state_of  # noqa: E402

DATA = HERE / "data"
SYLLABLES = ["ba", "ko", "ri", "men", "ta", "lo", "vi", "san", "de", "mar", "no", "el", "ka",
             "fir", "go", "hul", "in", "jas", "be", "ul", "pe", "ros", "ti", "wen", "ya", "zu",
             "cha", "dor", "ne", "qui"]  # fmt: skip
#: How often the progress of a background job is asked for (the page asks every 500 ms).
POLL = 0.1
TIMEOUT = 600


def data_file(rows: int) -> Path:
    """make_data's rows with a distinct name and e-mail on each, written once."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"web-leads-{rows}.csv"
    if path.exists():
        return path
    first_names, base = make_data.FIRST, len(SYLLABLES)
    if rows > len(first_names) * base**3:
        raise SystemExit(f"at most {len(first_names) * base**3:,} distinct names")
    partial = path.with_suffix(".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(make_data.HEADER)
        for i, row in enumerate(make_data.rows(rows)):
            k = i // len(first_names)
            first = first_names[i % len(first_names)]
            last = "".join(SYLLABLES[k // base**n % base] for n in range(3)).capitalize()
            row[1], row[2], row[3] = first, last, f"{first}.{last}@example.com".lower()
            writer.writerow(row)
    partial.rename(path)
    return path


class MultipartFile:
    """A ``multipart/form-data`` body with one file, read from disk as it is sent."""

    def __init__(self, path: Path, field: str = "file") -> None:
        self.boundary = uuid.uuid4().hex
        self._head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._size = path.stat().st_size
        self._file: IO[bytes] = path.open("rb")
        self._parts: list[bytes | IO[bytes]] = [self._head, self._file, self._tail]

    @property
    def content_type(self) -> str:
        """The request's Content-Type, with the boundary."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (requests and http.client read it in blocks)."""
        size = size if size > 0 else 1 << 20
        out = b""
        while self._parts and len(out) < size:
            part = self._parts[0]
            if isinstance(part, bytes):
                taken = part[: size - len(out)]
                out += taken
                if len(taken) < len(part):
                    self._parts[0] = part[len(taken) :]
                else:
                    self._parts.pop(0)
            else:
                chunk = part.read(size - len(out))
                if chunk:
                    out += chunk
                else:
                    part.close()
                    self._parts.pop(0)
        return out


class Page:
    """The page over HTTP, as a browser uses it; every step timed."""

    def __init__(self, url: str, link: str) -> None:
        self.url = url
        self.session = requests.Session()
        answer = self.session.get(link, timeout=30)
        answer.raise_for_status()
        self.session.headers["Origin"] = url
        self.results: list[tuple[str, float, str]] = []

    def timed(self, label: str, call: Callable[[], tuple[Any, str]]) -> Any:
        """Run a step; keep its time and a note on what it returned."""
        started = time.perf_counter()
        value, note = call()
        self.results.append((label, time.perf_counter() - started, note))
        return value

    def get(self, path: str, **params: str) -> requests.Response:
        """GET a path of the page; stop on an error answer."""
        answer = self.session.get(self.url + path, params=params, timeout=TIMEOUT)
        _ok(answer)
        return answer

    def post(self, path: str, data: Mapping[str, str], **kwargs: Any) -> requests.Response:
        """POST a form to a path of the page (with the Origin header); stop on an error."""
        answer = self.session.post(self.url + path, data=data, timeout=TIMEOUT, **kwargs)
        _ok(answer)
        return answer

    def wait(self, import_id: str, kind: str) -> str:
        """Poll the progress of a background job, as htmx does, until the page moves on."""
        while True:
            answer = self.session.get(
                f"{self.url}/imports/{import_id}/progress", params={"kind": kind},
                headers={"HX-Request": "true"}, timeout=TIMEOUT,
            )  # fmt: skip
            _ok(answer)
            if "HX-Redirect" in answer.headers:
                return answer.headers["HX-Redirect"]
            if answer.history:  # answered with a redirect: the job is done
                return answer.url[len(self.url) :]
            time.sleep(POLL)

    def settle(self, import_id: str, answer: requests.Response) -> tuple[requests.Response, str]:
        """A page, or the page a progress page leads to once its job is done; which."""
        found = re.search(r'hx-get="/imports/[^/"]+/progress\?kind=(\w+)"', answer.text)
        if found is None:
            return answer, "answered at once"
        return self.get(self.wait(import_id, found.group(1))), f"{found.group(1)} job polled"


def _ok(answer: requests.Response) -> None:
    if answer.status_code >= 400:
        error = re.search(r'<p class="error[^"]*"[^>]*>(.*?)</p>', answer.text, re.S)
        text = error.group(1).strip() if error else answer.text[:300]
        raise SystemExit(f"{answer.request.method} {answer.url}: {answer.status_code} {text}")


def _matching(answer: requests.Response) -> str:
    """The rows a review or results page says match, as "N rows"."""
    found = re.search(r"Page \d+ of [\d,]+ \(([\d,]+) rows?\)", answer.text)
    rows = len(re.findall(r'data-row="\d+"', answer.text))
    return f"{found.group(1) if found else rows} matching, {rows} shown"


def _count(answer: requests.Response, name: str) -> int | None:
    found = re.search(rf'data-testid="count-{name}"[^>]*>([\d,]+)<', answer.text)
    return int(found.group(1).replace(",", "")) if found else None


def _counts(answer: requests.Response, names: tuple[str, ...]) -> str:
    """The counts the page shows (a count it leaves out, such as 0 pending, is not named)."""
    shown = {name: _count(answer, name) for name in names}
    return ", ".join(f"{count:,} {name}" for name, count in shown.items() if count is not None)


def _report_rows(answer: requests.Response) -> str:
    """The rows a results page says its report has, and how many it shows."""
    table = re.search(r'<table[^>]*data-testid="report-[^"]*".*?</table>', answer.text, re.S)
    rows = len(re.findall(r"<tr", table.group(0))) - 1 if table else 0
    found = re.search(r"Page \d+ of [\d,]+ \(([\d,]+) rows?\)", answer.text)
    return f"{found.group(1) if found else rows} in the report, {rows} shown"


def run(rows: int, tmp: Path) -> tuple[Page, dict[str, Any]]:
    """Start the sandbox and the page; walk through every step; the timed page and facts."""
    source = data_file(rows)
    facts: dict[str, Any] = {"rows": rows, "file": source, "size": source.stat().st_size}
    config = SandboxConfig(rate_limit=0, credits=1e9, db_path=tmp / "sandbox.sqlite3")
    with SandboxServer(config, host="127.0.0.1", port=0) as sandbox:
        env = {"WHITECLAD_BASE_URL": sandbox.base_url, "XDG_CONFIG_HOME": str(tmp / "xdg"),
               "HOME": str(tmp / "home")}  # fmt: skip

        def settings(given: Any) -> Settings:
            return load_settings(given, env=env, cwd=tmp)

        credentials = Credentials(config.client_id, config.client_secret)
        web_config = WebConfig(
            settings=settings,
            state_dir=tmp / "state",
            mappings_dir=tmp / "mappings",
            sandbox_endpoint=Endpoint(sandbox.base_url, credentials),
        )
        app = create_app(web_config)
        with ServerThread(app, "127.0.0.1", 0, name="web-bench", lifespan="on") as server:
            state = web_state_of(app)
            page = Page(server.url, f"{server.url}/?token={state.tokens.new_link()}")
            answer = requests.post(f"{sandbox.url}/_sandbox/campaigns", timeout=30,
                                   json={"name": "Web bench", "status": "active"})  # fmt: skip
            answer.raise_for_status()
            campaign = str(answer.json()["campaign"]["id"])
            facts.update(walk(page, source, campaign, state.config.page_rows))
            facts["page_rows"] = state.config.page_rows
    return page, facts


def walk(page: Page, source: Path, campaign: str, page_rows: int) -> dict[str, Any]:
    """Every step of the page, in order, as a person would take them."""
    facts: dict[str, Any] = {}

    def upload() -> tuple[str, str]:
        body = MultipartFile(source)
        answer = page.session.post(
            page.url + "/imports", data=body, allow_redirects=False, timeout=TIMEOUT,
            headers={"Content-Type": body.content_type},
        )  # fmt: skip
        _ok(answer)
        location = answer.headers.get("location", "")
        found = re.fullmatch(r"/imports/([^/]+)/upload", location)
        if found is None:
            raise SystemExit(f"the upload did not lead to an import: {answer.status_code}")
        return found.group(1), f"{len(body) / 1e6:.1f} MB, streamed"

    import_id = page.timed("upload (POST /imports)", upload)
    at = f"/imports/{import_id}"
    page.timed("upload page (what was found)", lambda: (None, _found(page.get(f"{at}/upload"))))
    page.timed(
        "map page", lambda: (None, "mapping preselected: " + _mapping(page.get(f"{at}/map")))
    )
    form = {"action": "next", "mapping": "generic", "sandbox": "on", "campaign": campaign,
            "region": ""}  # fmt: skip
    page.timed("map: keep it, start the check", lambda: (page.post(f"{at}/map", form), ""))
    page.timed("check every row (until ready)", lambda: (page.wait(import_id, "check"), ""))

    first = page.timed("review page, first (problems)", lambda: _view(page, at))
    counts = ("total", "valid", "rejected", "duplicates", "skipped")
    facts["checked"] = _counts(first, counts)
    keys = re.findall(r'name="key" value="([^"]+)"', first.text)
    fixes = page.timed("review: the fixes (fragment)", lambda: _fixes(page, at))
    keys += re.findall(r'name="key" value="([^"]+)"', fixes.text)
    total = _count(first, "total") or 0
    last = max(1, -(-total // page_rows))
    middle = max(1, last // 2)
    page.timed(f"review page {middle:,} of {last:,} (all)", lambda: _view(page, at, "all", middle))
    page.timed(f"review page {last:,} of {last:,} (all)", lambda: _view(page, at, "all", last))
    for name in (*FILTERS, "code:phone_placeholder"):
        page.timed(f"review page, filter {name}", functools.partial(_view, page, at, name))

    placeholder = page.get(f"{at}/review", filter="code:phone_placeholder")
    number = re.search(r'data-row="(\d+)"', placeholder.text)
    if number is None:
        raise SystemExit("no row with a placeholder phone to edit")
    edit = {"column": "phone", "value": "+1 415 555 0199"}
    page.timed(
        "edit a cell (htmx, row checked again)",
        lambda: _edited(page.post(f"{at}/review/rows/{number.group(1)}", edit,
                                  headers={"HX-Request": "true"})),
    )  # fmt: skip
    page.timed("review page after the edit", lambda: _view(page, at))
    rows_of = re.findall(r'data-row="(\d+)"', placeholder.text)
    if len(rows_of) > 1:  # a row skipped is not sent, and is reported as skipped
        page.timed(
            "skip a row (htmx)",
            lambda: _edited(page.post(f"{at}/review/rows/{rows_of[1]}", {"action": "skip"},
                                      headers={"HX-Request": "true"})),
        )  # fmt: skip

    key = next((k for k in keys if k.startswith("region:")), keys[0] if keys else None)
    if key is None:
        raise SystemExit("the review page offers no fix for many rows")
    facts["fix"] = key

    def apply() -> tuple[requests.Response, str]:
        form = {"action": "apply", "key": key}
        answer, how = page.settle(import_id, page.post(f"{at}/review/fix", form))
        done = re.search(r'role="status">([^<]*)<', answer.text)
        return answer, f"{done.group(1) if done else '?'}; {how}"

    page.timed(f"apply the fix {key} (until done)", apply)
    fixed = page.timed("review page after the fix", lambda: _view(page, at))
    facts["fixed"] = _counts(fixed, counts)
    page.timed("review: the fixes after the fix", lambda: _fixes(page, at))

    page.timed("send page (balance)", lambda: _leads(page.get(f"{at}/send")))

    def start() -> tuple[requests.Response, str]:
        return page.post(f"{at}/send", {"action": "send"}, allow_redirects=False), ""

    page.timed("send: POST (starts the job)", start)
    page.timed(
        "send (corrected file, every batch answered)", lambda: (page.wait(import_id, "send"), "")
    )
    results = page.timed("results page", lambda: _with_rows(page.get(f"{at}/results")))
    facts["sent"] = _counts(results, ("total", "accepted", "rejected", "duplicates", "pending"))
    if _count(results, "total") != total:  # every row of the file is in one report
        raise SystemExit(f"the results count {_count(results, 'total')} rows, the file {total}")
    page.timed(
        "results page, rejected, page 2",
        lambda: (None, _report_rows(page.get(f"{at}/results", outcome="rejected", page="2"))),
    )
    run = re.search(r'/files/([^/"]+)/summary\.json', results.text)
    if run is not None:
        page.timed(
            "download accepted.csv",
            lambda: _size(page.get(f"{at}/files/{run.group(1)}/accepted.csv")),
        )
    return facts


def _view(page: Page, at: str, filter_: str = "", number: int = 1) -> tuple[Any, str]:
    params = {"filter": filter_} if filter_ else {}
    if number > 1:
        params["page"] = str(number)
    answer = page.get(f"{at}/review", **params)
    return answer, _matching(answer)


def _fixes(page: Page, at: str) -> tuple[requests.Response, str]:
    """The fixes for many rows, when the page fetches them on their own."""
    answer = page.session.get(f"{page.url}{at}/review/fixes", timeout=TIMEOUT)
    if answer.status_code == 404:
        return answer, "not fetched on their own"
    _ok(answer)
    return answer, f"{len(re.findall(r'name=.key.', answer.text))} fixes"


def _with_rows(answer: requests.Response) -> tuple[requests.Response, str]:
    return answer, _report_rows(answer)


def _found(answer: requests.Response) -> str:
    rows = re.search(r'data-testid="row-count">([\d,]+)<', answer.text)
    return f"{rows.group(1) if rows else '?'} rows"


def _mapping(answer: requests.Response) -> str:
    checked = re.search(r'name="mapping" value="([^"]+)" checked', answer.text)
    return checked.group(1) if checked else "none"


def _edited(answer: requests.Response) -> tuple[None, str]:
    status = re.search(r'class="status"[^>]*>\s*([a-z]+)', answer.text)
    return None, f"row now {status.group(1) if status else '?'}"


def _leads(answer: requests.Response) -> tuple[requests.Response, str]:
    return answer, f"{_count_of(answer, r'data-testid=.leads.>([0-9,]+)<'):,} leads to send"


def _count_of(answer: requests.Response, pattern: str) -> int:
    found = re.search(pattern, answer.text)
    return int(found.group(1).replace(",", "")) if found else -1


def _size(answer: requests.Response) -> tuple[None, str]:
    return None, f"{len(answer.content) / 1e6:.1f} MB"


def tree_memory(pid: int) -> int:
    """Memory of a process and its descendants (proportional set size), in bytes.

    Every thread's children are followed: the page starts its worker processes from
    the threads that run its jobs.
    """
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
        total += sum(int(line.split()[1]) * 1024 for line in rollup.splitlines()
                     if line.startswith("Pss:"))  # fmt: skip
    return total


class Sampler:
    """The largest memory of this process tree, sampled in a thread while the walk runs."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_memory(os.getpid()))
            self._done.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    """Walk through the page with a large file; print a table of the times."""
    rows = int(re.sub(r"[_,]", "", sys.argv[1])) if len(sys.argv) > 1 else 200_000
    started = time.perf_counter()
    with Sampler() as sampler, tempfile.TemporaryDirectory(prefix="whiteclad-bench-web-") as tmp:
        page, facts = run(rows, Path(tmp))
    whole = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"The page with {rows:,} rows ({facts['file'].name}, {facts['size'] / 1e6:.1f} MB, "
          f"no default country; {facts['page_rows']} rows a page; "
          f"{os.cpu_count()} CPUs)")  # fmt: skip
    print(f"  checked: {facts['checked']}")
    print(f"  after the fix {facts['fix']}: {facts['fixed']}")
    print(f"  sent: {facts['sent']}")
    print(f"| {'step':<44} | {'time':>9} | {'':<40} |")
    print(f"| {'-' * 44} | {'-' * 9}:| {'-' * 40} |")
    for label, seconds, note in page.results:
        shown = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"
        print(f"| {label:<44} | {shown:>9} | {note:<40} |")
    views = [seconds for label, seconds, _ in page.results if label.startswith("review page")]
    print(f"Slowest review page view: {max(views) * 1000:.0f} ms (of {len(views)}).")
    print(f"Whole walk: {whole:.1f} s. Peak memory: {own:.0f} MiB resident in this process (the "
          f"page, the sandbox and this client), {children:.0f} MiB in the largest child "
          f"process waited for, {sampler.peak / 2**20:.0f} MiB for the whole process tree "
          f"(worker processes included; proportional set size, sampled every "
          f"{sampler.every:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
