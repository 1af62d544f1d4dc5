"""
`as_sync` and `as_async`: the conversions between the halves.

These tests cross from one half to the other, so they are written by hand in both directions
rather than generated.
"""

from __future__ import annotations

import asyncio

import pytest

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin
from sf_toolkit.testing import FakeOrg


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg(seed=3)


@pytest.fixture
def login() -> SalesforceLogin:
    return SalesforceLogin(username="user@example.com", password="password")


def test_seed_client_conversion_runs_as_written(org: FakeOrg, login: SalesforceLogin) -> None:
    """The seed's conversion block works without context managers, both ways."""
    sync_client = SalesforceClient(login=login, transport=org.transport())
    async_client = sync_client.as_async
    assert isinstance(async_client, AsyncSalesforceClient)

    async_client = AsyncSalesforceClient(login=login, transport=org.async_transport())
    sync_client = async_client.as_sync
    assert isinstance(sync_client, SalesforceClient)
    sync_client.close()
    asyncio.run(async_client.aclose())


def test_async_twin_of_sync_client_shares_the_session(org: FakeOrg, login: SalesforceLogin) -> None:
    """The async twin of a logged-in sync client makes no second login."""
    with SalesforceClient(login=login, transport=org.transport()) as client:
        twin = client.as_async
        assert twin is client.as_async
        assert twin.as_sync is client

        async def use_twin() -> int:
            return (await twin.get("limits")).status_code

        assert asyncio.run(use_twin()) == 200
        assert twin.session is client.session
    assert org.stats.logins == 1
    assert twin.is_closed


def test_sync_twin_of_async_client_shares_the_session(org: FakeOrg, login: SalesforceLogin) -> None:
    """The sync twin of an async client makes no second login and closes with it."""

    async def main() -> SalesforceClient:
        async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
            twin = client.as_sync
            assert twin is client.as_sync
            assert twin.as_async is client
            assert twin.get("limits").status_code == 200
            await client.get("limits")
            return twin

    twin = asyncio.run(main())
    assert org.stats.logins == 1
    assert twin.is_closed


def test_twin_logs_in_for_a_fresh_origin(org: FakeOrg, login: SalesforceLogin) -> None:
    """A twin of a client that never logged in logs in once, for both."""
    client = AsyncSalesforceClient(login=login, transport=org.async_transport())
    twin = client.as_sync
    assert twin.get("limits").status_code == 200

    async def use_origin() -> int:
        return (await client.get("limits")).status_code

    assert asyncio.run(use_origin()) == 200
    assert org.stats.logins == 1
    asyncio.run(client.aclose())
    assert twin.is_closed


def test_twin_of_twin_is_origin(org: FakeOrg, login: SalesforceLogin) -> None:
    """Converting twice returns the original client, and each half converts to itself."""
    client = SalesforceClient(login=login, transport=org.transport())
    assert client.as_sync is client
    assert client.as_async.as_sync is client
    assert client.as_async.as_async is client.as_async
    client.close()


def test_twins_register_in_their_own_registry(org: FakeOrg, login: SalesforceLogin) -> None:
    """A twin becomes the default connection of its own kind."""
    from sf_toolkit._registry import lookup

    client = SalesforceClient(login=login, transport=org.transport(), connection_name="twins")
    assert lookup(AsyncSalesforceClient, "twins") is None
    twin = client.as_async
    assert lookup(AsyncSalesforceClient, "twins") is twin
    assert lookup(SalesforceClient, "twins") is client
    client.close()
    assert lookup(AsyncSalesforceClient, "twins") is None
    assert lookup(SalesforceClient, "twins") is None


def test_closing_a_twin_leaves_its_origin_open(org: FakeOrg, login: SalesforceLogin) -> None:
    """Closing the twin does not close the origin; the origin makes a new twin on demand."""
    client = AsyncSalesforceClient(login=login, transport=org.async_transport())
    twin = client.as_sync
    twin.close()
    assert not client.is_closed
    assert client.as_sync is not twin
    assert not client.as_sync.is_closed
    asyncio.run(client.aclose())


def test_expiry_seen_by_both_twins_causes_one_login(org: FakeOrg, login: SalesforceLogin) -> None:
    """Threads on the sync twin and tasks on the async origin renew an expired session once."""
    from concurrent.futures import ThreadPoolExecutor

    from sf_toolkit._concurrency import map_bounded_async

    async def main() -> tuple[list[int], list[int]]:
        async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
            twin = client.as_sync
            org.expire_sessions()
            org.faults.latency = 0.01  # keep the requests in flight together
            logins = org.stats.logins

            async def get(_: int) -> int:
                return (await client.get("limits")).status_code

            with ThreadPoolExecutor(5) as pool:
                threads = [pool.submit(lambda: twin.get("limits").status_code) for _ in range(5)]
                tasks = await map_bounded_async(get, range(5), 5)
                in_threads = [future.result() for future in threads]
            assert org.stats.logins == logins + 1
            return tasks, in_threads

    tasks, in_threads = asyncio.run(main())
    assert tasks == in_threads == [200] * 5


def test_closed_client_makes_no_twin(org: FakeOrg, login: SalesforceLogin) -> None:
    """Asking a closed client for its twin raises ClientClosedError instead of a new client."""
    from sf_toolkit.exceptions import ClientClosedError

    client = SalesforceClient(login=login, transport=org.transport())
    client.close()
    with pytest.raises(ClientClosedError):
        _ = client.as_async


def test_closed_twin_still_points_at_its_origin(org: FakeOrg, login: SalesforceLogin) -> None:
    """A twin closed on its own keeps converting back to its origin."""
    client = AsyncSalesforceClient(login=login, transport=org.async_transport())
    twin = client.as_sync
    twin.close()
    assert twin.as_async is client
    asyncio.run(client.aclose())


def test_event_hooks_stay_with_their_client(org: FakeOrg, login: SalesforceLogin) -> None:
    """A sync client's hooks are not handed to its async twin, which works without them."""
    seen: list[str] = []
    hooks = {"request": [lambda request: seen.append(request.url.path)]}
    with SalesforceClient(login=login, transport=org.transport(), event_hooks=hooks) as client:
        client.get("limits")

        async def use_twin() -> int:
            twin = client.as_async
            try:
                return (await twin.get("limits")).status_code
            finally:
                await twin.aclose()

        assert asyncio.run(use_twin()) == 200
    assert len([path for path in seen if path.endswith("/limits")]) == 1
