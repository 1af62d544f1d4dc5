"""
sf_toolkit's side of the benchmarks, through the public API the seed page shows.

Each runner is ``runner(org, watch, n, **options) -> items done`` and logs in (plus one warm-up
request) before ``with watch:``. Functions still being built on other branches (list and Bulk
operations) are looked up on ``sf_toolkit.io.api`` when called, so this module imports on any
checkout and the benchmarks mark those cases as missing (see ``_harness.has``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from _harness import (
    CONCURRENCY,
    FIELDS,
    PASSWORD,
    USERNAME,
    OrgProcess,
    Stopwatch,
    new_values,
    run_async,
)

import sf_toolkit.io.api as api
from sf_toolkit import (
    AsyncSalesforceClient,
    BulkQueryJob,
    RetryPolicy,
    SalesforceClient,
    SalesforceLogin,
    SObject,
    select,
)
from sf_toolkit._concurrency import map_bounded_async

PAGE_SIZE = 2_000


class Account(SObject):
    """The typed model sf_toolkit loads; the peers return plain dicts."""

    Name: str | None = None
    Industry: str | None = None
    Type: str | None = None
    AnnualRevenue: float | None = None
    NumberOfEmployees: int | None = None
    BillingCity: str | None = None
    External_ID__c: str | None = None


class NewAccount(SObject, api_name="Account"):
    """What the insert benchmarks write: the same three fields every library sends."""

    Name: str | None = None
    Industry: str | None = None
    NumberOfEmployees: int | None = None


def login(org: OrgProcess) -> SalesforceLogin:
    """sf_toolkit's SOAP login against the loopback org."""
    return SalesforceLogin(username=USERNAME, password=PASSWORD, domain=org.url)


def new_accounts(n: int) -> Iterator[NewAccount]:
    """A generator of ``n`` new Accounts, built as they are consumed."""
    return (NewAccount(**new_values(number)) for number in range(n))


def warm_sync(org: OrgProcess, client: SalesforceClient) -> None:
    """One request after login, outside the clock."""
    api.count(select(Account).where(Name="none"), client)


async def warm_async(org: OrgProcess, client: AsyncSalesforceClient) -> None:
    """One request after login, outside the clock."""
    await api.count_async(select(Account).where(Name="none"), client)


# -- fetch by Id ----------------------------------------------------------------------------------


def fetch_loop(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """The seed's synchronous loop: ``fetch(Account, account_id, sync_client)`` per Id."""
    ids = org.ids[:n]
    with SalesforceClient(login=login(org)) as sync_client:
        warm_sync(org, sync_client)
        with watch:
            accounts = []
            for account_id in ids:
                accounts.append(api.fetch(Account, account_id, sync_client))
    return len(accounts)


def fetch_each_async(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """``fetch_async`` per Id, 10 in flight: one request per record, like aiosalesforce."""
    ids = org.ids[:n]

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org)) as client:
            await warm_async(org, client)

            async def one(record_id: str) -> Account:
                return await api.fetch_async(Account, record_id, client)

            with watch:
                records = await map_bounded_async(one, ids, CONCURRENCY)
        return len(records)

    return int(run_async(main()))


def fetch_list_sync(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """``fetch_list(Account, *ids, sf_client=client)`` (sObject Collections retrieve)."""
    ids = org.ids[:n]
    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            accounts = api.fetch_list(Account, *ids, sf_client=client)
    return len(accounts)


def fetch_list_concurrent(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """The seed's ``fetch_list_async(Account, *account_ids, sf_client=..., concurrency=10)``."""
    account_ids = org.ids[:n]

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org)) as async_client:
            await warm_async(org, async_client)
            with watch:
                accounts = await api.fetch_list_async(
                    Account, *account_ids, sf_client=async_client, concurrency=10
                )
        return len(accounts)

    return int(run_async(main()))


# -- REST query -----------------------------------------------------------------------------------


def query_sync(org: OrgProcess, watch: Stopwatch, n: int, **options: Any) -> int:
    """``query(select(Account, ...))``: every page, as typed records."""
    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            records = list(
                api.query(select(Account, *FIELDS), client, batch_size=PAGE_SIZE, **options)
            )
    return len(records)


def query_async(org: OrgProcess, watch: Stopwatch, n: int, **options: Any) -> int:
    """``query_async(select(Account, ...))``: every page, as typed records."""

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org)) as client:
            await warm_async(org, client)
            with watch:
                records = [
                    record
                    async for record in api.query_async(
                        select(Account, *FIELDS), client, batch_size=PAGE_SIZE, **options
                    )
                ]
        return len(records)

    return int(run_async(main()))


# -- inserts --------------------------------------------------------------------------------------


def insert_each_sync(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """``save_insert`` per record, one after the other."""
    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            for record in new_accounts(n):
                api.save_insert(record, client)
    return n


def insert_each_async(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """``save_insert_async`` per record, 10 in flight."""

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org)) as client:
            await warm_async(org, client)

            async def one(number: int) -> str | None:
                record = NewAccount(**new_values(number))
                await api.save_insert_async(record, client)
                return record.Id

            with watch:
                ids = await map_bounded_async(one, range(n), CONCURRENCY)
        return sum(1 for record_id in ids if record_id)

    return int(run_async(main()))


def _saved(results: Any) -> int:
    """How many records a ``SaveResults`` says were saved."""
    return sum(1 for result in results if result.success)


