# Generated from tests/_async/test_client.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Clients against the fake org: login, base URL, sessions, retries, limits and errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from sf_toolkit import (
    RetryPolicy,
    SalesforceClient,
    SalesforceLogin,
    SObject,
    Throttle,
    TokenLogin,
)
from sf_toolkit._concurrency import map_bounded
from sf_toolkit.exceptions import (
    AuthenticationError,
    ClientClosedError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
)
from sf_toolkit.testing import FakeOrg

MakeClient = Callable[..., SalesforceClient]


def test_seed_basic_usage_logs_in_on_enter(org: FakeOrg) -> None:
    """The seed's basic usage: entering the context manager logs in once."""
    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        assert client.session is not None
    assert org.stats.logins == 1
    assert client.is_closed


def test_first_request_logs_in_and_uses_newest_version(make_client: MakeClient) -> None:
    """Without a context manager, the first request logs in and picks the org's newest API."""
    client = make_client()
    response = client.get("limits")
    assert response.status_code == 200
    assert client.api_version is not None
    assert response.request.url.path == f"/services/data/v{client.api_version}/limits"
    client.close()


def test_requested_api_version_is_used(make_client: MakeClient) -> None:
    """A requested API version is used for the REST root."""
    with make_client(api_version="60.0") as client:
        response = client.get("sobjects/Account/describe")
    assert response.request.url.path == "/services/data/v60.0/sobjects/Account/describe"


def test_missing_api_version_is_a_clear_error(make_client: MakeClient) -> None:
    """An API version the org lacks raises UNSUPPORTED_API_VERSION, naming it."""
    with pytest.raises(SalesforceApiError, match=r"API version 99\.0 is not available") as info:
        with make_client(api_version="99.0"):
            pass
    assert info.value.error_code == "UNSUPPORTED_API_VERSION"


def test_wrong_password_names_failure_without_password(org: FakeOrg) -> None:
    """A wrong password raises AuthenticationError naming the failure, not the password."""
    login = SalesforceLogin(username="user@example.com", password="hunter2-wrong")
    with pytest.raises(AuthenticationError) as info:
        with SalesforceClient(login=login, transport=org.transport()):
            pass
    assert info.value.error_code == "INVALID_LOGIN"
    for text in (str(info.value), repr(info.value), repr(login)):
        assert "hunter2-wrong" not in text


def test_non_login_object_is_refused() -> None:
    """Passing something that is not a login raises TypeError naming the type."""
    with pytest.raises(TypeError, match=r"login must be a login object.*got str"):
        SalesforceClient(login="user@example.com")  # type: ignore[arg-type]


def test_malformed_api_version_is_refused(login: SalesforceLogin) -> None:
    """An API version that does not look like one is refused at construction."""
    with pytest.raises(ValueError, match="api_version must look like"):
        SalesforceClient(login=login, api_version="latest")


def test_closed_client_raises_client_closed(make_client: MakeClient) -> None:
    """Using a closed client raises ClientClosedError, not an httpx internal."""
    with make_client() as client:
        pass
    with pytest.raises(ClientClosedError, match="closed"):
        client.get("limits")


def test_ten_concurrent_expiries_cause_one_login(client: SalesforceClient, org: FakeOrg) -> None:
    """Ten requests in flight together that all meet an expired session cause one login."""
    org.faults.latency = 0.05  # without latency the ten requests would never overlap
    org.expire_sessions()
    org.reset_stats()

    def get_limits(_: int) -> int:
        return (client.get("limits")).status_code

    assert map_bounded(get_limits, range(10), 10) == [200] * 10
    assert org.stats.max_in_flight >= 2  # they overlapped: several saw the 401 together
    assert org.stats.requests_by_route["limits"] >= 12  # several were refused, then retried
    assert org.stats.logins == 1


PATIENT = RetryPolicy(attempts=12, backoff_initial=0.0, backoff_max=0.0, jitter=False)


def test_reads_survive_a_503_storm(make_client: MakeClient, org: FakeOrg) -> None:
    """Reads are retried through a storm of 503s (half of all answers) and succeed."""
    with make_client(retry=PATIENT) as client:
        org.faults.rate_503 = 0.5
        statuses = [(client.get("limits")).status_code for _ in range(20)]
    assert statuses == [200] * 20
    assert org.stats.requests_by_route["limits"] > 25


def test_reads_survive_dropped_connections(make_client: MakeClient, org: FakeOrg) -> None:
    """Reads are retried when half the connections drop, and succeed."""
    with make_client(retry=PATIENT) as client:
        org.faults.rate_drop = 0.5
        statuses = [(client.get("limits")).status_code for _ in range(20)]
    assert statuses == [200] * 20


def test_retries_can_be_disabled(make_client: MakeClient, org: FakeOrg) -> None:
    """With retries disabled a 503 comes straight back."""
    with make_client(retry=RetryPolicy.disabled()) as client:
        org.faults.rate_503 = 1.0
        response = client.get("limits")
    assert response.status_code == 503


