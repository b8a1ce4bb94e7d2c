"""The sandbox package: independent of the importer, its contract copy, its server thread."""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
import threading
import typing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

import importer.sandbox
from importer.sandbox import (
    SandboxConfig,
    ServerError,
    ServerThread,
    contract,
    create_app,
    sandbox_of,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "importer" / "sandbox"
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text("utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]

#: What the sandbox may import from the rest of the importer: the error tree, so the
#: command line reports its errors like any other (``importer.errors`` itself imports
#: ``importer.status``, the exit codes, which is why the dynamic check allows it too).
ALLOWED = ("importer.errors",)
ALLOWED_AT_RUN_TIME = ("importer.errors", "importer.status")
#: The importer's rules and machinery, named so a failure message is plain.
FORBIDDEN = (
    "importer.mapping",
    "importer.normalize",
    "importer.schema",
    "importer.validation",
    "importer.client",
    "importer.pipeline",
    "importer.answers",
    "importer.sending",
)


# -- independence ---------------------------------------------------------------------------


def _inside(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _imported(source: str, module: str, *, is_package: bool) -> set[str]:
    """Return every name ``module`` imports, absolute: modules, or ``module.attribute``."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from .. import errors` imports importer.errors; `from ..x import y`, x.y.
            names.update(f"{target}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def _outside_imports(names: set[str]) -> set[str]:
    """The names of the importer, outside the sandbox package and not allowed."""
    return {
        name
        for name in names
        if _inside(name, "importer")
        and not _inside(name, "importer.sandbox")
        and not any(_inside(name, allowed) for allowed in ALLOWED)
    }


def _package_files() -> list[Path]:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert PACKAGE_DIR / "__init__.py" in files
    return files


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from ..mapping import LEAD_FIELDS", "importer.mapping.LEAD_FIELDS"),
        ("from .. import normalize", "importer.normalize"),
        ("from .. import __version__", "importer.__version__"),
        ("import importer.client", "importer.client"),
        ("def f():\n    from importer.pipeline import run_import", "importer.pipeline.run_import"),
        ("import importlib\nimportlib.import_module('importer.answers')", "importer.answers"),
    ],
)
def test_the_import_check_catches_imports_of_the_importer(source: str, caught: str) -> None:
    names = _imported(source, "importer.sandbox.app", is_package=False)
    assert caught in _outside_imports(names)


def test_the_import_check_lets_the_package_and_the_errors_through() -> None:
    source = "from .contract import MAX_TAGS\nfrom ..errors import UsageError\nfrom . import store"
    names = _imported(source, "importer.sandbox.app", is_package=False)
    assert names == {
        "importer.sandbox.contract.MAX_TAGS",
        "importer.errors.UsageError",
        "importer.sandbox.store",
    }
    assert _outside_imports(names) == set()


def test_no_module_of_the_sandbox_imports_the_importer() -> None:
    """The hard guarantee: read every file of the package, list what it imports.

    The sandbox judges whether the importer follows the contract, so it must not share
    the importer's rules (a wrong rule would then pass on both sides). Only
    ``importer.errors`` is allowed, for ``SandboxError`` and ``UsageError``.
    """
    found = {}
    for path in _package_files():
        names = _imported(
            path.read_text("utf-8"), _module_name(path), is_package=path.name == "__init__.py"
        )
        outside = _outside_imports(names)
        if outside:
            found[str(path.relative_to(ROOT))] = sorted(outside)
    assert found == {}


_MODULES_AFTER = """
import json, sys
def loaded():
    return {m for m in sys.modules if m == "importer" or m.startswith("importer.")}
import importer
before = loaded()
import importer.sandbox
print(json.dumps({"before": sorted(before), "after": sorted(loaded())}))
"""


def test_importing_the_sandbox_loads_nothing_of_the_importer_beyond_import_importer() -> None:
    """The run-time check, in a fresh interpreter, relative to ``import importer`` alone.

    ``import importer.sandbox`` runs ``importer/__init__.py`` first, and whatever that
    loads is loaded whoever asks; so the check is that importing the sandbox adds only
    its own modules and the error tree to what ``import importer`` already loaded.
    ``importer/__init__.py`` loads its names lazily, so today ``import importer`` loads
    none of the importer's rules and the last assertion holds outright; should it
    load them eagerly again, that assertion would fail while the sandbox is innocent,
    and the check relative to ``import importer`` is the one to keep. The static check
    above is the guarantee either way.
    """
    result = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    modules = json.loads(result.stdout)
    added = set(modules["after"]) - set(modules["before"])
    assert "importer.sandbox.app" in added
    unexpected = {
        name
        for name in added
        if not _inside(name, "importer.sandbox") and name not in ALLOWED_AT_RUN_TIME
    }
    assert unexpected == set()
    assert {m for m in FORBIDDEN if m in added} == set()
    assert {m for m in FORBIDDEN if m in modules["after"]} == set()


def test_every_module_declares_what_it_exports() -> None:
    for path in _package_files():
        tree = ast.parse(path.read_text("utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "__all__" in assigned, path.name
    for name in importer.sandbox.__all__:
        assert hasattr(importer.sandbox, name), name


# -- the contract copy, against schemas/openapi.yaml ------------------------------------------


def _pattern(schema: dict[str, Any]) -> str:
    pattern = str(schema["pattern"])
    assert pattern.startswith("^") and pattern.endswith("$")
    return pattern[1:-1]


def test_lead_fields_match_the_lead_schema() -> None:
    lead = SCHEMAS["Lead"]
    assert tuple(lead["properties"]) == contract.LEAD_FIELDS
    assert lead["required"] == ["phone"]
    assert lead["additionalProperties"] is False
    for name in contract.TEXT_FIELDS:
        assert lead["properties"][name] == {"type": "string", **lead["properties"][name]}
    assert tuple(lead["properties"]["priority"]["enum"]) == contract.PRIORITIES
    assert lead["properties"]["priority"]["default"] == contract.DEFAULT_PRIORITY
    assert contract.MAX_TAGS == lead["properties"]["tags"]["maxItems"] == 20
    assert contract.E164.pattern == _pattern(lead["properties"]["phone"])


def test_batch_and_ids_match_the_request_schema() -> None:
    leads = SCHEMAS["CreateLeadsRequest"]["properties"]["leads"]
    assert contract.MAX_BATCH == leads["maxItems"] == 1000
    assert leads["minItems"] == 1
    assert contract.OBJECT_ID.pattern == _pattern(SCHEMAS["ObjectId"])


def test_statuses_errors_and_paging_match_the_spec() -> None:
    assert tuple(SCHEMAS["CampaignStatus"]["enum"]) == contract.CAMPAIGN_STATUSES
    assert typing.get_args(contract.CampaignStatus) == contract.CAMPAIGN_STATUSES
    by_status = SCHEMAS["LeadStats"]["properties"]["byStatus"]
    assert tuple(by_status["required"]) == contract.LEAD_STATUSES
    error_types = SCHEMAS["Error"]["properties"]["error"]["properties"]["type"]["enum"]
    assert list(contract.ERROR_TYPES.values()) == error_types
    assert set(contract.ERROR_TYPES.values()) == set(SPEC["components"]["responses"])
    parameters = {p["name"]: p for p in SPEC["paths"]["/campaigns"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == contract.MAX_PAGE_LIMIT
    assert parameters["limit"]["schema"]["default"] == contract.DEFAULT_PAGE_LIMIT


def test_endpoints_and_defaults_match_the_spec() -> None:
    paths = {
        (method.upper(), path) for path, methods in SPEC["paths"].items() for method in methods
    }
    assert set(contract.API_ENDPOINTS) == paths
    assert all(server["url"].endswith(contract.API_PREFIX) for server in SPEC["servers"])
    assert "60 requests per minute" in SPEC["paths"]["/leads"]["post"]["description"]
    assert contract.DEFAULT_RATE_LIMIT == 60
    assert contract.DEFAULT_RATE_WINDOW_SECONDS == 60
    example = SPEC["paths"]["/leads"]["post"]["responses"]["201"]["content"]["application/json"]
    data = example["example"]["data"]
    assert data["successful"] == 1
    assert data["creditsDeducted"] == contract.COST_PER_LEAD
    assert SandboxConfig().max_batch == contract.MAX_BATCH
    assert contract.contract_file() == ROOT / "schemas" / "openapi.yaml"


@pytest.mark.parametrize(
    "lead",
    [
        {"phone": "+14155551234"},
        {"phone": "+14155551234", "firstName": "Ann", "priority": "urgent", "tags": ["a"] * 20},
        {"phone": "+14155551234", "customFields": {"budget": "$5000"}},
        {"phone": "4155551234"},
        {"phone": "+04155551234"},
        {"phone": 14155551234},
        {"firstName": "Ann"},
        {"phone": "+14155551234", "priority": "normal"},
        {"phone": "+14155551234", "tags": ["a"] * 21},
        {"phone": "+14155551234", "tags": "a,b"},
        {"phone": "+14155551234", "lastName": 7},
        {"phone": "+14155551234", "customFields": []},
        {"phone": "+14155551234", "fullName": "Ann Lee"},
        "+14155551234",
    ],
)
def test_lead_problems_agree_with_the_lead_schema(lead: object) -> None:
    validator = Draft202012Validator(SCHEMAS["Lead"])
    assert (contract.lead_problems(lead) == []) == validator.is_valid(lead)


# -- the server thread --------------------------------------------------------------------------


async def _plain_asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return  # no lifespan: uvicorn's "auto" goes on without it
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"plain " + scope["path"].encode()})


def _port_is_free(port: int) -> bool:
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    with socket.create_server(("127.0.0.1", port)):
        return True


def test_server_thread_serves_a_plain_asgi_app_and_stops_cleanly() -> None:
    server = ServerThread(_plain_asgi_app, name="plain-app")
    with server:
        assert server.running and server.ready.is_set()
        port = server.port
        assert server.url == f"http://127.0.0.1:{port}"
        answer = requests.get(server.url + "/hello", timeout=5)
        assert (answer.status_code, answer.text) == (200, "plain /hello")
    assert not server.running
    assert f"plain-app-{port}" not in [t.name for t in threading.enumerate()]
    assert _port_is_free(port)
    server.stop()  # a second stop is harmless


def test_server_thread_runs_a_fastapi_app_with_its_lifespan() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/page")
    async def page() -> dict[str, str]:
        return {"page": "hello"}

    with ServerThread(app, lifespan="on") as server:
        assert events == ["startup"]
        answer = requests.get(server.url + "/page", timeout=5)
        assert (answer.status_code, answer.json()) == (200, {"page": "hello"})
        port = server.port
    assert events == ["startup", "shutdown"]
    assert _port_is_free(port)


def test_a_page_and_the_sandbox_can_share_one_server_thread() -> None:
    page = FastAPI()

    @page.get("/")
    async def home() -> dict[str, str]:
        return {"page": "home"}

    sandbox_app = create_app(SandboxConfig(rate_limit=0))
    both = Starlette(routes=[Mount("/ui", app=page), Mount("/", app=sandbox_app)])
    try:
        with ServerThread(both) as server:
            assert requests.get(server.url + "/ui/", timeout=5).json() == {"page": "home"}
            config = sandbox_of(sandbox_app).config
            headers = {"x-client-id": config.client_id, "x-client-secret": config.client_secret}
            status = requests.get(
                server.url + contract.API_PREFIX + "/status", headers=headers, timeout=5
            )
            assert status.status_code == 200
            assert status.json()["data"]["clientId"] == config.client_id
            refused = requests.get(server.url + contract.API_PREFIX + "/status", timeout=5)
            assert refused.status_code == 401
    finally:
        # Starlette does not run a mounted app's lifespan, so close the sandbox here.
        sandbox_of(sandbox_app).close()


def test_server_thread_reports_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        server = ServerThread(_plain_asgi_app, port=busy.getsockname()[1])
        with pytest.raises(ServerError, match="cannot listen"):
            server.start()
        assert not server.running


def test_server_thread_reports_an_app_that_cannot_start() -> None:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    server = ServerThread(FastAPI(lifespan=lifespan), lifespan="on", name="broken-app")
    with pytest.raises(ServerError, match="did not start"):
        server.start(timeout=10)
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name.startswith("broken-app-")]
