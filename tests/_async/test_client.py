"""Clients against the fake org: login, base URL, sessions, retries, limits and errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from sf_toolkit import (
    AsyncSalesforceClient,
    RetryPolicy,
    SalesforceLogin,
    SObject,
    Throttle,
    TokenLogin,
)
from sf_toolkit._concurrency import map_bounded_async
from sf_toolkit.exceptions import (
    AuthenticationError,
    ClientClosedError,
    RequestLimitError,
    SalesforceApiError,
    SalesforceConnectionError,
)
from sf_toolkit.testing import FakeOrg

MakeClient = Callable[..., AsyncSalesforceClient]


async def test_seed_basic_usage_logs_in_on_enter(org: FakeOrg) -> None:
    """The seed's basic usage: entering the context manager logs in once."""
    login = SalesforceLogin(username="user@example.com", password="password")
    async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
        assert client.session is not None
    assert org.stats.logins == 1
    assert client.is_closed


async def test_first_request_logs_in_and_uses_newest_version(make_client: MakeClient) -> None:
    """Without a context manager, the first request logs in and picks the org's newest API."""
    client = make_client()
    response = await client.get("limits")
    assert response.status_code == 200
    assert client.api_version is not None
    assert response.request.url.path == f"/services/data/v{client.api_version}/limits"
    await client.aclose()


async def test_requested_api_version_is_used(make_client: MakeClient) -> None:
    """A requested API version is used for the REST root."""
    async with make_client(api_version="60.0") as client:
        response = await client.get("sobjects/Account/describe")
    assert response.request.url.path == "/services/data/v60.0/sobjects/Account/describe"


async def test_missing_api_version_is_a_clear_error(make_client: MakeClient) -> None:
    """An API version the org lacks raises UNSUPPORTED_API_VERSION, naming it."""
    with pytest.raises(SalesforceApiError, match=r"API version 99\.0 is not available") as info:
        async with make_client(api_version="99.0"):
            pass
    assert info.value.error_code == "UNSUPPORTED_API_VERSION"


async def test_wrong_password_names_failure_without_password(org: FakeOrg) -> None:
    """A wrong password raises AuthenticationError naming the failure, not the password."""
    login = SalesforceLogin(username="user@example.com", password="hunter2-wrong")
    with pytest.raises(AuthenticationError) as info:
        async with AsyncSalesforceClient(login=login, transport=org.async_transport()):
            pass
    assert info.value.error_code == "INVALID_LOGIN"
    for text in (str(info.value), repr(info.value), repr(login)):
        assert "hunter2-wrong" not in text


def test_non_login_object_is_refused() -> None:
    """Passing something that is not a login raises TypeError naming the type."""
    with pytest.raises(TypeError, match=r"login must be a login object.*got str"):
        AsyncSalesforceClient(login="user@example.com")  # type: ignore[arg-type]


def test_malformed_api_version_is_refused(login: SalesforceLogin) -> None:
    """An API version that does not look like one is refused at construction."""
    with pytest.raises(ValueError, match="api_version must look like"):
        AsyncSalesforceClient(login=login, api_version="latest")


async def test_closed_client_raises_client_closed(make_client: MakeClient) -> None:
    """Using a closed client raises ClientClosedError, not an httpx internal."""
    async with make_client() as client:
        pass
    with pytest.raises(ClientClosedError, match="closed"):
        await client.get("limits")


