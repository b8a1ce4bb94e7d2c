"""The page under test: one server for the session, on a free loopback port, with a sandbox.

Browser tests drive Debian's chromium (``/usr/bin/chromium``) through pytest-playwright;
no browser is downloaded. Without chromium they are skipped, or fail when ``CI`` is set.
Screenshots go to a temporary folder; with ``WHITECLAD_SCREENSHOTS=docs/screenshots``
they are also copied there at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from importer.client import Credentials
from importer.config import Settings, load_settings
from importer.options import Endpoint
from importer.sandbox import SandboxConfig, SandboxServer
from importer.sandbox.server import ServerThread
from importer.web import WebConfig, create_app
from importer.web.app import WebState, web_state_of

from ..helpers import ROOT, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
#: A secret no test writes anywhere on purpose: it must never reach a browser.
SECRET = "wc_secret_WEBPAGE_must_never_show_9f3b27"
MAX_FILE_SIZE = 2_000_000


@dataclass
class Web:
    """The page under test."""

    server: ServerThread
    state: WebState
    sandbox: SandboxServer
    root: Path

    @property
    def url(self) -> str:
        return self.server.url

    def link(self) -> str:
        """A fresh one-time link, as the command prints."""
        return f"{self.url}/?token={self.state.tokens.new_link()}"

    def client(self) -> requests.Session:
        """A plain HTTP client that traded a link for the session cookie."""
        session = requests.Session()
        answer = session.get(self.link(), timeout=10)
        answer.raise_for_status()
        session.headers["Origin"] = self.url
        return session

    def campaign(self, name: str | None = None) -> str:
        """A new active campaign of the sandbox, for exact counts; its id."""
        body = {"name": name or f"Web {uuid.uuid4().hex[:8]}", "status": "active"}
        answer = requests.post(f"{self.sandbox.url}/_sandbox/campaigns", json=body, timeout=5)
        answer.raise_for_status()
        return str(answer.json()["campaign"]["id"])


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("web")
    config = SandboxConfig(client_secret=SECRET, rate_limit=0)
    with SandboxServer(config, host="127.0.0.1", port=0) as sandbox:
        env = {
            "WHITECLAD_BASE_URL": sandbox.base_url,
            "WHITECLAD_CLIENT_ID": config.client_id,
            "WHITECLAD_CLIENT_SECRET": SECRET,
            "XDG_CONFIG_HOME": str(root / "xdg"),
            "HOME": str(root / "home"),
        }

        def settings(given: Any) -> Settings:
            return load_settings(given, env=env, cwd=root)

        web_config = WebConfig(
            settings=settings,
            state_dir=root / "state",
            samples_dir=SAMPLES,
            mappings_dir=root / "mappings",
            max_file_size=MAX_FILE_SIZE,
            page_rows=20,
            sandbox_endpoint=Endpoint(sandbox.base_url, Credentials(config.client_id, SECRET)),
        )
        app = create_app(web_config)
        with ServerThread(app, "127.0.0.1", 0, name="web-under-test", lifespan="on") as server:
            yield Web(server, web_state_of(app), sandbox, root)


# --- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }  # fmt: skip


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the browser tests save screenshots; copied to $WHITECLAD_SCREENSHOTS at the end."""
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    target = os.environ.get("WHITECLAD_SCREENSHOTS")
    if target:
        destination = (ROOT / target).resolve()
        destination.mkdir(parents=True, exist_ok=True)
        for shot in sorted(folder.glob("*.png")):
            shutil.copyfile(shot, destination / shot.name)


@pytest.fixture(scope="session")
def base_url() -> None:
    """Tests open full addresses; this replaces pytest-base-url's fixture, which warns."""
    return None
