"""What keeps the page private, checked over plain HTTP."""

from __future__ import annotations

import io
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from unittest import mock

import pytest
import requests

from importer.status import ExitStatus
from importer.web.security import SESSION_DAYS, LinkRequest, Tokens, link_request
from importer.web.server import serve_ui
from importer.web.workspace import RETENTION_DAYS, Workspace

from ..helpers import CliResult
from .conftest import MAX_FILE_SIZE, Web


def _upload(session: requests.Session, url: str, path: Path, **kwargs: object) -> requests.Response:
    with path.open("rb") as handle:
        return session.post(url, files={"file": (path.name, handle)}, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_a_request_without_the_link_or_cookie_is_refused(web: Web) -> None:
    answer = requests.get(web.url + "/", timeout=5)
    assert answer.status_code == 403
    assert "Open the link that 'whiteclad-import ui' printed in the terminal" in unescape(
        answer.text
    )


def test_the_token_is_traded_for_a_strict_http_only_cookie_once(web: Web) -> None:
    link = web.link()
    answer = requests.get(link, timeout=5, allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert link.split("token=")[1] not in cookie
    again = requests.get(link, timeout=5, allow_redirects=False)
    assert again.status_code == 403  # one-time
    assert requests.get(web.url + "/?token=made-up", timeout=5).status_code == 403


def test_a_foreign_host_header_is_refused(web: Web) -> None:
    session = web.client()
    answer = session.get(web.url + "/", headers={"Host": f"evil.example:{web.server.port}"})
    assert answer.status_code == 400
    assert session.get(web.url + "/", timeout=5).status_code == 200
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    local = requests.get(
        web.url + "/", headers={"Host": f"localhost:{web.server.port}", "Cookie": cookie}, timeout=5
    )
    assert local.status_code == 200


def test_a_state_change_from_another_origin_is_refused(web: Web) -> None:
    session = web.client()
    del session.headers["Origin"]
    url = web.url + "/imports/sample"
    data = {"sample": "generic_leads.csv"}
    assert session.post(url, data=data, timeout=5).status_code == 403  # neither header
    foreign = {"Origin": "http://evil.example"}
    assert session.post(url, data=data, headers=foreign, timeout=5).status_code == 403
    referer = {"Referer": "http://evil.example/page"}
    assert session.post(url, data=data, headers=referer, timeout=5).status_code == 403
    own = {"Referer": web.url + "/"}
    assert (
        session.post(url, data=data, headers=own, timeout=5, allow_redirects=False).status_code
        == 303
    )
    mine = {"Origin": web.url}
    assert (
        session.post(url, data=data, headers=mine, timeout=5, allow_redirects=False).status_code
        == 303
    )


def test_an_upload_over_the_limit_is_refused_with_413(web: Web, tmp_path: Path) -> None:
    session = web.client()
    big = tmp_path / "big.csv"
    big.write_bytes(b"phone\n" + b"+14155550123\n" * (MAX_FILE_SIZE // 13 + 100))
    before = set(web.state.workspace.root.iterdir())
    answer = _upload(session, web.url + "/imports", big)
    assert answer.status_code == 413
    assert "more than the 2.0 MB this page reads" in answer.text
    assert set(web.state.workspace.root.iterdir()) == before  # nothing kept


def test_a_chunked_upload_over_the_limit_stops_being_read(web: Web) -> None:
    """Without Content-Length the body is counted as it streams in."""
    session = web.client()

    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
        for _ in range(MAX_FILE_SIZE // 65536 + 5):
            yield b"1" * 65536
        yield b"\r\n--b--\r\n"

    answer = session.post(
        web.url + "/imports", data=body(), timeout=30,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )  # fmt: skip
    assert answer.status_code == 413


def test_a_broken_file_gets_the_command_line_sentence(
    web: Web, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"phone\n")
    session = web.client()
    page = _upload(session, web.url + "/imports", empty)
    cli = run_cli(empty, "--mapping", "generic", "--dry-run", "--out", tmp_path / "out")
    sentence = cli.stderr.strip().splitlines()[-1].removeprefix("Error: ")
    shown = sentence.replace(str(tmp_path) + "/", "")
    assert cli.exit_code == ExitStatus.CANNOT_START
    assert shown in unescape(page.text)


def test_each_import_folder_is_private_and_deleted_on_request(web: Web) -> None:
    session = web.client()
    answer = session.post(
        web.url + "/imports/sample", data={"sample": "generic_leads.csv"}, timeout=10
    )
    import_id = answer.url.rsplit("/", 2)[-2]
    folder = web.state.workspace.folder(import_id)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(web.state.workspace.root.stat().st_mode) == 0o700
    session.post(web.url + f"/imports/{import_id}/delete", timeout=10)
    assert not folder.exists()
    assert session.get(web.url + f"/imports/{import_id}/upload", timeout=10).status_code == 404


def test_imports_older_than_the_retention_period_are_purged(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    old, new = workspace.create(), workspace.create()
    assert workspace.purge(now=time.time() + 3600) == 0
    stale = time.time() - (RETENTION_DAYS + 1) * 86400
    for path in [workspace.folder(old.id), *workspace.folder(old.id).rglob("*")]:
        os.utime(path, (stale, stale))
    assert workspace.purge() == 1
    assert not workspace.exists(old.id) and workspace.exists(new.id)


def test_a_lead_named_like_a_script_is_shown_as_text(web: Web, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(
        "phone,first_name\n+14155550123,<script>alert(1)</script>\n", encoding="utf-8"
    )
    session = web.client()
    page = _upload(session, web.url + "/imports", hostile)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text


def test_the_page_refuses_to_listen_beyond_this_machine(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("ui", "--host", "0.0.0.0", "--no-open")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "is not a loopback address" in result.stderr
    assert socket.gethostname()  # nothing started: the command returned at once


def test_a_session_outlives_the_browser_and_the_server_and_ends_in_30_days(
    web: Web, tmp_path: Path
) -> None:
    answer = requests.get(web.link(), timeout=5, allow_redirects=False)
    assert f"Max-Age={SESSION_DAYS * 86_400}" in answer.headers["set-cookie"]
    store = tmp_path / "sessions.json"
    tokens = Tokens(store)
    session = tokens.trade(tokens.new_link())
    assert session is not None and tokens.valid(session)
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert session not in store.read_text()  # only a hash is kept
    # A restarted server reads the sessions back; a link of the old one is gone.
    link = tokens.new_link()
    restarted = Tokens(store)
    assert restarted.valid(session) and not restarted.valid("made-up")
    assert restarted.trade(link) is None
    # Thirty days on, the session has ended.
    later = time.time() + SESSION_DAYS * 86_400 + 1
    with mock.patch("importer.web.security.time.time", return_value=later):
        assert not restarted.valid(session)
        assert not Tokens(store).valid(session)


def test_enter_in_the_terminal_prints_a_new_link_for_another_browser(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    keys, typed = os.fdopen(read_end), os.fdopen(write_end, "w")
    out, stop, opened = io.StringIO(), threading.Event(), []
    server = threading.Thread(target=serve_ui, kwargs={
        "port": 0, "try_mode": True, "state_dir": tmp_path, "out": out, "stop": stop,
        "opener": opened.append, "keys": keys,
    })  # fmt: skip
    server.start()
    try:
        _wait_for(lambda: "Press Enter for a new link" in out.getvalue())
        typed.write("\n")
        typed.flush()
        _wait_for(lambda: out.getvalue().count("whiteclad-import ui: open") == 2)
        first, second = re.findall(r"open (http://\S+)", out.getvalue())
        assert opened == [first] and first != second
        assert "stays signed in for 30 days" in out.getvalue()
        for link in (first, second):  # each works once, in its own browser
            browser = requests.Session()
            assert browser.get(link, timeout=5).status_code == 200
            assert browser.get(link.split("?")[0], timeout=5).status_code == 200
            assert requests.get(link, timeout=5).status_code == 403
    finally:
        stop.set()
        typed.close()
        server.join(10)
        _wait_for(lambda: all(t.name != "whiteclad-ui-links" for t in threading.enumerate()))
        keys.close()
    assert not server.is_alive() and out.getvalue().endswith("Stopped.\n")


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


# --- the link is traded only by a navigation of this browser ---------------------------


def _token(link: str) -> str:
    return link.split("token=")[1]


def test_a_link_carried_by_a_post_is_refused_and_still_works(web: Web) -> None:
    link = web.link()
    foreign = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    for headers in (foreign, {}, {"Origin": web.url}):
        answer = requests.post(link, headers=headers, timeout=5, allow_redirects=False)
        assert answer.status_code == 403, headers
        assert "set-cookie" not in answer.headers
        assert "The link was not used" in unescape(answer.text)
    assert requests.head(link, timeout=5, allow_redirects=False).status_code == 403
    assert web.state.tokens.known(_token(link))
    navigation = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate",
                  "Sec-Fetch-Dest": "document"}  # fmt: skip
    answer = requests.get(link, headers=navigation, timeout=5, allow_redirects=False)
    assert answer.status_code == 303 and "set-cookie" in answer.headers


def test_a_link_fetched_by_another_site_is_not_used(web: Web) -> None:
    link = web.link()
    embedded = [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty",
         "Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
        {"Origin": "http://evil.example"},  # an old browser's request from another site
    ]  # fmt: skip
    for headers in embedded:
        answer = requests.get(link, headers=headers, timeout=5, allow_redirects=False)
        assert answer.status_code == 403, headers
        assert "set-cookie" not in answer.headers, headers
    # A link opened from another site's page: a button of this page opens it.
    clicked = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document"}  # fmt: skip
    answer = requests.get(link, headers=clicked, timeout=5, allow_redirects=False)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert f'href="/?token={_token(link)}"' in answer.text
    assert web.state.tokens.known(_token(link))
    # curl, or a browser without Fetch metadata: a plain GET trades it.
    assert requests.get(link, timeout=5, allow_redirects=False).status_code == 303
    assert not web.state.tokens.known(_token(link))


def test_the_state_folder_and_its_missing_parents_are_made_private(tmp_path: Path) -> None:
    before = os.umask(0o022)  # the usual umask, so that only the page's own care counts
    try:
        workspace = Workspace(tmp_path / "new" / "state")
        workspace.create()
    finally:
        os.umask(before)
    for folder in (tmp_path / "new", tmp_path / "new" / "state", workspace.root):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


_NAV = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}


@pytest.mark.parametrize(
    ("method", "headers", "kind"),
    [
        ("GET", {**_NAV, "sec-fetch-site": "none"}, LinkRequest.NAVIGATION),
        ("GET", {**_NAV, "sec-fetch-site": "same-origin"}, LinkRequest.NAVIGATION),
        ("GET", {}, LinkRequest.NAVIGATION),  # curl, an older browser
        ("GET", {"origin": "http://127.0.0.1:8765"}, LinkRequest.NAVIGATION),
        ("GET", {**_NAV, "sec-fetch-site": "cross-site"}, LinkRequest.FROM_ANOTHER_SITE),
        ("GET", {**_NAV, "sec-fetch-site": "same-site"}, LinkRequest.FROM_ANOTHER_SITE),
        ("GET", {"origin": "http://evil.example"}, LinkRequest.REFUSED),
        ("GET", {"origin": "null"}, LinkRequest.REFUSED),
        ("GET", {**_NAV, "sec-fetch-site": "none", "sec-fetch-dest": "iframe"},
         LinkRequest.REFUSED),
        ("GET", {"sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors",
                 "sec-fetch-dest": "image"}, LinkRequest.REFUSED),
        ("GET", {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}, LinkRequest.REFUSED),
        ("POST", {**_NAV, "sec-fetch-site": "none"}, LinkRequest.REFUSED),
        ("POST", {}, LinkRequest.REFUSED),
        ("HEAD", {}, LinkRequest.REFUSED),
    ],
)  # fmt: skip
def test_which_requests_may_use_the_link(
    method: str, headers: dict[str, str], kind: LinkRequest
) -> None:
    assert link_request(method, headers, "127.0.0.1:8765") is kind
