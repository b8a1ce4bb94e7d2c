"""The sandbox API over real HTTP on loopback, every answer checked against schemas/openapi.yaml."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from importer.errors import UsageError
from importer.sandbox import (
    API_ENDPOINTS,
    API_PREFIX,
    ERROR_TYPES,
    SEED_CAMPAIGNS,
    SandboxConfig,
    SandboxError,
    SandboxServer,
    create_app,
    sandbox_of,
)
from importer.sandbox.faults import Faults

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_FILE = ROOT / "schemas" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))
SPEC_URI = "urn:whiteclad:openapi"

SPRING = "65f2a1b2c3d4e5f6a7b8c9d0"
WEBINAR = "65f2a1b2c3d4e5f6a7b8c9d1"
PAUSED = "65f2a1b2c3d4e5f6a7b8c9d2"
COMPLETED = "65f2a1b2c3d4e5f6a7b8c9d3"
UNKNOWN = "65f2a1b2c3d4e5f6a7b8c9ff"
HEX24 = re.compile(r"[0-9a-f]{24}")


# -- the contract ------------------------------------------------------------------------


def _strict(node: Any) -> Any:
    """Forbid fields the contract does not describe, in every object schema with properties.

    The contract itself stays open (clients ignore unknown fields); the tests make
    sure the sandbox sends nothing undocumented.
    """
    if isinstance(node, dict):
        strict = {key: _strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            strict["unevaluatedProperties"] = False
        return strict
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


REGISTRY: Registry[Any] = Registry().with_resource(
    SPEC_URI, Resource.from_contents(_strict(SPEC), default_specification=DRAFT202012)
)
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        assert value.endswith("Z") or value[-6] in "+-"
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _resolve(ref: str) -> tuple[str, dict[str, Any]]:
    """Return (JSON pointer, object) of a local ``#/...`` reference."""
    pointer = ref.removeprefix("#")
    target: Any = SPEC
    for part in pointer.strip("/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return pointer, target


def validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer`` in the contract."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=REGISTRY, format_checker=FORMATS
    )


def _template(path: str) -> str | None:
    for template in SPEC["paths"]:
        pattern = re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return str(template)
    return None


def check_contract(response: requests.Response, method: str, path: str) -> Any:
    """Assert the answer is one the contract lists for this operation, body and headers."""
    body = response.json()
    template = _template(path.split("?")[0])
    status = response.status_code
    if template is None or method.lower() not in SPEC["paths"][template]:
        assert status in (401, 404), f"{method} {path} is not in the contract"
        validator("/components/schemas/Error").validate(body)
        return body
    operation = SPEC["paths"][template][method.lower()]
    entry = operation["responses"].get(str(status))
    assert entry is not None, f"{method} {template} answered {status}, not in the contract"
    pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    if "$ref" in entry:
        pointer, entry = _resolve(entry["$ref"])
    for name, header in entry.get("headers", {}).items():
        if "$ref" in header:
            _, header = _resolve(header["$ref"])
        if header.get("required"):
            assert name in response.headers, f"{status} without the {name} header"
        if name in response.headers:
            Draft202012Validator(header["schema"]).validate(int(response.headers[name]))
    validator(f"{pointer}/content/application~1json/schema").validate(body)
    if status >= 400:
        assert body["error"]["type"] == ERROR_TYPES[status]
    return body


# -- helpers -----------------------------------------------------------------------------

_numbers = itertools.count(1)


def phones(count: int) -> list[str]:
    """Phone numbers never used before in this test session."""
    return [f"+1555{next(_numbers):07d}" for _ in range(count)]


