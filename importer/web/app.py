"""The local web page: a FastAPI app that calls the library the command line calls.

:func:`create_app` builds it from a :class:`WebConfig`; ``whiteclad-import ui``
serves it on this machine only. Like :mod:`importer.cli`, it parses what it is
given, calls the library and renders the answer; errors are mapped in one place
(:func:`_importer_error`): an :class:`~importer.errors.ImporterError` shows its
message, the sentence the command line prints after ``Error:``, in a calm box.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..config import Settings, load_settings
from ..errors import ImporterError
from ..options import Endpoint
from ..private import private_writes
from ..reader import DEFAULT_MAX_FILE_SIZE
from ..services import embedded_sandbox
from .jobs import Jobs
from .mappings import default_mappings_dir
from .security import Guard, Tokens
from .workspace import RETENTION_DAYS, Workspace

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "WebConfig",
    "WebState",
    "count",
    "create_app",
    "web_state",
    "web_state_of",
]

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


def count(number: int, one: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,234 rows``."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"


def _default_settings(given: Mapping[str, Any]) -> Settings:
    return load_settings(given)


@dataclass
class WebConfig:
    """How the page runs: where settings come from, where it keeps imports, try mode."""

    #: Loads the effective settings with the page's own values given (like options).
    settings: Callable[[Mapping[str, Any]], Settings] = _default_settings
    #: Folder of the ledger and of the page's imports (``<state_dir>/web``); None: settings'.
    state_dir: Path | None = None
    #: Send new imports to an embedded sandbox (no credentials needed).
    try_mode: bool = False
    #: Largest upload and largest file read, in bytes.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: Where "Save mapping" writes; None: ``~/.config/whiteclad-import/mappings``.
    mappings_dir: Path | None = None
    #: Folder of sample exports offered on the first page; None: none offered.
    samples_dir: Path | None = None
    #: Rows shown per page of a grid.
    page_rows: int = 50
    #: Endpoint used instead of starting a sandbox (tests share one).
    sandbox_endpoint: Endpoint | None = field(default=None, repr=False)


class WebState:
    """What the running page holds: config, workspace, jobs, tokens, the sandbox."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        base = config.settings({})
        self.state_dir: Path = (config.state_dir or Path(base["state_dir"])).resolve()
        self.workspace = Workspace(self.state_dir)
        self.jobs = Jobs()
        self.tokens = Tokens(self.workspace.root / "sessions.json")
        self.mappings_dir = config.mappings_dir or default_mappings_dir(dict(os.environ))
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals["count"] = count
        self._sandbox_lock = threading.Lock()
        self._sandbox: Endpoint | None = config.sandbox_endpoint
        self._stack = contextlib.ExitStack()

    def settings(self, given: Mapping[str, Any] | None = None) -> Settings:
        """The effective settings with the page's own values given."""
        values = dict(given or {})
        values.setdefault("state_dir", self.state_dir)
        return self.config.settings(values)

    def sandbox(self) -> Endpoint:
        """The embedded sandbox's endpoint, started on first use and kept until the page stops."""
        with self._sandbox_lock:
            if self._sandbox is None:
                endpoint = self._stack.enter_context(embedded_sandbox(True))
                assert endpoint is not None
                self._sandbox = endpoint
            return self._sandbox

    def render(self, name: str, request: Request | None = None, **context: Any) -> str:
        """Render a template with the page's common values."""
        template = self.templates.get_template(name)
        return template.render(
            version=__version__,
            try_mode=self.config.try_mode,
            retention_days=RETENTION_DAYS,
            request=request,
            **context,
        )

    def page(self, name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        """A rendered page as a response."""
        return HTMLResponse(self.render(name, request, **context), status_code=status)

    def close(self) -> None:
        """Stop the running imports and the sandbox."""
        self.jobs.cancel_all()
        self._stack.close()


def web_state(request: Request) -> WebState:
    """The page's state, from a request."""
    return web_state_of(request.app)


def web_state_of(app: FastAPI) -> WebState:
    """The page's state, from its app."""
    state: WebState = app.state.web
    return state


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The page's ASGI app, behind its guard (see :mod:`importer.web.security`)."""
    from .routes import router

    with private_writes():
        state = WebState(config or WebConfig())
        state.workspace.purge()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()

        def purge_daily() -> None:
            while not stop.wait(3600):
                state.workspace.purge_daily()

        threading.Thread(target=purge_daily, name="whiteclad-web-purge", daemon=True).start()
        # While the page serves, whatever it writes (uploads, mappings, reviews, reports,
        # the ledger of a send) is born 0600 in folders 0700, whichever server runs it.
        with private_writes():
            try:
                yield
            finally:
                stop.set()
                state.close()

    app = FastAPI(
        title="whiteclad-import", docs_url=None, redoc_url=None, openapi_url=None,
        lifespan=lifespan,
    )  # fmt: skip
    app.state.web = state
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(ImporterError, _importer_error)
    app.add_exception_handler(KeyError, _not_kept)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(Guard, tokens=state.tokens, render=_refusal_renderer(state))
    return app


def _refusal_renderer(state: WebState) -> Callable[[int, str, str | None], bytes]:
    def render(status: int, text: str, link: str | None) -> bytes:
        return state.render("refused.html", None, status=status, message=text, link=link).encode()

    return render


def _message(request: Request, text: str) -> str:
    """Show the page's own file paths by name only: the folder is private plumbing."""
    return text.replace(str(web_state(request).workspace.root) + os.sep, "")


async def _importer_error(request: Request, exc: Exception) -> Response:
    """An ImporterError: its message, as the command line prints it, in a calm box."""
    assert isinstance(exc, ImporterError)
    message = _message(request, exc.message)
    state = web_state(request)
    if request.headers.get("hx-request"):
        return HTMLResponse(state.render("_error.html", request, error=message))
    return state.page("error.html", request, status=400, error=message, back=_back(request))


async def _not_kept(request: Request, exc: Exception) -> Response:
    return web_state(request).page(
        "error.html",
        request,
        status=404,
        error=(
            f"this import is no longer kept: it was deleted, or not changed for "
            f"{RETENTION_DAYS} days"
        ),
        back="/",
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return web_state(request).page(
        "error.html", request, status=exc.status_code, error=str(exc.detail), back="/"
    )


def _back(request: Request) -> str:
    path = request.url.path
    return path if request.method == "GET" else path.rsplit("/", 1)[0] or "/"
