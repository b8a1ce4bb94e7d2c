"""What the server sends back is untrusted: odd answers lose no row and crash nothing.

A small HTTP server on 127.0.0.1 answers the importer's questions correctly (the
campaign, the credit balance) and answers ``POST /leads`` the way each test asks:
not JSON, JSON of another shape, results about other leads, a slow drip, a
redirect. Every row must end up in exactly one report, the ones whose fate is
unknown in pending.csv.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from importer.client import ApiClient, Credentials, RetryPolicy
from importer.errors import ImportIncomplete, ResponseError, TransportError
from importer.pipeline import ImportOptions, run_import
from importer.status import ExitStatus

from .helpers import SPRING, assert_every_row_once, read_report, us_numbers, write_csv

SECRET = "wc_secret_UNTRUSTED_4242"
PostAnswer = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


class _Server:
    """A loopback HTTP server whose answer to POST /leads is set per test."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.answer: PostAnswer = _created
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, dict(self.headers)))
                if self.path.endswith(f"/campaigns/{SPRING}"):
                    self._send(
                        200,
                        {
                            "success": True,
                            "data": {
                                "campaign": {
                                    "id": SPRING,
                                    "name": "Spring Promo 2026",
                                    "status": "active",
                                }
                            },
                        },
                    )
                elif self.path.endswith("/status"):
                    self._send(200, {"success": True, "data": {"credits": {"balance": 100}}})
                else:
                    self._send(404, {"success": False, "error": "not found"})  # fmt: skip

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(("POST", self.path, dict(self.headers)))
                server.answer(self, body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://{host}:{self.httpd.server_address[1]}/api/v1/client"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _raw(handler: BaseHTTPRequestHandler, status: int, data: bytes,
         content_type: str = "application/json") -> None:  # fmt: skip
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _created(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    created = [{"phone": lead["phone"], "leadId": "a" * 24} for lead in body["leads"]]
    results = {"successful": created, "failed": [], "duplicates": []}
    _raw(handler, 201, json.dumps({"success": True, "data": {"results": results}}).encode())


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


def _leads(tmp_path: Path, count: int = 4) -> Path:
    rows = [["phone", "first_name"], *([n, "Ana"] for n in us_numbers(count, 9100))]
    return write_csv(tmp_path / "leads.csv", rows)


def _run(server: _Server, tmp_path: Path) -> tuple[int, dict[str, list[dict[str, str]]]]:
    out = tmp_path / "out"
    options = ImportOptions(
        path=_leads(tmp_path), mapping="generic", out_dir=out, dry_run=False, campaign=SPRING,
        base_url=server.base_url, credentials=Credentials("wc_client_x", SECRET),
        retry=RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.01), rate_limit=0,
        state_dir=tmp_path / "state",
    )  # fmt: skip
    try:
        status = int(run_import(options).exit_status)
    except ImportIncomplete as exc:
        status = int(exc.exit_status)
    assert_every_row_once(out, 4)
    reports = {
        name: read_report(out / f"{name}.csv") if (out / f"{name}.csv").exists() else []
        for name in ("accepted", "rejected", "duplicates", "pending")
    }
    return status, reports


def test_a_well_behaved_server_accepts_everything(server: _Server, tmp_path: Path) -> None:
    status, reports = _run(server, tmp_path)
    assert status == ExitStatus.SUCCESS
    assert len(reports["accepted"]) == 4


@pytest.mark.parametrize(
    "answer",
    [
        lambda h, b: _raw(h, 201, b"<html>Created</html>", "text/html"),
        lambda h, b: _raw(h, 201, b"[1, 2, 3]"),
        lambda h, b: _raw(h, 201, b'{"success": true, "data": "done"}'),
        lambda h, b: _raw(h, 201, b'{"data": {"results": {"successful": "all of them"}}}'),
        lambda h, b: _raw(h, 201, b'{"data": {"results": {"successful": [{"phone": 5}, null]}}}'),
        lambda h, b: _raw(h, 200, b'{"data": {"results": {"successful": [{"phone": "+19995550100",'
                                  b' "leadId": "x", "index": 0}]}}}'),
        lambda h, b: _raw(h, 201, b'{"data": {"results": {"successful": [{"index": 99}]}}}'),
        lambda h, b: _raw(h, 201, b'{"data": {"creditsDeducted": "lots", "results": {}}}'),
    ],
    ids=["html", "json-list", "data-string", "results-string", "junk-items",
         "other-lead-with-index", "index-out-of-range", "no-results"],
)  # fmt: skip
def test_answers_that_say_nothing_usable_leave_every_row_pending(
    server: _Server, tmp_path: Path, answer: PostAnswer
) -> None:
    server.answer = answer
    status, reports = _run(server, tmp_path)
    assert status == ExitStatus.INCOMPLETE
    # Nothing counted as sent on an answer that does not say which lead it is about.
    assert reports["accepted"] == [] and reports["rejected"] == []
    assert [row["phone"] for row in reports["pending"]] == us_numbers(4, 9100)


