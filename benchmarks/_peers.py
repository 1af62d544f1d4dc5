"""
The peers' side of the benchmarks: simple-salesforce and aiosalesforce, unmodified.

They insist on ``https://*.salesforce.com`` hosts, so each gets the smallest shim at its own
HTTP boundary, shipped in ``sf_toolkit.testing``: a ``requests`` adapter (simple-salesforce) or an
httpx transport (aiosalesforce) that sends the request, unchanged but for scheme and host, to the
loopback server. Everything on the wire is real. Each runner is
``runner(org, watch, n, **options) -> items done`` and does its login and one warm-up request
before ``with watch:``.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import requests
from _harness import (
    API_VERSION,
    CONCURRENCY,
    FIELDS,
    INSERT_FIELDS,
    PASSWORD,
    PEER_HOST,
    SOQL,
    USERNAME,
    OrgProcess,
    Stopwatch,
    new_values,
    run_async,
)
from aiosalesforce import Salesforce as AioSalesforce
from aiosalesforce.auth import SoapLogin
from simple_salesforce.api import Salesforce as SimpleSalesforce

from sf_toolkit.testing import LoopbackTransport, loopback_requests_adapter

BULK_SOQL = "SELECT Id, Name, Industry, NumberOfEmployees FROM Account"


@contextmanager
def simple_salesforce(org: OrgProcess) -> Iterator[Any]:
    """A logged-in simple-salesforce client on the loopback org, after one warm-up request."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", loopback_requests_adapter(org.url))
    try:
        sf = SimpleSalesforce(
            username=USERNAME,
            password=PASSWORD,
            security_token="",
            session=session,
            version=API_VERSION,
        )
        sf.query("SELECT Id FROM Account LIMIT 1")
        yield sf
    finally:
        session.close()


@asynccontextmanager
async def aiosalesforce(org: OrgProcess) -> AsyncIterator[AioSalesforce]:
    """A logged-in aiosalesforce client on the loopback org, after one warm-up request."""
    # httpx's default 5 s read timeout is too short for a poll while the fake org writes a
    # large Bulk job (it does the work on that poll); use sf_toolkit's default, 120 s.
    timeout = httpx.Timeout(120.0, connect=10.0)
    async with httpx.AsyncClient(transport=LoopbackTransport(org.url), timeout=timeout) as http:
        sf = AioSalesforce(
            http, PEER_HOST, auth=SoapLogin(USERNAME, PASSWORD, ""), version=API_VERSION
        )
        async for _ in sf.query("SELECT Id FROM Account LIMIT 1"):
            pass
        yield sf