async def test_ten_concurrent_expiries_cause_one_login(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """Ten requests in flight together that all meet an expired session cause one login."""
    org.faults.latency = 0.05  # without latency the ten requests would never overlap
    org.expire_sessions()
    org.reset_stats()

    async def get_limits(_: int) -> int:
        return (await client.get("limits")).status_code

    assert await map_bounded_async(get_limits, range(10), 10) == [200] * 10
    assert org.stats.max_in_flight >= 2  # they overlapped: several saw the 401 together
    assert org.stats.requests_by_route["limits"] >= 12  # several were refused, then retried
    assert org.stats.logins == 1


PATIENT = RetryPolicy(attempts=12, backoff_initial=0.0, backoff_max=0.0, jitter=False)


async def test_reads_survive_a_503_storm(make_client: MakeClient, org: FakeOrg) -> None:
    """Reads are retried through a storm of 503s (half of all answers) and succeed."""
    async with make_client(retry=PATIENT) as client:
        org.faults.rate_503 = 0.5
        statuses = [(await client.get("limits")).status_code for _ in range(20)]
    assert statuses == [200] * 20
    assert org.stats.requests_by_route["limits"] > 25


async def test_reads_survive_dropped_connections(make_client: MakeClient, org: FakeOrg) -> None:
    """Reads are retried when half the connections drop, and succeed."""
    async with make_client(retry=PATIENT) as client:
        org.faults.rate_drop = 0.5
        statuses = [(await client.get("limits")).status_code for _ in range(20)]
    assert statuses == [200] * 20


async def test_retries_can_be_disabled(make_client: MakeClient, org: FakeOrg) -> None:
    """With retries disabled a 503 comes straight back."""
    async with make_client(retry=RetryPolicy.disabled()) as client:
        org.faults.rate_503 = 1.0
        response = await client.get("limits")
    assert response.status_code == 503


async def test_insert_is_not_repeated_after_a_drop(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """An insert whose connection dropped after it was applied is not sent again."""
    org.faults.rate_drop = 1.0
    org.faults.drop_after_apply = True
    with pytest.raises(SalesforceConnectionError) as info:
        await client.post("sobjects/Account", json={"Name": "Only once"})
    assert isinstance(info.value.__cause__, httpx.TransportError)
    org.faults.rate_drop = 0.0
    assert [r["Name"] for r in org.records("Account")] == ["Only once"]


async def test_api_usage_is_tracked(client: AsyncSalesforceClient) -> None:
    """Sforce-Limit-Info on responses updates client.api_usage."""
    await client.get("limits")
    assert client.api_usage is not None
    assert 0 < client.api_usage.used <= client.api_usage.max


async def test_logging_names_the_request_without_token(
    client: AsyncSalesforceClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Request log lines carry method, path and status, never the access token."""
    caplog.set_level(logging.DEBUG, logger="sf_toolkit")
    await client.get("limits")
    assert client.session is not None
    assert any("GET" in m and "/limits" in m and "200" in m for m in caplog.messages)
    assert all(client.session.access_token not in m for m in caplog.messages)


async def test_event_hooks_keep_working(make_client: MakeClient) -> None:
    """httpx event hooks still see every request."""
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    async with make_client(event_hooks={"request": [hook]}) as client:
        await client.get("limits")
    assert any(path.endswith("/limits") for path in seen)


async def test_repr_hides_the_token(client: AsyncSalesforceClient) -> None:
    """The client's and session's reprs show no token."""
    assert client.session is not None
    token = client.session.access_token
    assert token not in repr(client)
    assert token not in repr(client.session)


async def test_token_login_sends_no_login_request(org: FakeOrg) -> None:
    """A plain access token + instance URL logs in without any login request."""
    token = org.access_token()
    login = TokenLogin(access_token=token, instance_url="https://acme.my.salesforce.com")
    async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
        response = await client.get("limits")
    assert response.status_code == 200
    assert org.stats.logins == 0
    assert token not in repr(login)


async def test_expired_token_login_is_an_authentication_error(org: FakeOrg) -> None:
    """A plain token that expired cannot be renewed: AuthenticationError, token not shown."""
    token = org.access_token()
    login = TokenLogin(access_token=token, instance_url="https://acme.my.salesforce.com")
    async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
        org.expire_sessions()
        with pytest.raises(AuthenticationError) as info:
            await client.get("limits")
    assert token not in str(info.value)


async def test_throttle_waits_only_above_its_threshold(
    make_client: MakeClient, org: FakeOrg, caplog: pytest.LogCaptureFixture
) -> None:
    """With a throttle, requests wait once usage passes the threshold, and not before."""
    caplog.set_level(logging.INFO, logger="sf_toolkit")
    org.faults.request_limit = 20
    async with make_client(throttle=Throttle(threshold=0.2, max_delay=0.001)) as client:
        for _ in range(4):
            await client.get("limits")
        assert client.api_usage is not None
        assert client.api_usage.fraction <= 0.2
        assert not [m for m in caplog.messages if "waiting" in m]
        for _ in range(8):
            await client.get("limits")
    assert len([m for m in caplog.messages if "waiting" in m]) >= 5


async def test_daily_limit_raises_request_limit_error(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """REQUEST_LIMIT_EXCEEDED from Salesforce raises RequestLimitError from an operation."""
    from sf_toolkit.io.api import fetch_async

    class Account(SObject):
        Name: str | None = None

    account_id = org.insert("Account", {"Name": "Limited"})
    org.faults.request_limit = org.stats.api_usage
    with pytest.raises(RequestLimitError) as info:
        await fetch_async(Account, account_id, client)
    assert info.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert info.value.status_code == 403


async def test_streamed_body_is_not_resent_after_expiry(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """A body streamed from an iterator is sent once: a 401 comes back, the session is renewed."""

    async def body():  # type: ignore[no-untyped-def]
        yield b'{"Name": "Streamed"}'

    org.expire_sessions()
    logins = org.stats.logins
    response = await client.post(
        "sobjects/Account", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert org.count("Account") == 0
    assert (await client.get("limits")).status_code == 200
    assert org.stats.logins == logins + 1


async def test_401_from_another_host_does_not_renew(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """Only requests that carried the session's token can expire it."""
    logins = org.stats.logins
    response = await client.get("https://elsewhere.example.com/services/data/v60.0/limits")
    assert response.status_code == 401
    assert "Authorization" not in response.request.headers
    assert org.stats.logins == logins


async def test_login_api_version_is_the_default(org: FakeOrg) -> None:
    """SalesforceLogin(api_version=...) sets the REST version when the client names none."""
    login = SalesforceLogin(username="user@example.com", password="password", api_version="60.0")
    async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
        assert client.api_version == "60.0"
