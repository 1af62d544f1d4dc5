"""
sf_toolkit in one page, against a fake org served on this machine.

Run it with ``python examples/quickstart.py``. To use a real org instead, drop the FakeOrg
lines and log in with your own username, password and security token (or an OAuth login).
"""

from __future__ import annotations

import asyncio

from sf_toolkit import (
    AsyncSalesforceClient,
    SalesforceClient,
    SalesforceLogin,
    SObject,
    select,
)
from sf_toolkit.io.api import count, fetch_async, query, query_async, save, save_async
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None
    External_ID__c: str | None = None


def sync_part(login: SalesforceLogin) -> None:
    with SalesforceClient(login=login) as client:
        print(f"logged in: {client!r}")
        print("accounts:", count(select(Account), client))
        energy = select(Account).where(Industry="Energy").order_by("Name").limit(3)
        for account in query(energy, client):
            print(f"  {account.Name} ({account.External_ID__c})")
        account = Account(Name="Quickstart Ltd", Industry="Retail")
        save(account, client)
        print("inserted:", account.Id)


async def async_part(login: SalesforceLogin) -> None:
    async with AsyncSalesforceClient(login=login) as client:
        ids = [a.Id async for a in query_async(select(Account, "Id").limit(5), client)]
        accounts = await asyncio.gather(*(fetch_async(Account, i, client) for i in ids))
        for account in accounts:
            account.Industry = "Banking"
        await asyncio.gather(*(save_async(a, client, only_changes=True) for a in accounts))
        print(f"updated {len(accounts)} accounts concurrently; API usage: {client.api_usage}")


def main() -> None:
    org = FakeOrg(records=20, seed=1)
    with org.serve() as url:
        login = SalesforceLogin(username="user@example.com", password="password", domain=url)
        sync_part(login)
        asyncio.run(async_part(login))
    print(f"the fake org answered {sum(org.stats.requests_by_route.values())} requests")


if __name__ == "__main__":
    main()
