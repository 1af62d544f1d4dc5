"""
The user's page (the seed), run as written against a fake org on loopback.

Each block of the seed's Basic Usage, Client Conversion, Record Operations and Error Handling
sections appears here with both its halves, exactly as the seed spells it; the only addition is
``domain=url``, which points the login at the local fake org instead of login.salesforce.com.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin, SObject
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None


class Attachment(SObject):
    Name: str | None = None
    ParentId: str | None = None


@pytest.fixture(scope="module")
def org() -> FakeOrg:
    return FakeOrg(records=5, seed=2)


@pytest.fixture(scope="module")
def url(org: FakeOrg) -> Iterator[str]:
    with org.serve() as url:
        yield url


@pytest.fixture
def login(url: str) -> SalesforceLogin:
    return SalesforceLogin(username="user@example.com", password="password", domain=url)


def test_basic_usage(login: SalesforceLogin) -> None:
    """Basic Usage: both clients log in through their context managers."""
    with SalesforceClient(login=login) as client:
        # Synchronous operations here
        pass

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            # Asynchronous operations here
            pass
        assert client.is_closed

    asyncio.run(main())
    assert client.is_closed


def test_client_conversion(login: SalesforceLogin, org: FakeOrg) -> None:
    """Client Conversion: each client converts to the other, sharing its session."""
    logins = org.stats.logins
    # Convert sync client to async
    sync_client = SalesforceClient(login=login)
    async_client = sync_client.as_async
    assert sync_client.get("limits").status_code == 200

    async def use(client: AsyncSalesforceClient) -> int:
        # An async client's connections belong to the event loop that opened them: close it
        # in that loop (asyncio.run here), not from sync code after the loop has gone.
        try:
            return (await client.get("limits")).status_code
        finally:
            await client.aclose()

    assert asyncio.run(use(async_client)) == 200
    sync_client.close()

    # Convert async client to sync
    async_client = AsyncSalesforceClient(login=login)
    sync_client = async_client.as_sync
    assert sync_client.get("limits").status_code == 200
    asyncio.run(async_client.aclose())
    assert sync_client.is_closed
    assert org.stats.logins == logins + 2


def test_record_operations(login: SalesforceLogin, org: FakeOrg, tmp_path: Path) -> None:
    """Record Operations: fetch, save, delete, reload and download_file, sync and async."""
    from sf_toolkit.io.api import (
        delete,
        delete_async,
        download_file,
        download_file_async,
        fetch,
        fetch_async,
        reload,
        reload_async,
        save,
        save_async,
    )

    account_id = org.insert("Account", {"Name": "Seed"})
    attachment_id = org.insert(
        "Attachment",
        {
            "Name": "seed.txt",
            "ParentId": org.insert("Account", {"Name": "Parent"}),
            "Body": base64.b64encode(b"hi").decode(),
        },
    )
    with SalesforceClient(login=login) as client:
        # Synchronous
        account = fetch(Account, account_id, client)
        account.Industry = "Energy"
        save(account, client)
        reload(account, client)
        attachment = fetch(Attachment, attachment_id, client)
        dest_path = tmp_path / "sync"
        dest_path.mkdir()
        content = download_file(attachment, dest_path, client)
        assert content.read_bytes() == b"hi"
        delete(account, client)

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            # Asynchronous
            account = Account(Name="Async seed")
            await save_async(account, client)
            await reload_async(account, client)
            attachment = await fetch_async(Attachment, attachment_id, client)
            dest_path = tmp_path / "async.txt"
            content = await download_file_async(attachment, dest_path, client)
            assert content.read_bytes() == b"hi"
            await delete_async(account, client)

    asyncio.run(main())
    assert org.get("Account", account_id) is None


def test_error_handling(login: SalesforceLogin, capsys: pytest.CaptureFixture[str]) -> None:
    """Error Handling: an invalid Id raises SalesforceApiError, caught as the seed shows."""
    from sf_toolkit.exceptions import SalesforceApiError
    from sf_toolkit.io.api import fetch_async

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            try:
                account = await fetch_async(Account, "invalid_id", client)
            except SalesforceApiError as e:
                print(f"API Error: {e}")
            else:
                raise AssertionError(f"fetched {account!r}")

    asyncio.run(main())
    assert capsys.readouterr().out.startswith("API Error: ")


def make_accounts(org: FakeOrg, count: int, prefix: str) -> list[str]:
    return [org.insert("Account", {"Name": f"{prefix} {n}"}) for n in range(count)]


def test_fetching_multiple_records(login: SalesforceLogin, org: FakeOrg) -> None:
    """List Operations: fetch_list and fetch_list_async, the seed's ids stood in by real ones."""
    from sf_toolkit.io.api import fetch_list, fetch_list_async

    id1, id2, id3 = make_accounts(org, 3, "Listed")
    with SalesforceClient(login=login) as client:
        # Synchronous
        accounts = fetch_list(Account, id1, id2, id3, sf_client=client)
        assert [a.Name for a in accounts if a] == ["Listed 0", "Listed 1", "Listed 2"]

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            # Asynchronous with concurrency control
            accounts = await fetch_list_async(
                Account,
                id1, id2, id3,
                sf_client=client,
                concurrency=5  # Process up to 5 requests concurrently
            )  # fmt: skip
            assert [a.Id for a in accounts if a] == [id1, id2, id3]

    asyncio.run(main())