def call(
    server: SandboxServer,
    method: str,
    path: str,
    *,
    auth: bool = True,
    expect: int | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Call the API and check the answer against the contract."""
    headers = dict(server.auth_headers) if auth else {}
    headers.update(kwargs.pop("headers", {}))
    response = requests.request(
        method, server.base_url + path, headers=headers, timeout=5, **kwargs
    )
    check_contract(response, method, path)
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


def post_leads(
    server: SandboxServer, campaign: str, leads: list[Any], expect: int | None = 201
) -> dict[str, Any]:
    body = call(
        server, "POST", "/leads", json={"campaignId": campaign, "leads": leads}, expect=expect
    )
    return dict(body.json())


def inspect(server: SandboxServer, method: str, path: str, **kwargs: Any) -> Any:
    response = requests.request(method, f"{server.url}/_sandbox{path}", timeout=5, **kwargs)
    response.raise_for_status()
    return response.json()


def new_campaign(server: SandboxServer, status: str = "active") -> str:
    name = f"Test campaign {next(_numbers)}"
    created = inspect(server, "POST", "/campaigns", json={"name": name, "status": status})
    return str(created["campaign"]["id"])


def stored(server: SandboxServer, campaign: str) -> list[dict[str, Any]]:
    return list(inspect(server, "GET", "/leads", params={"campaignId": campaign})["leads"])


def balance(server: SandboxServer) -> float:
    return float(call(server, "GET", "/status", expect=200).json()["data"]["credits"]["balance"])


@pytest.fixture
def fresh() -> Iterator[SandboxServer]:
    """A sandbox of its own, for tests that need exact counts from a new database."""
    with SandboxServer(SandboxConfig(rate_limit=0)) as server:
        yield server


@pytest.fixture(scope="module")
def seeded() -> Iterator[SandboxServer]:
    """A sandbox with only the seeded campaigns, for tests that change nothing."""
    with SandboxServer(SandboxConfig(rate_limit=0)) as server:
        yield server


# -- the contract file -------------------------------------------------------------------


def test_contract_covers_every_api_route() -> None:
    app = create_app(SandboxConfig())
    try:
        routes = app.openapi()["paths"]  # what FastAPI knows of the app's routes
    finally:
        sandbox_of(app).close()
    served = {
        (method.upper(), path.removeprefix(API_PREFIX))
        for path, item in routes.items()
        if path.startswith(API_PREFIX + "/")
        for method in item
    }
    served.discard(("GET", "/openapi.yaml"))
    documented = {(method.upper(), path) for path, item in SPEC["paths"].items() for method in item}
    assert served == documented == set(API_ENDPOINTS)


def test_contract_references_resolve_and_examples_fit() -> None:
    def walk(node: Any, where: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            yield where, node
            for key, value in node.items():
                yield from walk(value, f"{where}/{_escape(str(key))}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    resolver = REGISTRY.resolver(base_uri=SPEC_URI)
    examples = 0
    for where, node in walk(SPEC, ""):
        if isinstance(node.get("$ref"), str):
            resolver.lookup(node["$ref"])  # raises when it does not resolve
        media = node.get("application/json")
        if isinstance(media, dict) and "example" in media:
            validator(f"{where}/application~1json/schema").validate(media["example"])
            examples += 1
    assert examples >= 9
    assert SPEC["openapi"].startswith("3.1")


def test_the_contract_is_served(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.base_url + "/openapi.yaml", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text) == SPEC


# -- authentication ----------------------------------------------------------------------

ENDPOINTS = [(method, path.replace("{campaignId}", SPRING)) for method, path in API_ENDPOINTS]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-client-id": "wc_client_sandbox"},
        {"x-client-secret": "wc_secret_sandbox"},
        {"x-client-id": "wc_client_sandbox", "x-client-secret": "wc_secret_wrong"},
        {"x-client-id": "wc_client_other", "x-client-secret": "wc_secret_sandbox"},
    ],
    ids=["none", "no-secret", "no-id", "wrong-secret", "wrong-id"],
)
def test_every_endpoint_needs_both_credentials(
    sandbox: SandboxServer, method: str, path: str, headers: dict[str, str]
) -> None:
    body = call(sandbox, method, path, auth=False, headers=headers, json={}, expect=401).json()
    assert body["error"]["type"] == "AuthenticationError"


def test_authentication_comes_before_the_body(sandbox: SandboxServer) -> None:
    response = call(
        sandbox,
        "POST",
        "/leads",
        auth=False,
        data="{not json",
        headers={"content-type": "application/json"},
        expect=401,
    )
    assert "Missing API credentials" in response.json()["error"]["message"]


# -- POST /leads -------------------------------------------------------------------------


def test_create_leads_answers_the_documented_envelope(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    first, second = phones(2)
    body = post_leads(
        sandbox,
        campaign,
        [
            {
                "phone": first,
                "firstName": "John",
                "lastName": "Doe",
                "email": "john@example.com",
                "priority": "high",
                "leadSource": "web-form",
                "notes": "Asked for a call back after 5 pm.",
                "tags": ["vip", "spring"],
                "timeZone": "Asia/Kolkata",
                "customFields": {"interest": "Premium Plan", "budget": "$5000"},
            },
            {"phone": second},
        ],
    )
    assert list(body) == ["success", "data"]
    assert body["success"] is True
    data = body["data"]
    assert list(data) == ["successful", "failed", "duplicates", "creditsDeducted", "results"]
    assert (data["successful"], data["failed"], data["duplicates"]) == (2, 0, 0)
    assert data["creditsDeducted"] == pytest.approx(0.02)
    assert list(data["results"]) == ["successful", "failed", "duplicates"]
    created = data["results"]["successful"]
    assert [item["phone"] for item in created] == [first, second]
    ids = [item[key] for item in created for key in ("leadId", "campaignLeadId")]
    assert all(HEX24.fullmatch(value) for value in ids)
    assert len(set(ids)) == 4

    leads = stored(sandbox, campaign)
    assert [lead["phone"] for lead in leads] == [first, second]
    assert [lead["status"] for lead in leads] == ["pending", "pending"]
    assert leads[0]["lead"]["customFields"] == {"interest": "Premium Plan", "budget": "$5000"}
    assert leads[1]["lead"]["priority"] == "medium"  # the documented default


# (lead, part of the error, the contract's Lead schema rejects it too)
BAD_LEADS: list[tuple[Any, str, bool]] = [
    ({"firstName": "No phone"}, "phone is required", True),
    ({"phone": "4155551234"}, "E.164", True),
    ({"phone": "+1 415 555 1234"}, "E.164", True),
    ({"phone": "+0155551234"}, "E.164", True),
    ({"phone": "+12345"}, "E.164", True),
    # The contract's pattern is ECMA-262, where $ does not match before a final newline;
    # jsonschema runs it with Python's re, where it does.
    ({"phone": "+1415555123\n"}, "E.164", False),
    ({"phone": 14155551234}, "phone must be a string", True),
    ({"phone": "+14155550001", "priority": "asap"}, "priority must be one of", True),
    ({"phone": "+14155550002", "tags": [f"t{i}" for i in range(21)]}, "at most 20 tags", True),
    ({"phone": "+14155550003", "tags": "vip"}, "tags must be an array", True),
    ({"phone": "+14155550004", "tags": ["ok", 7]}, "tags must be an array", True),
    ({"phone": "+14155550005", "timeZone": "Mars/Olympus"}, "IANA", False),
    ({"phone": "+14155550006", "timeZone": 5}, "timeZone must be a string", True),
    ({"phone": "+14155550007", "email": "not-an-address"}, "email", True),
    ({"phone": "+14155550008", "customFields": ["a"]}, "customFields must be an object", True),
    ({"phone": "+14155550009", "firstName": 42}, "firstName must be a string", True),
    ({"phone": "+14155550010", "notes": None}, "notes must be a string", True),
    ({"phone": "+14155550011", "fullName": "Jo"}, "unknown field(s): fullName", True),
    ("+14155550012", "a lead must be a JSON object", True),
    (None, "a lead must be a JSON object", True),
]


def test_invalid_leads_fail_one_by_one(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    (good,) = phones(1)
    leads = [lead for lead, _, _ in BAD_LEADS]
    body = post_leads(sandbox, campaign, [*leads[:3], {"phone": good}, *leads[3:]])
    data = body["data"]
    assert (data["successful"], data["failed"], data["duplicates"]) == (1, len(BAD_LEADS), 0)
    assert data["creditsDeducted"] == pytest.approx(0.01)
    failed = data["results"]["failed"]
    assert [item["index"] for item in failed] == [0, 1, 2, *range(4, len(BAD_LEADS) + 1)]
    for item, (lead, reason, _) in zip(failed, BAD_LEADS, strict=True):
        assert reason in item["error"], (lead, item)
        phone = lead.get("phone") if isinstance(lead, dict) else None
        assert item["phone"] == (phone if isinstance(phone, str) else None)
    assert [lead["phone"] for lead in stored(sandbox, campaign)] == [good]


@pytest.mark.parametrize(("lead", "reason", "schema_rejects"), BAD_LEADS)
def test_the_contract_agrees_with_the_lead_checks(
    lead: Any, reason: str, schema_rejects: bool
) -> None:
    schema = validator("/components/schemas/Lead")
    assert (not schema.is_valid(lead)) is schema_rejects, reason
    assert schema.is_valid({"phone": "+14155551234", "timeZone": "UTC", "tags": []})


def test_duplicates_within_a_request_and_across_requests(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    one, two, three = phones(3)
    first = post_leads(sandbox, campaign, [{"phone": one}, {"phone": two}, {"phone": one}])
    data = first["data"]
    assert (data["successful"], data["failed"], data["duplicates"]) == (2, 0, 1)
    one_id = data["results"]["successful"][0]["leadId"]
    assert data["results"]["duplicates"] == [{"index": 2, "phone": one, "existingLeadId": one_id}]

    again = post_leads(sandbox, campaign, [{"phone": two}, {"phone": three}, {"phone": one}])
    data = again["data"]
    assert (data["successful"], data["duplicates"]) == (1, 2)
    assert data["creditsDeducted"] == pytest.approx(0.01)
    assert [item["phone"] for item in data["results"]["duplicates"]] == [two, one]
    assert data["results"]["duplicates"][1]["existingLeadId"] == one_id
    assert len(stored(sandbox, campaign)) == 3

    # A phone known in another campaign is a new campaign lead of the same lead.
    other = new_campaign(sandbox)
    elsewhere = post_leads(sandbox, other, [{"phone": one}])["data"]["results"]["successful"][0]
    assert elsewhere["leadId"] == one_id
    assert (
        elsewhere["campaignLeadId"] != first["data"]["results"]["successful"][0]["campaignLeadId"]
    )


def test_concurrent_posts_create_each_phone_once(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    batch = [{"phone": phone} for phone in phones(5)]
    results: list[dict[str, Any]] = []

    def post() -> None:
        results.append(post_leads(sandbox, campaign, batch))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result["data"]["successful"] for result in results) == 5
    assert sum(result["data"]["duplicates"] for result in results) == 25
    assert len(stored(sandbox, campaign)) == 5


def test_unknown_campaign_is_404(sandbox: SandboxServer) -> None:
    body = post_leads(sandbox, UNKNOWN, [{"phone": phones(1)[0]}], expect=404)
    assert body["error"]["type"] == "NotFoundError"
    assert UNKNOWN in body["error"]["message"]


@pytest.mark.parametrize(("campaign", "status"), [(PAUSED, "paused"), (COMPLETED, "completed")])
def test_only_active_campaigns_take_leads(
    sandbox: SandboxServer, campaign: str, status: str
) -> None:
    body = post_leads(sandbox, campaign, [{"phone": phones(1)[0]}], expect=400)
    assert f"is {status}" in body["error"]["message"]
    assert stored(sandbox, campaign) == []


@pytest.mark.parametrize(
    ("request_kwargs", "field", "text"),
    [
        ({"json": {"campaignId": "65f2a1", "leads": [{}]}}, "campaignId", "24-character"),
        ({"json": {"campaignId": "z" * 24, "leads": [{}]}}, "campaignId", "24-character"),
        ({"json": {"campaignId": 65, "leads": [{}]}}, "campaignId", "must be a string"),
        ({"json": {"leads": [{}]}}, "campaignId", "is required"),
        ({"json": {"campaignId": SPRING}}, "leads", "is required"),
        ({"json": {"campaignId": SPRING, "leads": {"phone": "+1"}}}, "leads", "array"),
        ({"json": {"campaignId": SPRING, "leads": [], "x": 1}}, "x", "not a known field"),
        ({"json": [{"campaignId": SPRING}]}, "body", "JSON object"),
        (
            {"data": '{"campaignId": ', "headers": {"content-type": "application/json"}},
            "body",
            "not valid JSON",
        ),
        ({"data": "", "headers": {"content-type": "application/json"}}, "body", "is required"),
        (
            {
                "data": json.dumps({"campaignId": SPRING, "leads": [{}]}),
                "headers": {"content-type": "text/plain"},
            },
            "body",
            "Content-Type",
        ),
    ],
)
def test_malformed_requests_are_400(
    sandbox: SandboxServer, request_kwargs: dict[str, Any], field: str, text: str
) -> None:
    body = call(sandbox, "POST", "/leads", expect=400, **request_kwargs).json()
    assert body["error"]["type"] == "ValidationError"
    assert field in [detail["field"] for detail in body["error"]["details"]]
    assert text in body["error"]["message"]


@pytest.mark.parametrize(("count", "text"), [(0, "at least one lead"), (1001, "at most 1000")])
def test_batch_size_limits(sandbox: SandboxServer, count: int, text: str) -> None:
    campaign = new_campaign(sandbox)
    body = post_leads(sandbox, campaign, [{"phone": p} for p in phones(count)], expect=400)
    assert text in body["error"]["message"]
    assert stored(sandbox, campaign) == []


def test_a_full_batch_of_1000(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    body = post_leads(sandbox, campaign, [{"phone": p} for p in phones(1000)])
    assert body["data"]["successful"] == 1000
    assert body["data"]["creditsDeducted"] == pytest.approx(10.0)


# -- credits -----------------------------------------------------------------------------


def test_out_of_credits_creates_nothing_then_recharged() -> None:
    with SandboxServer(SandboxConfig(credits=0.03, rate_limit=0)) as server:
        assert (
            post_leads(server, SPRING, [{"phone": p} for p in phones(2)])["data"]["successful"] == 2
        )
        assert balance(server) == pytest.approx(0.01)

        wanted = phones(2)
        body = post_leads(server, SPRING, [{"phone": p} for p in wanted], expect=402)
        assert body["error"]["type"] == "PaymentRequiredError"
        assert "Nothing was created" in body["error"]["message"]
        assert len(stored(server, SPRING)) == 2
        assert balance(server) == pytest.approx(0.01)

        # Leads that create nothing cost nothing: no 402 for duplicates and failures.
        known = stored(server, SPRING)[0]["phone"]
        body = post_leads(server, SPRING, [{"phone": known}, {"phone": "bad"}])
        assert (body["data"]["successful"], body["data"]["creditsDeducted"]) == (0, 0)

        assert post_leads(server, SPRING, [{"phone": wanted[0]}])["data"]["successful"] == 1
        assert balance(server) == pytest.approx(0.0)
        post_leads(server, SPRING, [{"phone": wanted[1]}], expect=402)

        assert inspect(server, "POST", "/credits", json={"balance": 5})["balance"] == 5
        assert post_leads(server, SPRING, [{"phone": wanted[1]}])["data"]["successful"] == 1
        assert balance(server) == pytest.approx(4.99)
        status = call(server, "GET", "/status", expect=200).json()["data"]
        assert status["usage"]["totalLeadsCreated"] == 4


# -- rate limit --------------------------------------------------------------------------


def test_rate_limit_answers_429_with_headers() -> None:
    with SandboxServer(SandboxConfig(rate_limit=3)) as server:
        remaining = []
        for method, path in [("GET", "/status"), ("GET", "/campaigns"), ("GET", "/rate-limits")]:
            response = call(server, method, path, expect=200)
            assert response.headers["X-RateLimit-Limit"] == "3"
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        limits = response.json()["data"]
        assert (limits["limit"], limits["used"], limits["remaining"]) == (3, 3, 0)
        assert limits["windowSeconds"] == 60
        reset = int(response.headers["X-RateLimit-Reset"])
        assert limits["reset"] == reset
        assert time.time() < reset <= time.time() + 61

        refused = call(
            server, "POST", "/leads", json={"campaignId": SPRING, "leads": [{"phone": "+1"}]}
        )
        assert refused.status_code == 429
        assert refused.json()["error"]["type"] == "RateLimitError"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert int(refused.headers["X-RateLimit-Reset"]) == reset
        call(server, "GET", "/status", expect=429)

        # The inspection endpoints are not limited, and nothing was stored.
        stats = inspect(server, "GET", "/stats")
        assert stats["requests"]["byEndpoint"]["POST /leads"] == {"429": 1}
        assert stats["leads"]["total"] == 0


def test_the_window_ends() -> None:
    with SandboxServer(SandboxConfig(rate_limit=1, rate_window_seconds=0.3)) as server:
        call(server, "GET", "/status", expect=200)
        refused = call(server, "GET", "/status", expect=429)
        assert refused.headers["Retry-After"] == "1"
        time.sleep(0.35)
        assert call(server, "GET", "/status", expect=200).headers["X-RateLimit-Remaining"] == "0"


def test_no_limit_means_no_rate_limit_headers(sandbox: SandboxServer) -> None:
    response = call(sandbox, "GET", "/rate-limits", expect=200)
    assert not [name for name in response.headers if name.lower().startswith("x-ratelimit")]
    data = response.json()["data"]
    assert (data["limit"], data["remaining"], data["reset"], data["resetAt"]) == (None,) * 4


# -- faults ------------------------------------------------------------------------------


def test_fail_rate_answers_500_and_stores_nothing() -> None:
    with SandboxServer(SandboxConfig(fail_rate=1.0, rate_limit=0)) as server:
        for method, path in ENDPOINTS:
            body = call(
                server,
                method,
                path,
                json={"campaignId": SPRING, "leads": [{"phone": "+14155550100"}]},
            ).json()
            assert body["error"]["type"] == "InternalServerError"
        stats = inspect(server, "GET", "/stats")
        assert stats["injectedFailures"] == len(ENDPOINTS)
        assert stats["leads"]["total"] == 0
        assert stats["credits"]["balance"] == 1000


def test_faults_follow_the_seed() -> None:
    def outcomes() -> list[int]:
        with SandboxServer(SandboxConfig(fail_rate=0.5, seed=7, rate_limit=0)) as server:
            return [call(server, "GET", "/status").status_code for _ in range(12)]

    first = outcomes()
    assert set(first) == {200, 500}
    assert outcomes() == first


def test_drop_rate_stores_the_batch_but_breaks_the_answer() -> None:
    with SandboxServer(SandboxConfig(drop_rate=1.0, rate_limit=0)) as server:
        batch = [{"phone": p} for p in phones(3)]
        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            requests.post(
                server.base_url + "/leads",
                json={"campaignId": SPRING, "leads": batch},
                headers=server.auth_headers,
                timeout=5,
            )
        assert [lead["phone"] for lead in stored(server, SPRING)] == [
            lead["phone"] for lead in batch
        ]
        stats = inspect(server, "GET", "/stats")
        assert stats["droppedConnections"] == 1
        assert stats["credits"]["balance"] == pytest.approx(999.97)
        # Only answers that would be 201 are dropped.
        post_leads(server, UNKNOWN, batch, expect=404)
        assert (
            call(server, "GET", "/status", expect=200).json()["data"]["usage"]["totalLeadsCreated"]
            == 3
        )


def test_latency_delays_every_answer() -> None:
    with SandboxServer(SandboxConfig(latency=0.25, rate_limit=0)) as server:
        for auth in (True, False):
            started = time.monotonic()
            call(server, "GET", "/status", auth=auth)
            assert time.monotonic() - started >= 0.25


# -- campaigns ---------------------------------------------------------------------------


def test_seeded_campaigns_listed_newest_first(seeded: SandboxServer) -> None:
    body = call(seeded, "GET", "/campaigns", expect=200).json()
    campaigns = body["data"]["campaigns"]
    assert [(c["id"], c["name"], c["status"]) for c in campaigns] == [
        (seed.id, seed.name, seed.status) for seed in SEED_CAMPAIGNS
    ]
    assert campaigns[0] == {**campaigns[0], "id": SPRING, "name": "Spring Promo 2026"}
    assert body["data"]["pagination"] == {"page": 1, "limit": 20, "total": 4, "pages": 1}


@pytest.mark.parametrize(
    ("query", "names", "pagination"),
    [
        (
            "?limit=3",
            ["Spring Promo 2026", "Webinar Follow-up", "Winter Renewals"],
            {"page": 1, "limit": 3, "total": 4, "pages": 2},
        ),
        ("?limit=3&page=2", ["Black Friday 2025"], {"page": 2, "limit": 3, "total": 4, "pages": 2}),
        ("?limit=3&page=9", [], {"page": 9, "limit": 3, "total": 4, "pages": 2}),
        (
            "?status=active",
            ["Spring Promo 2026", "Webinar Follow-up"],
            {"page": 1, "limit": 20, "total": 2, "pages": 1},
        ),
        ("?status=paused", ["Winter Renewals"], {"page": 1, "limit": 20, "total": 1, "pages": 1}),
        (
            "?status=completed&limit=100",
            ["Black Friday 2025"],
            {"page": 1, "limit": 100, "total": 1, "pages": 1},
        ),
        (
            "?search=webINAR",
            ["Webinar Follow-up"],
            {"page": 1, "limit": 20, "total": 1, "pages": 1},
        ),
        (
            "?search=20&status=active",
            ["Spring Promo 2026"],
            {"page": 1, "limit": 20, "total": 1, "pages": 1},
        ),
        ("?search=nothing", [], {"page": 1, "limit": 20, "total": 0, "pages": 0}),
    ],
)
def test_campaign_filters_and_pages(
    seeded: SandboxServer, query: str, names: list[str], pagination: dict[str, int]
) -> None:
    data = call(seeded, "GET", "/campaigns" + query, expect=200).json()["data"]
    assert [c["name"] for c in data["campaigns"]] == names
    assert data["pagination"] == pagination


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=101", "limit"),
        ("?limit=0", "limit"),
        ("?page=0", "page"),
        ("?page=x", "page"),
        ("?status=archived", "status"),
    ],
)
def test_bad_campaign_queries_are_400(sandbox: SandboxServer, query: str, field: str) -> None:
    body = call(sandbox, "GET", "/campaigns" + query, expect=400).json()
    assert [detail["field"] for detail in body["error"]["details"]] == [field]


def test_campaign_details_count_the_leads(sandbox: SandboxServer) -> None:
    campaign = new_campaign(sandbox)
    post_leads(sandbox, campaign, [{"phone": p} for p in phones(3)])
    details = call(sandbox, "GET", f"/campaigns/{campaign.upper()}", expect=200).json()["data"]
    found = details["campaign"]
    assert (found["id"], found["status"], found["totalLeads"]) == (campaign, "active", 3)
    assert found["leadStats"] == {
        "total": 3,
        "byStatus": {"pending": 3, "in_progress": 0, "completed": 0, "failed": 0},
    }


@pytest.mark.parametrize(("campaign", "status"), [(UNKNOWN, 404), ("xyz", 400), ("a" * 25, 400)])
def test_campaign_details_errors(sandbox: SandboxServer, campaign: str, status: int) -> None:
    call(sandbox, "GET", f"/campaigns/{campaign}", expect=status)


# -- status, unknown endpoints -----------------------------------------------------------


def test_status_reports_usage_and_credits(fresh: SandboxServer) -> None:
    before = call(fresh, "GET", "/status", expect=200).json()
    assert before == {
        "success": True,
        "data": {
            "clientId": "wc_client_sandbox",
            "organization": {"id": "org_sandbox", "name": "Whiteclad Sandbox"},
            "usage": {"totalLeadsCreated": 0, "lastUsedAt": before["data"]["usage"]["lastUsedAt"]},
            "credits": {"balance": 1000.0},
        },
    }
    post_leads(fresh, WEBINAR, [{"phone": p} for p in phones(4)])
    after = call(fresh, "GET", "/status", expect=200).json()["data"]
    assert after["usage"]["totalLeadsCreated"] == 4
    assert after["credits"]["balance"] == pytest.approx(999.96)
    assert after["usage"]["lastUsedAt"] >= before["data"]["usage"]["lastUsedAt"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/nothing"), ("DELETE", "/leads")])
def test_unknown_endpoints_are_404(sandbox: SandboxServer, method: str, path: str) -> None:
    assert call(sandbox, method, path, expect=404).json()["error"]["type"] == "NotFoundError"


# -- the inspection endpoints ------------------------------------------------------------


def test_stats_requests_and_reset(fresh: SandboxServer) -> None:
    post_leads(fresh, SPRING, [{"phone": p} for p in phones(2)])
    post_leads(fresh, UNKNOWN, [{"phone": "+14155550100"}], expect=404)
    call(fresh, "GET", "/status", auth=False, expect=401)
    stats = inspect(fresh, "GET", "/stats")
    assert stats["requests"] == {
        "total": 3,
        "byEndpoint": {"POST /leads": {"201": 1, "404": 1}, "GET /status": {"401": 1}},
    }
    assert stats["leadPosts"] == 2
    assert stats["leads"] == {"total": 2, "byCampaign": {SPRING: 2}}
    log = inspect(fresh, "GET", "/requests")["requests"]
    assert [(r["endpoint"], r["status"]) for r in log] == [
        ("POST /leads", 201),
        ("POST /leads", 404),
        ("GET /status", 401),
    ]
    assert inspect(fresh, "GET", "/leads")["leads"][0]["campaignId"] == SPRING

    added = inspect(fresh, "POST", "/campaigns", json={"name": "Extra", "status": "paused"})
    assert added["campaign"]["status"] == "paused"
    assert inspect(fresh, "POST", "/reset") == {"reset": True}
    stats = inspect(fresh, "GET", "/stats")
    assert (stats["requests"]["total"], stats["leads"]["total"]) == (0, 0)
    assert stats["credits"]["balance"] == 1000
    assert call(fresh, "GET", "/campaigns").json()["data"]["pagination"]["total"] == 4


def test_inspection_endpoints_answer_loopback_only() -> None:
    app = create_app(SandboxConfig())

    async def get(client: tuple[str, int]) -> int:
        messages: list[MutableMapping[str, Any]] = []
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/_sandbox/stats",
            "raw_path": b"/_sandbox/stats",
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "client": client,
            "server": ("127.0.0.1", 8080),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, send)
        return int(messages[0]["status"])

    try:
        assert asyncio.run(get(("10.1.2.3", 5000))) == 403
        assert asyncio.run(get(("127.0.0.1", 5000))) == 200
    finally:
        sandbox_of(app).close()


# -- the server --------------------------------------------------------------------------


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    batch = [{"phone": p} for p in phones(2)]
    with SandboxServer(SandboxConfig(db_path=db, rate_limit=0)) as server:
        post_leads(server, SPRING, batch)
        inspect(server, "POST", "/credits", json={"balance": 7.5})
        campaign = new_campaign(server, "paused")
    with SandboxServer(SandboxConfig(db_path=db, credits=1000, rate_limit=0)) as server:
        assert server.db_path == db
        again = post_leads(server, SPRING, batch)["data"]
        assert (again["successful"], again["duplicates"]) == (0, 2)
        status = call(server, "GET", "/status").json()["data"]
        assert status["credits"]["balance"] == 7.5  # credits only start a new database
        assert status["usage"]["totalLeadsCreated"] == 2
        listed = call(server, "GET", "/campaigns").json()["data"]["campaigns"]
        assert len(listed) == 5
        assert campaign in [c["id"] for c in listed]


def test_stop_leaves_nothing_behind() -> None:
    server = SandboxServer(SandboxConfig())
    with server:
        db = server.db_path
        port = server.port
        assert db.exists()
        assert server.base_url == f"http://127.0.0.1:{port}/api/v1/client"
    assert not db.exists()
    assert f"whiteclad-sandbox-{port}" not in [t.name for t in threading.enumerate()]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    server.stop()  # a second stop is harmless


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(SandboxError, match="cannot listen"):
            SandboxServer(port=busy.getsockname()[1]).start()


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "leads.csv"
    not_a_db.write_text("phone\n+14155551234\n" * 100, encoding="utf-8")
    with pytest.raises(SandboxError, match="not a usable sandbox database"):
        SandboxServer(SandboxConfig(db_path=not_a_db)).start()


@pytest.mark.parametrize(
    "settings",
    [
        {"fail_rate": 1.5},
        {"drop_rate": -0.1},
        {"rate_limit": -1},
        {"rate_window_seconds": 0},
        {"credits": -1},
        {"latency": -1},
        {"max_batch": 0},
        {"client_secret": ""},
    ],
)
def test_bad_settings_are_usage_errors(settings: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        SandboxConfig(**settings)


def test_serve_prints_the_exports_and_stops_on_ctrl_c() -> None:
    code = (
        "from importer.sandbox import SandboxConfig, serve; "
        "serve(SandboxConfig(client_secret='wc_secret_$x'), '127.0.0.1', 0)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert exports["WHITECLAD_CLIENT_ID"] == "wc_client_sandbox"
        assert exports["WHITECLAD_CLIENT_SECRET"] == "'wc_secret_$x'"  # quoted for the shell
        base_url = exports["WHITECLAD_BASE_URL"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1/client", base_url)
        assert any(SPRING in line and "Spring Promo 2026" in line for line in lines)
        response = requests.get(
            base_url + "/status",
            headers={"x-client-id": "wc_client_sandbox", "x-client-secret": "wc_secret_$x"},
            timeout=5,
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out


def test_schema_errors_are_caught_by_the_check() -> None:
    with pytest.raises(SchemaError):
        validator("/components/schemas/StatusResponse").validate(
            {"success": True, "data": {"clientId": "x", "extra": 1}}
        )


def test_an_outage_begins_after_the_posts_asked_and_ends_after_its_requests() -> None:
    faults = Faults(SandboxConfig())
    faults.start_outage(503, requests=2, after_posts=1)
    assert faults.outage("GET /status") is None  # not begun: no post yet
    assert faults.outage("POST /leads") is None  # the post it waits for gets through
    assert [faults.outage("GET /status") for _ in range(3)] == [503, 503, None]
    faults.start_outage(429, seconds=60)
    assert faults.outage("POST /leads") == 429
    faults.start_outage(429, seconds=0)
    assert faults.outage("POST /leads") is None