def test_an_answer_about_some_leads_only_keeps_the_others_pending(
    server: _Server, tmp_path: Path
) -> None:
    def half(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        first, second = body["leads"][0]["phone"], body["leads"][1]["phone"]
        _raw(handler, 201, json.dumps({"data": {"results": {
            "successful": [{"phone": first, "leadId": "a" * 24}, {"phone": first}],
            "failed": [{"phone": second, "error": {"message": "bad lead"}}],
            "duplicates": [{"phone": "+19995550199"}]}}}).encode())  # fmt: skip

    server.answer = half
    status, reports = _run(server, tmp_path)
    assert status == ExitStatus.INCOMPLETE
    numbers = us_numbers(4, 9100)
    assert [row["phone"] for row in reports["accepted"]] == numbers[:1]
    assert [row["phone"] for row in reports["rejected"]] == numbers[1:2]
    assert "bad lead" in reports["rejected"][0]["error"]
    assert [row["phone"] for row in reports["pending"]] == numbers[2:]


def test_a_redirect_is_not_followed_and_credentials_stay_home(tmp_path: Path) -> None:
    elsewhere = _Server(host="127.0.0.2")
    home = _Server()
    try:

        def redirect(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
            handler.send_response(307)
            handler.send_header("Location", elsewhere.base_url + "/leads")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        home.answer = redirect
        status, reports = _run(home, tmp_path)
        assert status == ExitStatus.INCOMPLETE
        assert len(reports["pending"]) == 4
        assert elsewhere.requests == []
        assert "redirect" in reports["pending"][0]["reason"]
    finally:
        home.close()
        elsewhere.close()


def test_a_slow_drip_answer_is_cut_off_at_the_deadline(server: _Server) -> None:
    def drip(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        handler.send_response(201)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(100):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client hung up, as it should

    server.answer = drip
    client = ApiClient(server.base_url, Credentials("wc_client_x", SECRET), timeout=(2.0, 2.0),
                       retry=RetryPolicy(attempts=1), deadline=1.0)  # fmt: skip
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        client.create_leads(SPRING, [{"phone": "+14155550123"}])
    assert time.monotonic() - started < 3.0  # each byte came in time; the deadline ended it
    assert caught.value.sent  # the server may have stored the batch: its fate is unknown
    client.close()


def test_an_answer_too_large_is_not_read(server: _Server) -> None:
    server.answer = lambda h, b: _raw(h, 201, b'{"data": "' + b"x" * 3_000_000 + b'"}')
    client = ApiClient(server.base_url, Credentials("wc_client_x", SECRET),
                       retry=RetryPolicy(attempts=1), max_answer_bytes=1 << 20)  # fmt: skip
    with pytest.raises(ResponseError, match="larger than 1 MiB"):
        client.create_leads(SPRING, [{"phone": "+14155550123"}])
    client.close()


def test_an_answer_whose_headers_drip_is_cut_off_at_the_deadline(server: _Server) -> None:
    def drip_headers(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        try:
            handler.wfile.write(b"HTTP/1.1 201 Created\r\n")
            for _ in range(100):
                handler.wfile.write(b"X")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client hung up, as it should

    server.answer = drip_headers
    client = ApiClient(server.base_url, Credentials("wc_client_x", SECRET), timeout=(2.0, 2.0),
                       retry=RetryPolicy(attempts=1), deadline=1.0)  # fmt: skip
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        client.create_leads(SPRING, [{"phone": "+14155550123"}])
    assert time.monotonic() - started < 3.0
    assert caught.value.sent
    # The connection pool still works for the next request.
    server.answer = _created
    assert client.create_leads(SPRING, [{"phone": "+14155550123"}]).successful
    client.close()