async def gather_bounded(fn: Callable[[Any], Awaitable[Any]], items: list[Any]) -> list[Any]:
    """``asyncio.gather`` with a semaphore: the usual way to bound aiosalesforce calls."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(item: Any) -> Any:
        async with semaphore:
            return await fn(item)

    return await asyncio.gather(*(one(item) for item in items))


# -- fetch by Id ----------------------------------------------------------------------------------


def fetch_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """simple-salesforce: ``sf.Account.get`` per Id, one after the other."""
    ids = org.ids[:n]
    params = {"fields": ",".join(FIELDS)}
    with simple_salesforce(org) as sf, watch:
        records = [sf.Account.get(record_id, params=params) for record_id in ids]
    return len(records)


def fetch_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """aiosalesforce: ``sobject.get`` per Id, 10 in flight."""
    ids = org.ids[:n]

    async def main() -> int:
        async with aiosalesforce(org) as sf:

            async def one(record_id: str) -> dict[str, Any]:
                return await sf.sobject.get("Account", record_id, fields=FIELDS)

            with watch:
                records = await gather_bounded(one, ids)
        return len(records)

    return int(run_async(main()))


# -- REST query -----------------------------------------------------------------------------------


def query_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """simple-salesforce: ``query_all`` (every page, as dicts)."""
    with simple_salesforce(org) as sf, watch:
        records = sf.query_all(SOQL)["records"]
    return len(records)


def query_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """aiosalesforce: ``query`` (an async iterator of dicts)."""

    async def main() -> int:
        async with aiosalesforce(org) as sf:
            with watch:
                records = [record async for record in sf.query(SOQL)]
        return len(records)

    return int(run_async(main()))


# -- inserts --------------------------------------------------------------------------------------


def insert_simple(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """simple-salesforce: ``sf.Account.create`` per record, one after the other."""
    with simple_salesforce(org) as sf, watch:
        results = [sf.Account.create(new_values(number)) for number in range(n)]
    return sum(1 for result in results if result["success"])


def insert_aio(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """aiosalesforce: ``sobject.create`` per record, 10 in flight (gather + semaphore)."""

    async def main() -> int:
        async with aiosalesforce(org) as sf:

            async def one(number: int) -> str:
                return await sf.sobject.create("Account", new_values(number))

            with watch:
                ids = await gather_bounded(one, list(range(n)))
        return sum(1 for record_id in ids if record_id)

    return int(run_async(main()))


def insert_aio_composite(org: OrgProcess, watch: Stopwatch, n: int) -> int:
    """aiosalesforce: Composite Batch requests of 25 creates (its maximum), 10 in flight."""

    async def main() -> int:
        async with aiosalesforce(org) as sf:

            async def batch(start: int) -> int:
                async with sf.composite.batch() as request:
                    creates = [
                        request.sobject.create("Account", new_values(number))
                        for number in range(start, min(start + 25, n))
                    ]
                return sum(1 for create in creates if create.is_success)

            with watch:
                counts = await gather_bounded(batch, list(range(0, n, 25)))
        return sum(counts)

    return int(run_async(main()))


def insert_simple_bulk2(org: OrgProcess, watch: Stopwatch, n: int, wait: float = 0) -> int:
    """
    simple-salesforce: ``sf.bulk2.Account.insert(records=[...])``, waiting for the job.

    It takes a list of dicts (so the records are built inside the clock, as every library
    must) and polls after ``wait`` seconds (its default 5; 0 polls at once, then backs off).
    """
    with simple_salesforce(org) as sf, watch:
        records = [new_values(number) for number in range(n)]
        jobs = sf.bulk2.Account.insert(records=records, wait=wait)
    return sum(job["numberRecordsProcessed"] - job["numberRecordsFailed"] for job in jobs)


def insert_aio_bulk(org: OrgProcess, watch: Stopwatch, n: int, polling: float = 0.0) -> int:
    """
    aiosalesforce: Bulk API 2.0 ingest from a generator, collecting its parsed results.

    ``bulk_v2.insert`` polls every 5 s; its ``ingest.perform_operation`` takes the polling
    interval and the field names (so a generator is not read into memory first), so that is
    used, with ``polling`` seconds between polls.
    """

    async def main() -> int:
        async with aiosalesforce(org) as sf:
            with watch:
                done = 0
                async for result in sf.bulk_v2.ingest.perform_operation(
                    "insert",
                    "Account",
                    (new_values(number) for number in range(n)),
                    fieldnames=INSERT_FIELDS,
                    polling_interval=polling,
                ):
                    done += len(result.successful_results)
        return done

    return int(run_async(main()))


# -- Bulk API 2.0 queries -------------------------------------------------------------------------


def bulk_query_simple(org: OrgProcess, watch: Stopwatch, n: int, wait: float = 0) -> int:
    """
    simple-salesforce: ``sf.bulk2.Account.query`` (its sequential locator walk), rows as dicts.

    It yields each page as CSV text; every row is read with ``csv.DictReader`` so that each
    library hands the caller one object per record.
    """
    with simple_salesforce(org) as sf, watch:
        rows = 0
        for page in sf.bulk2.Account.query(BULK_SOQL, wait=wait):
            rows += sum(1 for _ in csv.DictReader(io.StringIO(page)))
    return rows
