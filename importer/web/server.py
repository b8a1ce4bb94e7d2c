"""Run the page for ``whiteclad-import ui``: on this machine only, until Ctrl-C."""

from __future__ import annotations

import sys
import threading
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from ..config import Settings, load_settings
from ..errors import UsageError
from ..private import privately
from ..sandbox.server import ServerError, ServerThread
from .app import WebConfig, WebState, create_app, web_state_of
from .security import SESSION_DAYS, is_loopback_host
from .workspace import RETENTION_DAYS

__all__ = ["check_host", "sample_folder", "serve_ui"]


def check_host(host: str) -> None:
    """Refuse an address other machines could reach (UsageError)."""
    if not is_loopback_host(host):
        raise UsageError(
            f"--host {host} is not a loopback address: the page listens on this machine only "
            "(127.0.0.1, ::1 or localhost), so that nobody else on the network can use it"
        )


def _new_links(keys: TextIO, out: TextIO, url: str, state: WebState) -> None:
    """Print a new one-time link for each line typed, until the input ends."""
    for _ in keys:
        print(f"whiteclad-import ui: open {url}/?token={state.tokens.new_link()}", file=out,
              flush=True)  # fmt: skip


def sample_folder() -> Path | None:
    """The bundled sample exports, when this is a clone of the repository."""
    folder = Path(__file__).resolve().parents[2] / "sample_data"
    return folder if folder.is_dir() else None


@privately  # uploads, reviews and reports of the page are born 0600 in folders 0700
def serve_ui(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    try_mode: bool = False,
    max_file_size: int | None = None,
    state_dir: Path | None = None,
    config: Path | None = None,
    profile: str | None = None,
    out: TextIO | None = None,
    opener: Callable[[str], Any] = webbrowser.open,
    stop: threading.Event | None = None,
    keys: TextIO | None = None,
) -> None:
    """Serve the page until Ctrl-C (or ``stop`` is set); print the link to open.

    Each line read from ``keys`` (the terminal, when stdin is one) prints a new
    one-time link, for another browser, without stopping the server.
    """
    out = out or sys.stdout
    if keys is None and sys.stdin is not None and sys.stdin.isatty():
        keys = sys.stdin
    check_host(host)

    def settings(given: Mapping[str, Any]) -> Settings:
        values = {"state_dir": state_dir, **given}
        return load_settings(values, config=config, profile=profile)

    settings({})  # a broken config file stops here, before anything listens
    web_config = WebConfig(settings=settings, try_mode=try_mode, samples_dir=sample_folder())
    if max_file_size is not None:
        web_config.max_file_size = max_file_size
    app = create_app(web_config)
    state: WebState = web_state_of(app)
    server = ServerThread(app, host, port, name="whiteclad-ui", lifespan="on")
    try:
        server.start()
    except ServerError as exc:
        raise UsageError(f"{exc}; pass another --port") from exc
    link = f"{server.url}/?token={state.tokens.new_link()}"
    print(f"whiteclad-import ui: open {link}", file=out)
    print(
        f"The link works once, in one browser, which stays signed in for {SESSION_DAYS} days. "
        f"Imports are kept in {state.workspace.root} for {RETENTION_DAYS} days.",
        file=out,
    )
    if try_mode:
        print("Try mode: leads go to a sandbox on this machine, not to Whiteclad.", file=out)
    if keys is not None:
        print("Press Enter for a new link (another browser); Ctrl-C to stop.", file=out, flush=True)
        threading.Thread(
            target=_new_links,
            args=(keys, out, server.url, state),
            name="whiteclad-ui-links",
            daemon=True,
        ).start()
    else:
        print("Press Ctrl-C to stop.", file=out, flush=True)
    if open_browser:
        opener(link)
    waiter = stop or threading.Event()
    try:
        while server.running and not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("Stopped.", file=out, flush=True)
