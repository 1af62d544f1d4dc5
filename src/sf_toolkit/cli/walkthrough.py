"""
The demo's walk-through: one step per section of the seed page, each printing the calls it
makes, what they returned and how many requests they cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import click
import httpx

from .._sync.client import SalesforceClient
from ..auth import SalesforceLogin
from ..io.api import (
    count,
    delete_list,
    fetch,
    fetch_async,
    fetch_list,
    fetch_list_async,
    query,
    query_async,
    query_bulk,
    reload,
    save,
    save_async,
    save_insert_bulk,
    save_insert_list,
    save_update_list,
)
from ..models import SObject
from ..soql import select
from ..testing import FakeOrg

__all__ = ["COMPARISON_IDS", "run_demo"]


def plural(count: int, noun: str) -> str:
    """``1 Account``, ``2 Accounts``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


#: How many ids the Performance Comparison fetches, as in the seed.
COMPARISON_IDS = 500


class Account(SObject):
    """The demo's model: the seed's ``Account``."""

    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None
    AnnualRevenue: float | None = None


class Walkthrough:
    """
    Prints the steps: a numbered title, then indented lines of code and what they did.

    It counts the HTTP requests both halves of the client send (through httpx event hooks),
    so each line can say what it cost.
    """

    def __init__(self, echo: Callable[[str], None], latency_ms: float | None, records: int) -> None:
        self.echo = echo
        self.latency_ms = latency_ms
        self.records = records
        self.step = 0
        self.sent = 0
        self._seen = 0

    def count_requests(self, client: SalesforceClient) -> None:
        """Count the requests of ``client`` and of its async twin."""

        def on_request(request: httpx.Request) -> None:
            self.sent += 1

        async def on_async_request(request: httpx.Request) -> None:
            self.sent += 1

        client.event_hooks = {"request": [on_request], "response": []}
        client.as_async.event_hooks = {"request": [on_async_request], "response": []}

    def title(self, text: str) -> None:
        self.step += 1
        self.echo("")
        self.echo(f"{self.step}. {text}")
        self._seen = self.sent

    def line(self, code: str, result: str = "") -> None:
        self.echo(f"   {code}" + (f"\n     -> {result}" if result else ""))

    def note(self, text: str) -> None:
        self.echo(f"   # {text}")

    def requests(self) -> str:
        """``"N requests"`` sent since the last call."""
        count, self._seen = self.sent - self._seen, self.sent
        return f"{count} request{'' if count == 1 else 's'}"


def _seconds(value: float) -> str:
    return f"{value:.2f}s" if value >= 0.1 else f"{value * 1000:.0f}ms"


def run_demo(
    *,
    latency_ms: float = 20.0,
    records: int = COMPARISON_IDS,
    url: str | None = None,
    echo: Callable[[str], None] = click.echo,
) -> dict[str, Any]:
    """
    Run the walk-through; return what it measured (``sync_seconds``, ``async_seconds``, ...).

    Args:
        latency_ms: Milliseconds each request of the in-process org waits.
        records: Accounts in the in-process org (the comparison fetches up to 500 of them).
        url: A loopback fake org to use instead of an in-process one.
    """
    org: FakeOrg | None = None
    if url is None:
        org = FakeOrg(records=records, seed=7, latency=latency_ms / 1000)
        delay = (
            f"{latency_ms:g} ms per request (like a real org across the internet)"
            if latency_ms
            else "no delay per request (unlike a real org across the internet)"
        )
        echo(
            f"sf_toolkit demo: a fake Salesforce org in this process, "
            f"{plural(records, 'Account')}, {delay}."
        )
        login = SalesforceLogin(username="user@example.com", password="password")
        client = SalesforceClient(login=login, transport=org.transport())
    else:
        echo(f"sf_toolkit demo: the fake Salesforce org at {url}.")
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        client = SalesforceClient(login=login)
    show = Walkthrough(echo, latency_ms if org is not None else None, records)
    show.count_requests(client)
    measured: dict[str, Any] = {}
    show.title("Log in (the seed's login; the client logs in on entering the block)")
    with client:
        show.line('login = SalesforceLogin(username="user@example.com", password="password")')
        show.line(
            "with SalesforceClient(login=login) as client: ...",
            f"{client.session.instance_url if client.session else '?'}, API v{client.api_version}"
            f" ({show.requests()})",
        )
        for step in STEPS:
            step(client, show, measured)
    echo("")
    echo("Done. The same code runs against a real org: only the login changes.")
    return measured


