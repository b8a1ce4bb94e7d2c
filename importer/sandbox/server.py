"""Running a server: any ASGI app in a background thread, and the sandbox in it or in front.

:class:`ServerThread` serves any ASGI app (the sandbox, a web page, both mounted in
one Starlette app) with uvicorn in a daemon thread on this machine: ``port=0``
picks a free port, :meth:`ServerThread.start` returns once connections are
accepted, :meth:`ServerThread.stop` waits for the thread and frees the port.
:class:`SandboxServer` is the sandbox in such a thread; :func:`serve` runs the
sandbox in the foreground for the command line.
"""

from __future__ import annotations

import shlex
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, TextIO

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from .app import SANDBOX_PREFIX, Sandbox, create_app, sandbox_of
from .config import SandboxConfig, SandboxError
from .contract import API_PREFIX

__all__ = ["SandboxServer", "ServerError", "ServerThread", "banner", "serve"]


class ServerError(RuntimeError):
    """A server cannot listen on its address, or did not start."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _client_host(host: str) -> str:
    """Return the host a client on this machine should use to reach ``host``."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


Lifespan = Literal["auto", "on", "off"]


def _uvicorn_config(app: ASGIApp, *, own_logging: bool, lifespan: Lifespan) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http="h11",
        ws="none",
        loop="asyncio",
        lifespan=lifespan,
        log_level="warning",
        access_log=False,
        # Embedded in another program (tests, a demo), leave its logging set-up alone.
        log_config=uvicorn.config.LOGGING_CONFIG if own_logging else None,
        timeout_graceful_shutdown=2,
    )


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that sets an event once it accepts connections."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then say so."""
        await super().startup(sockets)
        if self.started:
            self._ready.set()


class ServerThread:
    """Any ASGI app served by uvicorn in a background thread.

    ::

        with ServerThread(app) as server:  # port 0: a free loopback port
            requests.get(server.url + "/")

    ``lifespan`` is uvicorn's setting: ``"auto"`` runs the app's startup and
    shutdown if it has them, ``"on"`` requires them.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "asgi-server",
        lifespan: Lifespan = "auto",
    ) -> None:
        self.app = app
        self.host = host
        self.name = name
        self.lifespan: Lifespan = lifespan
        self.ready = threading.Event()
        self._requested_port = port
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            return self
        sock = _bind(self.host, self._requested_port)
        self.ready.clear()
        server = _ReadyServer(
            _uvicorn_config(self.app, own_logging=False, lifespan=self.lifespan), self.ready
        )
        self._socket, self._server, self._failure = sock, server, None
        self._port = int(sock.getsockname()[1])
        self._thread = threading.Thread(
            target=self._run,
            args=(server, sock),
            name=f"{self.name}-{self._port}",
            daemon=True,  # a server someone forgot to stop must not keep the program alive
        )
        self._thread.start()
        # The thread also sets the event when it ends, so a failed start does not wait.
        self.ready.wait(timeout)
        if not server.started:
            failure = self._failure
            self.stop()
            raise ServerError(f"the server did not start: {failure!r}")
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # kept for start() to report, not lost in the thread
            self._failure = exc
        finally:
            self.ready.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving; wait for the thread and close the socket. A second stop does nothing."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=timeout)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        """The port the server listens on (or last listened on)."""
        if self._port is None:
            raise ServerError("the server is not started")
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL, like ``http://127.0.0.1:PORT``."""
        return f"http://{_client_host(self.host)}:{self.port}"


