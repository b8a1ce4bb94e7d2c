"""The printed link, in chromium: another site's page can neither use it nor burn it."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect

from ..helpers import SAMPLES
from .conftest import Web
from .test_every_sample import WAIT_MS, _send


def _token(link: str) -> str:
    return link.split("token=")[1]


def test_a_cross_origin_post_of_the_link_is_refused_and_the_link_then_opens_the_page(
    page: Page, web: Web
) -> None:
    link = web.link()
    # Another site's form that posts the link: the page it would open is refused.
    page.set_content(f'<form method="post" action="{link}"><button>Send</button></form>')
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("The link was not used")
    assert page.context.cookies() == []
    assert web.state.tokens.known(_token(link))
    # The person it was printed for opens it: the page and a session.
    page.goto(link)
    expect(page).to_have_url(web.url + "/")
    expect(page.locator("#file")).to_be_attached()
    assert [cookie["name"] for cookie in page.context.cookies()] == ["whiteclad_session"]


def test_a_link_embedded_or_followed_from_another_site_is_not_burned(page: Page, web: Web) -> None:
    link = web.link()
    page.set_content(f'<img src="{link}" alt="x"><a href="{link}">the link</a>')
    page.wait_for_load_state("load")
    assert page.context.cookies() == []
    assert web.state.tokens.known(_token(link))
    page.get_by_role("link", name="the link").click()
    expect(page.get_by_role("heading", name="Open whiteclad-import")).to_be_visible()
    assert page.context.cookies() == [] and web.state.tokens.known(_token(link))
    page.get_by_role("link", name="Open whiteclad-import").click()
    expect(page).to_have_url(web.url + "/")
    expect(page.locator("#file")).to_be_attached()
    assert not web.state.tokens.known(_token(link))


def test_every_file_of_a_send_through_the_page_is_private(page: Page, tmp_path: Path) -> None:
    """``ui`` started under the usual umask 022 writes folders 0700 and files 0600."""
    state = tmp_path / "state"
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "importer", "ui", "--try", "--no-open", "--port", "0",
               "--state-dir", str(state)]  # fmt: skip
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, umask=0o022
    ) as ui:
        try:
            assert ui.stdout is not None
            line = ui.stdout.readline()
            found = re.search(r"open (http://\S+)", line)
            assert found, line
            page.goto(found.group(1))
            page.set_input_files("#file", str(SAMPLES / "generic_leads.csv"))
            page.get_by_role("button", name="Upload").click()
            page.get_by_role("link", name="Next: map the columns").click()
            page.get_by_label("Send to the sandbox on this machine").check()
            page.select_option("#campaign", index=1)  # the try sandbox's first campaign
            page.get_by_role("button", name="Next: check every row").click()
            expect(page.get_by_test_id("count-total")).to_be_visible(timeout=WAIT_MS)
            _send(page, int(page.get_by_test_id("count-valid").inner_text()))
        finally:
            ui.send_signal(signal.SIGINT)
            ui.wait(30)
    found_paths = [state, *state.rglob("*")]
    assert any(path.name.startswith("ledger") for path in found_paths), found_paths
    loose = [
        (str(path.relative_to(state)), oct(stat.S_IMODE(path.stat().st_mode)))
        for path in found_paths
        if stat.S_IMODE(path.stat().st_mode) != (0o700 if path.is_dir() else 0o600)
    ]
    assert loose == [], loose