def test_insert_is_not_repeated_after_a_drop(client: SalesforceClient, org: FakeOrg) -> None:
    """An insert whose connection dropped after it was applied is not sent again."""
    org.faults.rate_drop = 1.0
    org.faults.drop_after_apply = True
    with pytest.raises(SalesforceConnectionError) as info:
        client.post("sobjects/Account", json={"Name": "Only once"})
    assert isinstance(info.value.__cause__, httpx.TransportError)
    org.faults.rate_drop = 0.0
    assert [r["Name"] for r in org.records("Account")] == ["Only once"]


def test_api_usage_is_tracked(client: SalesforceClient) -> None:
    """Sforce-Limit-Info on responses updates client.api_usage."""
    client.get("limits")
    assert client.api_usage is not None
    assert 0 < client.api_usage.used <= client.api_usage.max


def test_logging_names_the_request_without_token(
    client: SalesforceClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Request log lines carry method, path and status, never the access token."""
    caplog.set_level(logging.DEBUG, logger="sf_toolkit")
    client.get("limits")
    assert client.session is not None
    assert any("GET" in m and "/limits" in m and "200" in m for m in caplog.messages)
    assert all(client.session.access_token not in m for m in caplog.messages)


def test_event_hooks_keep_working(make_client: MakeClient) -> None:
    """httpx event hooks still see every request."""
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    with make_client(event_hooks={"request": [hook]}) as client:
        client.get("limits")
    assert any(path.endswith("/limits") for path in seen)


def test_repr_hides_the_token(client: SalesforceClient) -> None:
    """The client's and session's reprs show no token."""
    assert client.session is not None
    token = client.session.access_token
    assert token not in repr(client)
    assert token not in repr(client.session)


def test_token_login_sends_no_login_request(org: FakeOrg) -> None:
    """A plain access token + instance URL logs in without any login request."""
    token = org.access_token()
    login = TokenLogin(access_token=token, instance_url="https://acme.my.salesforce.com")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        response = client.get("limits")
    assert response.status_code == 200
    assert org.stats.logins == 0
    assert token not in repr(login)


def test_expired_token_login_is_an_authentication_error(org: FakeOrg) -> None:
    """A plain token that expired cannot be renewed: AuthenticationError, token not shown."""
    token = org.access_token()
    login = TokenLogin(access_token=token, instance_url="https://acme.my.salesforce.com")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        org.expire_sessions()
        with pytest.raises(AuthenticationError) as info:
            client.get("limits")
    assert token not in str(info.value)


def test_throttle_waits_only_above_its_threshold(
    make_client: MakeClient, org: FakeOrg, caplog: pytest.LogCaptureFixture
) -> None:
    """With a throttle, requests wait once usage passes the threshold, and not before."""
    caplog.set_level(logging.INFO, logger="sf_toolkit")
    org.faults.request_limit = 20
    with make_client(throttle=Throttle(threshold=0.2, max_delay=0.001)) as client:
        for _ in range(4):
            client.get("limits")
        assert client.api_usage is not None
        assert client.api_usage.fraction <= 0.2
        assert not [m for m in caplog.messages if "waiting" in m]
        for _ in range(8):
            client.get("limits")
    assert len([m for m in caplog.messages if "waiting" in m]) >= 5


def test_daily_limit_raises_request_limit_error(client: SalesforceClient, org: FakeOrg) -> None:
    """REQUEST_LIMIT_EXCEEDED from Salesforce raises RequestLimitError from an operation."""
    from sf_toolkit.io.api import fetch

    class Account(SObject):
        Name: str | None = None

    account_id = org.insert("Account", {"Name": "Limited"})
    org.faults.request_limit = org.stats.api_usage
    with pytest.raises(RequestLimitError) as info:
        fetch(Account, account_id, client)
    assert info.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert info.value.status_code == 403


def test_streamed_body_is_not_resent_after_expiry(client: SalesforceClient, org: FakeOrg) -> None:
    """A body streamed from an iterator is sent once: a 401 comes back, the session is renewed."""

    def body():  # type: ignore[no-untyped-def]
        yield b'{"Name": "Streamed"}'

    org.expire_sessions()
    logins = org.stats.logins
    response = client.post(
        "sobjects/Account", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert org.count("Account") == 0
    assert (client.get("limits")).status_code == 200
    assert org.stats.logins == logins + 1


def test_401_from_another_host_does_not_renew(client: SalesforceClient, org: FakeOrg) -> None:
    """Only requests that carried the session's token can expire it."""
    logins = org.stats.logins
    response = client.get("https://elsewhere.example.com/services/data/v60.0/limits")
    assert response.status_code == 401
    assert "Authorization" not in response.request.headers
    assert org.stats.logins == logins


def test_login_api_version_is_the_default(org: FakeOrg) -> None:
    """SalesforceLogin(api_version=...) sets the REST version when the client names none."""
    login = SalesforceLogin(username="user@example.com", password="password", api_version="60.0")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        assert client.api_version == "60.0"
