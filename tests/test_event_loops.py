"""
Async connections belong to one event loop: a sync client's ``as_async`` twin used from many
threads, each running its own ``asyncio.run(...)``, over real sockets (the loopback server).

Written by hand: these tests cross between threads and event loops on purpose.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin, SObject
from sf_toolkit.exceptions import EventLoopError
from sf_toolkit.io.api import fetch_async
from sf_toolkit.testing import FakeOrg

TCP_TABLES = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]


class Account(SObject):
    Name: str | None = None


def open_client_sockets(port: int) -> int:
    """Count this machine's established TCP sockets whose remote end is ``port`` (Linux)."""
    count = 0
    for table in TCP_TABLES:
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":  # 01: ESTABLISHED
                count += 1
    return count


needs_proc = pytest.mark.skipif(
    not TCP_TABLES[0].exists(), reason="counting sockets reads Linux's /proc/net/tcp"
)


@needs_proc
def test_async_twin_serves_eight_threads_each_with_its_own_loop() -> None:
    """8 threads x asyncio.run(25 fetch_async) on one twin work, and no socket stays open."""
    org = FakeOrg(seed=5, latency=0.002)
    ids = [org.insert("Account", {"Name": f"A{n}"}) for n in range(25)]
    errors: list[BaseException] = []
    names: list[list[str | None]] = []
    with org.serve() as url:
        port = httpx.URL(url).port
        assert port is not None
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        client = SalesforceClient(login=login)
        twin = client.as_async
        start = threading.Barrier(8, timeout=30)

        async def fetch_all() -> list[str | None]:
            records = await asyncio.gather(*(fetch_async(Account, i, twin) for i in ids))
            return [record.Name for record in records]

        def worker() -> None:
            try:
                start.wait()
                names.append(asyncio.run(fetch_all()))
            except BaseException as exc:  # collected and re-raised below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        client.close()
        assert errors == []
        assert names == [[f"A{n}" for n in range(25)]] * 8
        assert org.stats.max_in_flight >= 2  # the loops really ran together
        assert open_client_sockets(port) == 0
        assert org.internal_errors == []


@needs_proc
def test_sync_client_closes_its_sockets() -> None:
    """After close(), a sync client used from several threads keeps no socket open."""
    org = FakeOrg(seed=5)
    account_id = org.insert("Account", {"Name": "Acme"})
    with org.serve() as url:
        port = httpx.URL(url).port
        assert port is not None
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        client = SalesforceClient(login=login)
        from sf_toolkit.io.api import fetch

        threads = [
            threading.Thread(target=fetch, args=(Account, account_id, client)) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert open_client_sockets(port) >= 1  # kept alive while open: the count sees them
        client.close()
        assert open_client_sockets(port) == 0


def test_async_twin_works_on_asyncio_then_trio() -> None:
    """The twin's pools follow the running loop, whatever its kind: asyncio, then trio."""
    import trio

    org = FakeOrg(seed=5)
    account_id = org.insert("Account", {"Name": "Acme"})
    with org.serve() as url:
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        with SalesforceClient(login=login) as client:
            twin = client.as_async

            async def fetch_one() -> str | None:
                return (await fetch_async(Account, account_id, twin)).Name

            assert asyncio.run(fetch_one()) == "Acme"
            assert trio.run(fetch_one) == "Acme"
            assert asyncio.run(fetch_one()) == "Acme"


def test_keep_alive_async_client_refuses_a_second_event_loop() -> None:
    """An async client keeping idle connections in one loop refuses another loop, clearly."""
    org = FakeOrg(seed=5)
    account_id = org.insert("Account", {"Name": "Acme"})
    with org.serve() as url, asyncio.Runner() as first:
        port = httpx.URL(url).port
        assert port is not None
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        client = AsyncSalesforceClient(login=login)

        async def fetch_one() -> str | None:
            return (await fetch_async(Account, account_id, client)).Name

        assert first.run(fetch_one()) == "Acme"
        with pytest.raises(EventLoopError, match="first used in another event loop"):
            asyncio.run(fetch_one())
        first.run(client.aclose())
        if TCP_TABLES[0].exists():
            assert open_client_sockets(port) == 0