def test_bulk_list_operations(login: SalesforceLogin, org: FakeOrg) -> None:
    """Bulk List Operations: the *_list calls, with only a client opened earlier."""
    from sf_toolkit.io.api import (
        save_insert_list,
        save_insert_list_async,
        save_update_list,
        save_update_list_async,
        save_upsert_list,
    )

    accounts = [Account(Name=f"Bulk {n}", External_ID__c=f"B{n}") for n in range(450)]
    with SalesforceClient(login=login):
        # Synchronous list operations
        results = save_insert_list(accounts, batch_size=200)
        assert results.all_succeeded
        assert all(a.Id for a in accounts)
        accounts[0].Industry = "Energy"
        results = save_update_list(accounts, only_changes=True)
        assert [r.outcome.value for r in results[:2]] == ["saved", "unchanged"]
        results = save_upsert_list(accounts, "External_ID__c")
        assert results.all_succeeded
        assert not any(r.created for r in results)

    accounts = [Account(Name=f"Async bulk {n}") for n in range(450)]

    async def main() -> None:
        async with AsyncSalesforceClient(login=login):
            # Asynchronous list operations with concurrency
            results = await save_insert_list_async(
                accounts,
                concurrency=5,
                batch_size=200
            )  # fmt: skip
            assert results.all_succeeded
            accounts[1].Industry = "Energy"
            results = await save_update_list_async(
                accounts,
                only_changes=True,
                concurrency=3
            )  # fmt: skip
            assert [r.outcome.value for r in results[:2]] == ["unchanged", "saved"]

    asyncio.run(main())
    assert org.get("Account", str(accounts[1].Id))["Industry"] == "Energy"  # type: ignore[index]


def test_concurrency_control(login: SalesforceLogin, org: FakeOrg) -> None:
    """Concurrency Control: fetch_list_async and save_insert_list_async with concurrency."""
    from sf_toolkit.io.api import fetch_list_async, save_insert_list_async

    account_ids = make_accounts(org, 2500, "Control")
    large_account_list = [Account(Name=f"Large {n}") for n in range(1000)]

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            # Control concurrent requests
            results = await fetch_list_async(
                Account,
                *account_ids,
                concurrency=10,  # Maximum 10 concurrent requests
                sf_client=client
            )  # fmt: skip
            assert [a.Id for a in results if a] == account_ids

            # Batch processing with concurrency
            results = await save_insert_list_async(
                large_account_list,
                concurrency=5,   # 5 concurrent batch requests
                batch_size=200   # 200 records per batch
            )  # fmt: skip
            assert results.all_succeeded

    asyncio.run(main())


