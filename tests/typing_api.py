"""
How users' code type-checks against the public API (checked by mypy in CI; not a test module).

Each ``assert_type`` states the type a user's editor shows; mypy --strict fails if one drifts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from sf_toolkit import AsyncSalesforceClient, SalesforceClient, SalesforceLogin, SObject, select

if TYPE_CHECKING:
    from typing_extensions import assert_type

from sf_toolkit.io.api import (
    count,
    count_async,
    download_file,
    fetch,
    fetch_async,
    query,
    query_async,
    save_upsert,
)


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None


def sync_usage(login: SalesforceLogin) -> None:
    with SalesforceClient(login=login) as client:
        account = fetch(Account, "001D000000IRFmaIAH", client)
        created = save_upsert(account, client, external_id_field="External_ID__c")
        total = count(select(Account), client)
        names = [a.Name for a in query(select(Account), client)]
        twin = client.as_async
        if TYPE_CHECKING:
            assert_type(account, Account)
            assert_type(created, bool)
            assert_type(total, int)
            assert_type(names, list[str | None])
            assert_type(twin, AsyncSalesforceClient)
            assert_type(download_file(account, "/tmp", client), Path)


async def async_usage(login: SalesforceLogin) -> None:
    async with AsyncSalesforceClient(login=login) as client:
        account = await fetch_async(Account, "001D000000IRFmaIAH", client)
        total = await count_async(select(Account), client)
        async for row in query_async("SELECT Id FROM Account", client):
            print(row)
        if TYPE_CHECKING:
            assert_type(account, Account)
            assert_type(total, int)
            assert_type(client.as_sync, SalesforceClient)


def list_usage(accounts: list[Account]) -> None:
    from sf_toolkit import SaveResult, SaveResults
    from sf_toolkit.io.api import delete_list, fetch_list, save_insert_list

    fetched = fetch_list(Account, "001D000000IRFmaIAH", concurrency=2)
    results = save_insert_list(accounts, batch_size=100)
    targets: list[Account | str] = [*accounts, "001D000000IRFmaIAH"]
    deleted = delete_list(targets)
    if TYPE_CHECKING:
        assert_type(fetched, list[Account | None])
        assert_type(results, SaveResults[Account])
        assert_type(results[0], SaveResult[Account])
        assert_type(results[0].id, str | None)
        assert_type(deleted, SaveResults[SObject | str])


def simple_salesforce_usage(client: SalesforceClient) -> None:
    import sf_toolkit
    from sf_toolkit.io.api import describe, query_list, raise_for_status
    from sf_toolkit.models import SObjectDescription

    typed = query_list(select(Account), client)
    rows = query_list("SELECT Id, Name FROM Account", client)
    description = describe("Account", client)
    limits = raise_for_status(client.get("limits"))
    # Names load on first use, yet a misspelt one is an error for mypy, not Any: were it Any,
    # this ignore would be unused, which --strict reports.
    sf_toolkit.SalesforceLoginn  # type: ignore[attr-defined]  # noqa: B018
    if TYPE_CHECKING:
        assert_type(typed, list[Account])
        assert_type(rows, list[SObject])
        assert_type(rows[0]["Name"], Any)
        assert_type(description, SObjectDescription)
        assert_type(limits, httpx.Response)