class SandboxServer:
    """The sandbox API served by uvicorn in a background thread.

    ::

        with SandboxServer(SandboxConfig(credits=5)) as server:
            requests.get(server.base_url + "/status", headers=server.auth_headers)
    """

    def __init__(
        self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._app: FastAPI | None = None
        self._thread: ServerThread | None = None

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            return self
        app = create_app(self.config)
        thread = ServerThread(
            app, self.host, self._requested_port, name="whiteclad-sandbox", lifespan="on"
        )
        try:
            thread.start(timeout)
        except ServerError as exc:
            sandbox_of(app).close()
            raise SandboxError(f"Sandbox: {exc}") from exc
        self._app, self._thread, self._port = app, thread, thread.port
        return self

    def stop(self) -> None:
        """Stop serving; wait for the thread, close the socket and the database."""
        if self._thread is not None:
            self._thread.stop()
        if self._app is not None:
            sandbox_of(self._app).close()
        self._thread = self._app = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise SandboxError("Sandbox: the server is not started.")
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL, where ``/_sandbox/...`` lives."""
        return f"http://{_client_host(self.host)}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API's base URL, like ``http://127.0.0.1:PORT/api/v1/client``."""
        return self.url + API_PREFIX

    @property
    def auth_headers(self) -> dict[str, str]:
        """The two credential headers of the configured client."""
        return {"x-client-id": self.config.client_id, "x-client-secret": self.config.client_secret}

    @property
    def sandbox(self) -> Sandbox:
        """The running sandbox's state (storage, rate limiter), readable from any thread."""
        if self._app is None:
            raise SandboxError("Sandbox: the server is not started.")
        return sandbox_of(self._app)

    @property
    def db_path(self) -> Path:
        """The SQLite file of the running sandbox."""
        return self.sandbox.store.path


def banner(config: SandboxConfig, base_url: str, sandbox: Sandbox) -> str:
    """Return what :func:`serve` prints on start: exports, campaigns, settings."""
    account = sandbox.store.account()
    lines = [
        f"Whiteclad API sandbox on {base_url}",
        f"Contract: {base_url}/openapi.yaml",
        "",
        f"export WHITECLAD_BASE_URL={shlex.quote(base_url)}",
        f"export WHITECLAD_CLIENT_ID={shlex.quote(config.client_id)}",
        f"export WHITECLAD_CLIENT_SECRET={shlex.quote(config.client_secret)}",
        "",
        "Campaigns:",
    ]
    lines += [
        f"  {c['id']}  {c['status']:<9}  {c['totalLeads']:>6} leads  {c['name']}"
        for c in sandbox.store.campaigns()
    ]
    limit = (
        f"{config.rate_limit} requests per {config.rate_window_seconds:g} s"
        if config.rate_limit
        else "none"
    )
    faults = [
        text
        for text, value in (
            (f"fail rate {config.fail_rate:g}", config.fail_rate),
            (f"throttle rate {config.throttle_rate:g}", config.throttle_rate),
            (f"drop rate {config.drop_rate:g}", config.drop_rate),
            (f"latency {config.latency:g} s", config.latency),
        )
        if value
    ]
    database = (
        str(sandbox.store.path) if config.db_path is not None else "temporary, deleted on exit"
    )
    lines += [
        "",
        f"Credits: {account['credits']:g} ({config.cost_per_lead:g} per lead)",
        f"Rate limit: {limit}",
        f"Faults: {', '.join(faults) or 'none'}",
        f"Database: {database}",
        f"Inspect: {base_url.removesuffix(API_PREFIX)}{SANDBOX_PREFIX}/stats",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM end :func:`serve` like Ctrl-C, so the database is closed cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    out: TextIO | None = None,
) -> None:
    """Serve the sandbox API in the foreground until Ctrl-C (or SIGTERM)."""
    out = out or sys.stdout
    try:
        sock = _bind(host, port)
    except ServerError as exc:
        raise SandboxError(f"Sandbox: {exc}") from exc
    try:
        app = create_app(config)
    except BaseException:
        sock.close()
        raise
    sandbox = sandbox_of(app)
    try:
        bound_port = int(sock.getsockname()[1])
        base_url = f"http://{_client_host(host)}:{bound_port}{API_PREFIX}"
        print(banner(config, base_url, sandbox), file=out, flush=True)
        server = uvicorn.Server(_uvicorn_config(app, own_logging=True, lifespan="on"))
        with _sigterm_as_interrupt(), suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
        sandbox.close()
    print("Sandbox stopped.", file=out, flush=True)