def _fetch_and_save(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    show.title("Fetch and save")
    if count(select(Account), client) == 0:
        save_insert_list(
            Account(Name=f"Demo Account {n}", External_ID__c=f"EXT-{n:05d}")
            for n in range(1, show.records + 1)
        )
        show.note(f"the org had no Accounts: the demo inserted {show.records} first")
        show.requests()
    total = count(select(Account), client)
    show.line("count(select(Account), client)", f"{plural(total, 'Account')} ({show.requests()})")
    first = next(iter(query(select(Account, "Id").order_by("Name").limit(1), client)))
    assert first.Id is not None
    show.requests()  # the query for an Id to fetch is not part of the story: not counted
    account = fetch(Account, first.Id, client)
    show.line(f'account = fetch(Account, "{first.Id}", client)', f"{account!r} ({show.requests()})")
    account.Industry = "Utilities"
    save(account, client, only_changes=True)
    show.line(
        'account.Industry = "Utilities"; save(account, client, only_changes=True)',
        f"one PATCH carrying only Industry ({show.requests()})",
    )
    fresh = Account(Name="Demo Ltd", Industry="Retail")
    save(fresh, client)
    show.line(
        'fresh = Account(Name="Demo Ltd"); save(fresh, client)',
        f"inserted {fresh.Id} ({show.requests()})",
    )
    reload(account, client)
    show.line("reload(account, client)", f"Industry={account.Industry!r} ({show.requests()})")
    measured["first_id"] = first.Id


def _async_twins(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    show.title("The async twin: same names with _async, same session")
    async_client = client.as_async
    show.line("async_client = client.as_async", "no second login: it shares the session")

    async def main() -> list[Account]:
        ids = [
            record.Id
            async for record in query_async(select(Account, "Id").limit(10), async_client)
            if record.Id
        ]
        accounts = await asyncio.gather(*(fetch_async(Account, i, async_client) for i in ids))
        for account in accounts:
            account.AnnualRevenue = (account.AnnualRevenue or 0) + 1000
        await asyncio.gather(*(save_async(a, async_client, only_changes=True) for a in accounts))
        return list(accounts)

    started = time.perf_counter()
    accounts = asyncio.run(main())
    elapsed = time.perf_counter() - started
    show.line("ids = [a.Id async for a in query_async(select(Account, 'Id').limit(10), c)]")
    show.line(
        "await asyncio.gather(*(fetch_async(Account, i, c) for i in ids))",
        f"{len(accounts)} records fetched together",
    )
    show.line(
        "await asyncio.gather(*(save_async(a, c, only_changes=True) for a in accounts))",
        f"{len(accounts)} updates in {_seconds(elapsed)} ({show.requests()})",
    )


def _queries(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    show.title("Queries: an injection-safe builder, streamed page by page")
    energy = select(Account).where(Industry="Energy").order_by("Name").limit(3)
    show.line(f"query({energy!s}, client)")
    for account in query(energy, client):
        show.line(f"  {account.Name} ({account.External_ID__c})")


def _list_operations(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    show.title("List operations: up to 200 records a request (sObject Collections)")
    show.note("no client argument: the open client is the default connection, as in the seed")
    accounts = [
        Account(Name=f"List Demo {number}", External_ID__c=f"DEMO-{number:04d}")
        for number in range(1, 251)
    ]
    accounts.append(Account(Industry="Retail"))  # no Name: Salesforce refuses this one
    results = save_insert_list(accounts, batch_size=200)
    failed = results.failures
    show.line(
        "results = save_insert_list(accounts, batch_size=200)",
        f"{len(results) - len(failed)} saved, {len(failed)} failed ({show.requests()}); "
        f"nothing raised: {failed[0].errors[0] if failed else 'no failure'}",
    )
    saved = [result.record for result in results if result.success]
    for account in saved:
        account.Industry = "Energy"
    results = save_update_list(saved, only_changes=True)
    show.line(
        'for a in saved: a.Industry = "Energy"\n   save_update_list(saved, only_changes=True)',
        f"{sum(r.success for r in results)} updated, only Industry sent ({show.requests()})",
    )
    ids = [account.Id for account in saved[:3] if account.Id]
    fetched = fetch_list(Account, *ids, sf_client=client)
    show.line(
        f"fetch_list(Account, {', '.join(repr(i) for i in ids)}, sf_client=client)",
        ", ".join(f"{a.Name}" for a in fetched if a is not None) + f" ({show.requests()})",
    )
    deleted = delete_list(saved[200:])
    show.line(
        "delete_list(saved[200:])", f"{sum(r.success for r in deleted)} deleted ({show.requests()})"
    )


def _bulk_job(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    show.title("A Bulk API 2.0 job: CSV uploaded, processed asynchronously by Salesforce")
    accounts = [
        Account(Name=f"Bulk Demo {number}", Industry="Media", AnnualRevenue=number * 1000.0)
        for number in range(1, 1001)
    ]
    job = save_insert_bulk(accounts)
    show.line("job = save_insert_bulk(accounts)", f"{job!r} (1000 records)")
    job.wait()
    show.line(
        "job.wait()",
        f"{job.state}: {job.records_processed} processed, {job.records_failed} failed "
        f"({show.requests()})",
    )
    rows = sum(1 for _ in query_bulk("SELECT Id FROM Account WHERE Name LIKE 'Bulk Demo%'"))
    show.line(
        "query_bulk(\"SELECT Id FROM Account WHERE Name LIKE 'Bulk Demo%'\")",
        f"{rows} records streamed back ({show.requests()})",
    )


def _performance(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    ids = [a.Id for a in query(select(Account, "Id").limit(COMPARISON_IDS), client) if a.Id]
    latency = f", {show.latency_ms:g} ms per request" if show.latency_ms is not None else ""
    show.title(
        f"Performance Comparison (the seed's last section): {plural(len(ids), 'id')}{latency}"
    )
    sync_client, async_client = client, client.as_async

    start = time.perf_counter()
    accounts = []
    for account_id in ids:
        accounts.append(fetch(Account, account_id, sync_client))
    sync_time = time.perf_counter() - start
    show.line(
        "for account_id in account_ids: accounts.append(fetch(Account, account_id, sync_client))",
        f"{len(accounts)} records, {show.requests()}",
    )

    async def fetch_all() -> list[Account | None]:
        return await fetch_list_async(Account, *ids, sf_client=async_client, concurrency=10)

    start = time.perf_counter()
    fetched = asyncio.run(fetch_all())
    async_time = time.perf_counter() - start
    show.line(
        "asyncio.run(fetch_list_async(Account, *account_ids, sf_client=async_client, "
        "concurrency=10))",
        f"{sum(a is not None for a in fetched)} records, {show.requests()}",
    )
    measured.update(sync_seconds=sync_time, async_seconds=async_time, ids=len(ids))
    show.echo("")
    show.echo(f"   Sync: {sync_time:.2f}s, Async: {async_time:.2f}s")
    show.echo(f"   Speedup: {sync_time / async_time:.1f}x")


STEPS: tuple[Callable[[SalesforceClient, Walkthrough, dict[str, Any]], None], ...] = (
    _fetch_and_save,
    _async_twins,
    _queries,
    _list_operations,
    _bulk_job,
    _performance,
)
