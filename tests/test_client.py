"""Client unit tests against a fake transport (no network)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from urllib3.response import HTTPResponse

from importer.client import (
    DEFAULT_BASE_URL,
    ApiClient,
    Credentials,
    RetryPolicy,
    parse_duration,
    resolve_base_url,
)
from importer.errors import (
    ApiValidationError,
    AuthenticationError,
    AuthorizationError,
    ConfigError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ResponseError,
    ServerError,
    TransportError,
)

BASE = "https://api.test/api/v1/client"
Handler = Callable[[requests.PreparedRequest], "requests.Response | Exception"]


def response(status: int, body: Any = None, headers: dict[str, str] | None = None,
             text: str | None = None) -> requests.Response:  # fmt: skip
    result = requests.Response()
    result.status_code = status
    data = (text if text is not None else json.dumps(body)).encode()
    result.raw = HTTPResponse(body=io.BytesIO(data), preload_content=False)
    result.headers.update(headers or {})
    result.headers.setdefault("Content-Type", "application/json")
    return result


class FakeTransport(BaseAdapter):
    def __init__(self, *handlers: Handler) -> None:
        super().__init__()
        self.handlers = list(handlers)
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.seen.append(request)
        outcome = self.handlers.pop(0)(request)
        if isinstance(outcome, Exception):
            raise outcome
        outcome.request = request
        outcome.url = request.url or ""
        return outcome

    def close(self) -> None:
        pass


def make_client(
    *handlers: Handler, attempts: int = 3, patience: float = 300.0
) -> tuple[ApiClient, FakeTransport, list[float]]:
    transport = FakeTransport(*handlers)
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    waits: list[float] = []
    client = ApiClient(
        BASE,
        Credentials("wc_client_test", "wc_secret_TOPSECRET"),
        retry=RetryPolicy(attempts=attempts, backoff=0.01, max_backoff=0.02, patience=patience),
        session=session,
        sleep=waits.append,
    )
    return client, transport, waits


def answer(status: int, body: Any = None, **kwargs: Any) -> Handler:
    return lambda request: response(status, body, **kwargs)


CREATED = {
    "success": True,
    "data": {
        "successful": 1,
        "failed": 1,
        "duplicates": 1,
        "creditsDeducted": 0.01,
        "results": {
            "successful": [
                {"phone": "+14155550123", "leadId": "a" * 24, "campaignLeadId": "b" * 24}
            ],
            "failed": [{"phone": "+14155550124", "error": {"message": "bad timeZone"}}],
            "duplicates": [{"phone": "+14155550125", "existingLeadId": "c" * 24}],
        },
    },
}


def test_every_request_carries_credentials_and_json() -> None:
    client, transport, _ = make_client(answer(201, CREATED))
    result = client.create_leads("65f2a1b2c3d4e5f6a7b8c9d0", [{"phone": "+14155550123"}])
    request = transport.seen[0]
    assert request.headers["x-client-id"] == "wc_client_test"
    assert request.headers["x-client-secret"] == "wc_secret_TOPSECRET"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body or b"") == {
        "campaignId": "65f2a1b2c3d4e5f6a7b8c9d0",
        "leads": [{"phone": "+14155550123"}],
    }
    assert result.successful[0].lead_id == "a" * 24
    assert result.failed[0].error == "bad timeZone"
    assert result.duplicates[0].existing_lead_id == "c" * 24
    assert result.credits_deducted == 0.01
    assert not result.resent


def test_secret_never_in_repr() -> None:
    credentials = Credentials("wc_client_x", "wc_secret_TOPSECRET")
    client, _, _ = make_client()
    assert "TOPSECRET" not in repr(credentials)
    assert "TOPSECRET" not in repr(client)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (400, ApiValidationError, "invalid"),
        (401, AuthenticationError, "WHITECLAD_CLIENT_ID and WHITECLAD_CLIENT_SECRET"),
        (402, PaymentRequiredError, "out of credits"),
        (403, AuthorizationError, "allow-list"),
        (404, NotFoundError, "not found"),
    ],
)
def test_documented_errors_become_typed_and_are_not_retried(
    status: int, error: type[Exception], words: str
) -> None:
    body = {"success": False, "error": {"type": "X", "message": "the server's words"}}
    client, transport, _ = make_client(answer(status, body))
    with pytest.raises(error) as caught:
        client.status()
    assert words in str(caught.value)
    assert "the server's words" in str(caught.value)
    assert len(transport.seen) == 1


def test_429_waits_for_retry_after_then_succeeds() -> None:
    status = {"success": True, "data": {"clientId": "c", "credits": {"balance": 5}}}
    client, _transport, waits = make_client(
        answer(429, {"error": "slow down"}, headers={"Retry-After": "7"}), answer(200, status)
    )
    assert client.status().balance == 5
    assert waits == [7.0]
    assert client.requests_made == 2


def test_5xx_is_retried_with_backoff_until_attempts_run_out() -> None:
    client, transport, waits = make_client(*[answer(500, {"error": "boom"})] * 3, attempts=3)
    with pytest.raises(ServerError, match="HTTP 500"):
        client.status()
    assert len(transport.seen) == 3
    assert len(waits) == 2 and all(0 < wait <= 0.02 for wait in waits)


def test_rate_limit_gives_up_after_attempts() -> None:
    client, _, _ = make_client(*[answer(429, {}, headers={"Retry-After": "1"})] * 2, attempts=2)
    with pytest.raises(RateLimitError) as caught:
        client.status()
    assert caught.value.retry_after == 1.0


def test_the_default_policy_rides_out_minutes_of_trouble() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.backoff, policy.max_backoff, policy.patience) == (
        21, 1.0, 60.0, 300.0
    )  # fmt: skip
    # The longest waits: 1, 2, 4 ... 32 s, then 60 s each; the patience binds before the tries.
    spent, attempt = 0.0, 1
    while (wait := policy.wait(attempt, spent)) is not None:
        assert wait <= 60.0
        spent, attempt = spent + wait, attempt + 1
    assert spent == pytest.approx(300.0) and attempt < policy.attempts


def test_a_burst_longer_than_four_tries_is_ridden_out() -> None:
    status = {"success": True, "data": {"clientId": "c", "credits": {"balance": 5}}}
    burst = [answer(503, {"error": "down"})] * 6 + [answer(429, {"error": "slow down"})] * 6
    client, transport, waits = make_client(*burst, answer(200, status), attempts=21)
    assert client.status().balance == 5
    assert len(transport.seen) == 13 and len(waits) == 12


def test_the_patience_bounds_the_retries_of_one_request() -> None:
    client, transport, waits = make_client(*[answer(503, {})] * 50, attempts=50, patience=0.05)
    with pytest.raises(ServerError) as caught:
        client.status()
    assert 0 < sum(waits) <= 0.05 + 1e-9  # the last wait is cut to what is left
    assert len(transport.seen) == len(waits) + 1 < 50
    assert f"still failing after {len(transport.seen)} tries" in caught.value.message
    assert "retry_patience" in caught.value.message


def test_a_retry_after_is_honoured_within_the_patience_not_past_it() -> None:
    status = {"success": True, "data": {"clientId": "c", "credits": {"balance": 5}}}
    client, _, waits = make_client(
        answer(429, {}, headers={"Retry-After": "200"}), answer(200, status), attempts=3
    )
    assert client.status().balance == 5 and waits == [200.0]  # over two minutes: waited
    client, transport, waits = make_client(
        answer(429, {}, headers={"Retry-After": "400"}), attempts=3
    )
    with pytest.raises(RateLimitError):
        client.status()
    assert waits == [] and len(transport.seen) == 1  # past the patience: given up at once


def test_a_retry_policy_refuses_values_it_cannot_use() -> None:
    with pytest.raises(ConfigError):
        RetryPolicy(attempts=0)
    with pytest.raises(ConfigError):
        RetryPolicy(patience=float("nan"))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1.5 min", 90.0), ("1h", 3600.0),
     ("250ms", 0.25), (" 2M ", 120.0), (0.5, 0.5), (3, 3.0)],
)  # fmt: skip
def test_durations_are_read_in_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "ten", "-5", "5 days", "1e3", "inf", True])
def test_a_duration_that_cannot_be_read_says_how_to_write_one(text: object) -> None:
    with pytest.raises(ConfigError, match="not a duration"):
        parse_duration(text, "retry_patience")


@given(st.integers(0, 10**6), st.sampled_from(["", "s", "m", "min", "h", "ms"]))
def test_a_duration_is_its_number_times_its_unit(number: int, unit: str) -> None:
    factor = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "ms": 0.001}[unit]
    assert parse_duration(f"{number}{unit}") == pytest.approx(number * factor)


def test_a_dropped_post_is_resent_and_flagged() -> None:
    def dropped(request: requests.PreparedRequest) -> Exception:
        return requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected")

    client, transport, _ = make_client(dropped, answer(201, CREATED))
    result = client.create_leads("65f2a1b2c3d4e5f6a7b8c9d0", [{"phone": "+14155550123"}])
    assert result.resent
    assert len(transport.seen) == 2


def test_a_refused_connection_is_not_flagged_as_sent() -> None:
    def refused(request: requests.PreparedRequest) -> Exception:
        return requests.exceptions.ConnectionError("NewConnectionError: Connection refused")

    client, _, _ = make_client(refused, refused, attempts=2)
    with pytest.raises(TransportError) as caught:
        client.create_leads("65f2a1b2c3d4e5f6a7b8c9d0", [{"phone": "+14155550123"}])
    assert caught.value.sent is False
    assert "cannot reach" in str(caught.value)


def test_redirects_are_not_followed() -> None:
    client, transport, _ = make_client(answer(302, {}, headers={"Location": "http://evil.test/"}))
    with pytest.raises(ResponseError, match="redirect"):
        client.status()
    assert len(transport.seen) == 1


def test_non_json_answer_is_a_response_error() -> None:
    client, _, _ = make_client(lambda request: response(200, text="<html>oops</html>"))
    with pytest.raises(ResponseError, match="not a JSON object"):
        client.status()


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "data": [{"_id": "a" * 24, "name": "Spring", "status": "active"}]},
        {
            "success": True,
            "data": {"campaigns": [{"id": "a" * 24, "name": "Spring", "status": "active"}]},
        },
    ],
)
def test_campaign_lists_are_read_tolerantly(body: dict[str, Any]) -> None:
    client, _, _ = make_client(answer(200, body))
    (campaign,) = list(client.iter_campaigns())
    assert (campaign.id, campaign.name, campaign.status) == ("a" * 24, "Spring", "active")


def test_campaign_pages_are_all_read() -> None:
    def page(number: int, pages: int) -> Handler:
        items = [{"_id": f"{number:024x}", "name": f"c{number}", "status": "active"}] * 100
        return answer(200, {"data": {"campaigns": items, "pagination": {"pages": pages}}})

    client, transport, _ = make_client(page(1, 2), page(2, 2))
    assert len(list(client.iter_campaigns(search="c"))) == 200
    assert "page=2" in (transport.seen[1].url or "")
    assert "search=c" in (transport.seen[1].url or "")


def test_base_url_and_credentials_from_environment() -> None:
    assert resolve_base_url(None, {}) == DEFAULT_BASE_URL
    assert (
        resolve_base_url(None, {"WHITECLAD_BASE_URL": "http://x.test/api/"}) == "http://x.test/api"
    )
    assert (
        resolve_base_url("https://y.test", {"WHITECLAD_BASE_URL": "http://x"}) == "https://y.test"
    )
    with pytest.raises(ConfigError):
        resolve_base_url("ftp://nope", {})
    with pytest.raises(ConfigError, match="WHITECLAD_CLIENT_SECRET"):
        Credentials.from_env({"WHITECLAD_CLIENT_ID": "x"})
    assert Credentials.from_env(
        {"WHITECLAD_CLIENT_ID": "a", "WHITECLAD_CLIENT_SECRET": "b"}
    ) == Credentials("a", "b")