def insert_list_sync(
    org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = CONCURRENCY
) -> int:
    """``save_insert_list(generator, batch_size=200, concurrency=...)`` (sObject Collections)."""
    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            results = api.save_insert_list(
                new_accounts(n), sf_client=client, batch_size=200, concurrency=concurrency
            )
            saved = _saved(results)
            del results
    return saved


def insert_list_stream_sync(
    org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = CONCURRENCY
) -> int:
    """As :func:`insert_list_sync`, the results streamed to ``on_batch_done`` (not kept)."""
    saved = 0

    def on_batch_done(results: Any) -> None:
        nonlocal saved
        saved += _saved(results)

    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            api.save_insert_list(
                new_accounts(n),
                sf_client=client,
                batch_size=200,
                concurrency=concurrency,
                on_batch_done=on_batch_done,
            )
    return saved


def insert_list_stream_async(
    org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = CONCURRENCY
) -> int:
    """As :func:`insert_list_async`, the results streamed to ``on_batch_done`` (not kept)."""
    saved = 0

    def on_batch_done(results: Any) -> None:
        nonlocal saved
        saved += _saved(results)

    async def main() -> None:
        async with AsyncSalesforceClient(login=login(org)) as client:
            await warm_async(org, client)
            with watch:
                await api.save_insert_list_async(
                    new_accounts(n),
                    sf_client=client,
                    batch_size=200,
                    concurrency=concurrency,
                    on_batch_done=on_batch_done,
                )

    run_async(main())
    return saved


def insert_list_async(
    org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = CONCURRENCY
) -> int:
    """``save_insert_list_async(generator, batch_size=200, concurrency=...)``."""

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org)) as client:
            await warm_async(org, client)
            with watch:
                results = await api.save_insert_list_async(
                    new_accounts(n), sf_client=client, batch_size=200, concurrency=concurrency
                )
                saved = _saved(results)
        return saved

    return int(run_async(main()))


# -- Bulk API 2.0 ---------------------------------------------------------------------------------


def _job_saved(job: Any) -> int:
    """Records a finished ingest job processed without failing."""
    return int(job.records_processed) - int(job.records_failed)


def polling(backoff: float | None) -> dict[str, Any]:
    """
    Client options for Bulk jobs: ``wait()`` polls as the client's retry policy backs off
    (0.5 s, doubling, by default); ``backoff=0`` polls without pausing, as the peers are run.
    """
    return {} if backoff is None else {"retry": RetryPolicy(backoff_initial=backoff)}


def insert_bulk_async(
    org: OrgProcess, watch: Stopwatch, n: int, backoff: float | None = None
) -> int:
    """``save_insert_bulk_async(generator)``, then ``await job.wait()``."""

    async def main() -> int:
        async with AsyncSalesforceClient(login=login(org), **polling(backoff)) as client:
            await warm_async(org, client)
            with watch:
                job = await api.save_insert_bulk_async(new_accounts(n), sf_client=client)
                await job.wait()
        return _job_saved(job)

    return int(run_async(main()))


def insert_bulk_sync(
    org: OrgProcess, watch: Stopwatch, n: int, backoff: float | None = None
) -> int:
    """``save_insert_bulk(generator)``, then ``job.wait()``: the records are streamed as CSV."""
    with SalesforceClient(login=login(org), **polling(backoff)) as client:
        warm_sync(org, client)
        with watch:
            job = api.save_insert_bulk(new_accounts(n), sf_client=client)
            job.wait()
    return _job_saved(job)


def query_bulk_sync(org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = 1) -> int:
    """``query_bulk(select(NewAccount, ...), concurrency=...)``, every row as a typed record."""
    with SalesforceClient(login=login(org)) as client:
        warm_sync(org, client)
        with watch:
            rows = 0
            for _ in api.query_bulk(
                select(NewAccount, "Id", "Name", "Industry", "NumberOfEmployees"),
                sf_client=client,
                concurrency=concurrency,
            ):
                rows += 1
    return rows


def download_bulk_sync(org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = 1) -> int:
    """
    Only the download: ``BulkQueryJob.create`` and ``wait()`` happen before the clock, then
    ``job.records(concurrency=...)`` is timed (pages fetched ``concurrency`` at a time).
    """
    soql = select(NewAccount, "Id", "Name", "Industry", "NumberOfEmployees")
    with SalesforceClient(login=login(org)) as client:
        job = BulkQueryJob.create(soql, sf_client=client)
        job.wait()
        with watch:
            rows = sum(1 for _ in job.records(concurrency=concurrency))
    return rows


def download_csv_sync(org: OrgProcess, watch: Stopwatch, n: int, concurrency: int = 1) -> int:
    """
    Only the raw download: ``BulkQueryJob.create`` and ``wait()`` happen before the clock, then
    ``job.write_csv(path, concurrency=...)`` is timed (no parsing; pages ``concurrency`` at a
    time). Returns the data rows in the file (counted after the clock).
    """
    import tempfile
    from pathlib import Path

    soql = select(NewAccount, "Id", "Name", "Industry", "NumberOfEmployees")
    with SalesforceClient(login=login(org)) as client, tempfile.TemporaryDirectory() as tmp:
        job = BulkQueryJob.create(soql, sf_client=client)
        job.wait()
        path = Path(tmp) / "accounts.csv"
        with watch:
            job.write_csv(path, concurrency=concurrency)
        with path.open("rb") as handle:
            return sum(1 for _ in handle) - 1  # the values have no line breaks
