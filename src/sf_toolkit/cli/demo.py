"""
``sf-toolkit demo``: the seed page's walk-through, live, against a fake org with latency.

No org and no network needed: the fake org (:class:`sf_toolkit.testing.FakeOrg`) runs in this
process and every request pays ``--latency-ms`` as a real org would, so the Performance
Comparison at the end measures what concurrency buys. ``--url`` runs the same steps against a
fake org served by ``python -m sf_toolkit.testing`` instead.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import click

from .._sync.client import SalesforceClient
from ..auth import SalesforceLogin
from ..models import SObject
from ..soql import select
from ..testing import FakeOrg

__all__ = ["demo", "run_demo"]

#: How many ids the Performance Comparison fetches, as in the seed.
COMPARISON_IDS = 500


class Account(SObject):
    """The demo's model: the seed's ``Account``."""

    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None
    AnnualRevenue: float | None = None


class Walkthrough:
    """Prints the steps: a numbered title, then indented lines of code and what they did."""

    def __init__(self, echo: Callable[[str], None], org: FakeOrg | None) -> None:
        self.echo = echo
        self.org = org
        self.step = 0
        self._seen = 0

    def title(self, text: str) -> None:
        self.step += 1
        self.echo("")
        self.echo(f"{self.step}. {text}")
        self._seen = self._requests()

    def line(self, code: str, result: str = "") -> None:
        self.echo(f"   {code}" + (f"\n     -> {result}" if result else ""))

    def note(self, text: str) -> None:
        self.echo(f"   # {text}")

    def requests(self) -> str:
        """``"N requests"`` since the step began (known only for the in-process org)."""
        now = self._requests()
        count, self._seen = now - self._seen, now
        return f"{count} request{'' if count == 1 else 's'}" if self.org else "done"

    def _requests(self) -> int:
        return sum(self.org.stats.requests_by_route.values()) if self.org else 0


def check_loopback(url: str) -> str:
    """
    Return ``url`` if it points at this machine (``http://127.0.0.1:PORT``, ``localhost``).

    The demo writes and deletes records: it runs only against a fake org on loopback.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise click.BadParameter(
            "the demo writes records, so it only runs against a fake org on this machine: "
            "give the URL that 'python -m sf_toolkit.testing' prints, such as "
            "http://127.0.0.1:8123",
            param_hint="--url",
        )
    return url.rstrip("/")


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
        echo(
            f"sf_toolkit demo: a fake Salesforce org in this process, {records} Accounts, "
            f"{latency_ms:g} ms per request (like a real org across the internet)."
        )
        login = SalesforceLogin(username="user@example.com", password="password")
        client = SalesforceClient(login=login, transport=org.transport())
    else:
        echo(f"sf_toolkit demo: the fake Salesforce org at {url}.")
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        client = SalesforceClient(login=login)
    show = Walkthrough(echo, org)
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
    from ..io.api import count, fetch, query, reload, save

    show.title("Fetch and save")
    total = count(select(Account), client)
    show.line("count(select(Account), client)", f"{total} Accounts")
    first = next(iter(query(select(Account, "Id").order_by("Name").limit(1), client)))
    assert first.Id is not None
    account = fetch(Account, first.Id, client)
    show.line(f'account = fetch(Account, "{first.Id}", client)', repr(account))
    account.Industry = "Utilities"
    save(account, client, only_changes=True)
    show.line(
        'account.Industry = "Utilities"; save(account, client, only_changes=True)',
        f"PATCH with only Industry ({show.requests()})",
    )
    fresh = Account(Name="Demo Ltd", Industry="Retail")
    save(fresh, client)
    show.line('fresh = Account(Name="Demo Ltd"); save(fresh, client)', f"inserted {fresh.Id}")
    reload(account, client)
    show.line("reload(account, client)", f"Industry={account.Industry!r}")
    measured["first_id"] = first.Id


def _async_twins(client: SalesforceClient, show: Walkthrough, measured: dict[str, Any]) -> None:
    from ..io.api import fetch_async, query_async, save_async

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
    from ..io.api import query

    show.title("Queries: an injection-safe builder, streamed page by page")
    energy = select(Account).where(Industry="Energy").order_by("Name").limit(3)
    show.line(f"query({energy!s}, client)")
    for account in query(energy, client):
        show.line(f"  {account.Name} ({account.External_ID__c})")


STEPS: tuple[Callable[[SalesforceClient, Walkthrough, dict[str, Any]], None], ...] = (
    _fetch_and_save,
    _async_twins,
    _queries,
)


@click.command(name="demo")
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Milliseconds each request of the in-process fake org waits.",
)
@click.option(
    "--records",
    type=click.IntRange(min=1, max=100_000),
    default=COMPARISON_IDS,
    show_default=True,
    help="Accounts in the in-process fake org.",
)
@click.option(
    "--url",
    default=None,
    help="Use the fake org served by 'python -m sf_toolkit.testing' at this loopback URL.",
)
def demo(latency_ms: float, records: int, url: str | None) -> None:
    """
    Walk through sf_toolkit against a fake org, then compare sync and async speed.

    Needs no org and no network: a fake Salesforce org runs in this process, each request
    waiting --latency-ms as over the internet. Shows fetch and save, the async twins, queries,
    list operations, a Bulk API 2.0 job and the seed's Performance Comparison.
    """
    if url is not None:
        url = check_loopback(url)
    run_demo(latency_ms=latency_ms, records=records, url=url)