def test_callback_functions(
    login: SalesforceLogin, org: FakeOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    """Callback Functions: an async on_chunk_received sees every chunk's records."""
    from sf_toolkit.io.api import fetch_list_async

    account_ids = make_accounts(org, 2100, "Callback")

    async def on_chunk_received(response):  # type: ignore[no-untyped-def]
        print(f"Processed chunk with {len(response.json())} records")

    async def main() -> None:
        async with AsyncSalesforceClient(login=login) as client:
            accounts = await fetch_list_async(
                Account,
                *account_ids,
                sf_client=client,
                on_chunk_received=on_chunk_received
            )  # fmt: skip
            assert len(accounts) == 2100

    asyncio.run(main())
    lines = sorted(capsys.readouterr().out.splitlines())
    assert lines == [
        "Processed chunk with 100 records",
        "Processed chunk with 2000 records",
    ]


def test_performance_comparison(
    login: SalesforceLogin, org: FakeOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    """Performance Comparison: the sync fetch loop and fetch_list_async fetch the same records."""
    import time

    from sf_toolkit.io.api import fetch, fetch_list_async

    account_ids = make_accounts(org, 20, "Timed")
    sync_client = SalesforceClient(login=login)
    # Not on loopback: the seed never closes it, and a socket must not outlive its loop.
    async_client = AsyncSalesforceClient(login=login, transport=org.async_transport())

    # Synchronous - processes sequentially
    start = time.time()
    accounts = []
    for account_id in account_ids:
        accounts.append(fetch(Account, account_id, sync_client))
    sync_time = time.time() - start

    # Asynchronous - processes concurrently
    async def fetch_all():  # type: ignore[no-untyped-def]
        return await fetch_list_async(
            Account,
            *account_ids,
            sf_client=async_client,
            concurrency=10
        )  # fmt: skip

    start = time.time()
    accounts = asyncio.run(fetch_all())
    async_time = time.time() - start

    print(f"Sync: {sync_time:.2f}s, Async: {async_time:.2f}s")
    print(f"Speedup: {sync_time / async_time:.1f}x")

    sync_client.close()
    assert [a.Id for a in accounts] == account_ids
    assert capsys.readouterr().out.startswith("Sync: ")


def test_bulk_api_operations(login: SalesforceLogin, org: FakeOrg) -> None:
    """Bulk API Operations: insert, update and upsert jobs, sync and async, as the seed shows.

    Bulk jobs run apart from the call that starts them, so an insert cannot give its records
    Ids: the records to update are read back first (the lines marked "set-up").
    """
    from sf_toolkit.io.api import (
        query_bulk,
        save_insert_bulk,
        save_insert_bulk_async,
        save_update_bulk,
        save_update_bulk_async,
        save_upsert_bulk,
    )
    from sf_toolkit.soql import select

    def ours() -> list[tuple[str | None, str | None]]:
        return sorted(
            (r["External_ID__c"], r["Name"])
            for r in org.records("Account")
            if (r["External_ID__c"] or "").startswith("BULK-")
        )

    org.bulk.polls_in_progress = 0  # jobs finish at the first poll: no waiting between polls
    with SalesforceClient(login=login):
        accounts = [Account(Name=f"Bulk {n}", External_ID__c=f"BULK-{n}") for n in range(3)]
        # Synchronous bulk operations
        job = save_insert_bulk(accounts)
        job.wait()  # set-up
        assert job.state == "JobComplete"
        query = select(Account, "Id", "Name", "External_ID__c").where(
            "External_ID__c LIKE {}", "BULK-%"
        )
        accounts = list(query_bulk(query))  # set-up: the inserted records, with their Ids
        for account in accounts:
            account.Name = f"{account.Name} (updated)"
        job = save_update_bulk(accounts)
        job.wait()  # set-up
        assert job.state == "JobComplete"
        job = save_upsert_bulk(accounts, "External_ID__c")
        job.wait()
        assert job.state == "JobComplete"
    assert ours() == [(f"BULK-{n}", f"Bulk {n} (updated)") for n in range(3)]

    async def main() -> None:
        async with AsyncSalesforceClient(login=login):
            accounts = [Account(Name=f"Async {n}", External_ID__c=f"BULK-A{n}") for n in range(2)]
            # Asynchronous bulk operations
            job = await save_insert_bulk_async(accounts)
            await job.wait()  # set-up
            assert job.state == "JobComplete"
            accounts = [
                Account(Id=r["Id"], Name="Async done")
                for r in org.records("Account")
                if (r["External_ID__c"] or "").startswith("BULK-A")
            ]  # set-up
            job = await save_update_bulk_async(accounts)
            await job.wait()
            assert job.state == "JobComplete"

    asyncio.run(main())
    assert ours() == sorted(
        [
            *[(f"BULK-A{n}", "Async done") for n in range(2)],
            *[(f"BULK-{n}", f"Bulk {n} (updated)") for n in range(3)],
        ]
    )
