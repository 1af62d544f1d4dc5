#!/usr/bin/env python3
"""
Time a 20,000-record query over the fake org's in-process transport, with and without read-ahead.

    PYTHONPATH=src python scripts/measure_read_ahead.py [--latency-ms 20] [--rounds 5]

A measurement to report, not a test and not a benchmark (those live in ``benchmarks/``).
"Without" swaps the read-ahead pair for a pass-through in this process only. Runs alternate
between the two so that a busy machine slows both alike; the minimum is the least disturbed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import sf_toolkit._async.query as async_query
import sf_toolkit._sync.query as sync_query
from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin, SObject, select
from sf_toolkit.io.api import query, query_async
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None


class AsyncPassThrough:
    """The shape of AsyncReadAhead, fetching each page only when asked."""

    def __init__(self, source: AsyncIterator[Any]) -> None:
        self._source = source

    async def __aenter__(self) -> AsyncPassThrough:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._source

    async def tick(self) -> None:
        pass


class PassThrough:
    """The shape of ReadAhead, fetching each page only when asked."""

    def __init__(self, source: Iterator[Any]) -> None:
        self._source = source

    def __enter__(self) -> PassThrough:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        return self._source

    def tick(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    org = FakeOrg(records=20_000, seed=5, latency=args.latency_ms / 1000)
    login = SalesforceLogin(username="user@example.com", password="password")
    soql = select(Account, "Id", "Name", "Industry")

    def run_sync() -> float:
        with SalesforceClient(login=login, transport=org.transport()) as client:
            client.get("limits")  # log in before timing
            start = time.perf_counter()
            count = sum(1 for _ in query(soql, client))
            elapsed = time.perf_counter() - start
        assert count == 20_000
        return elapsed

    async def run_async() -> float:
        async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
            await client.get("limits")
            start = time.perf_counter()
            count = 0
            async for _ in query_async(soql, client):
                count += 1
            elapsed = time.perf_counter() - start
        assert count == 20_000
        return elapsed

    originals = (async_query.AsyncReadAhead, sync_query.ReadAhead)
    halves: dict[str, Callable[[], float]] = {
        "sync": run_sync,
        "async": lambda: asyncio.run(run_async()),
    }
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for label in ("without", "with"):
            if label == "with":
                async_query.AsyncReadAhead, sync_query.ReadAhead = originals
            else:
                async_query.AsyncReadAhead = AsyncPassThrough  # type: ignore[assignment,misc]
                sync_query.ReadAhead = PassThrough  # type: ignore[assignment,misc]
            for half, run in halves.items():
                times.setdefault((half, label), []).append(run())
    async_query.AsyncReadAhead, sync_query.ReadAhead = originals
    print(f"20,000 records, 10 pages of 2,000, {args.latency_ms:g} ms latency per request")
    for (half, label), runs in sorted(times.items()):
        print(
            f"{half:5} {label:7} read-ahead: min {min(runs) * 1000:4.0f} ms, "
            f"median {statistics.median(runs) * 1000:4.0f} ms ({len(runs)} runs)"
        )


if __name__ == "__main__":
    main()
