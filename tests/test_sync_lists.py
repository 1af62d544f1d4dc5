"""
What only the sync list operations do: refuse async callbacks, and run batches in threads.

Written by hand (not generated): the async half accepts the very callback refused here.
"""

from __future__ import annotations

import httpx
import pytest

from sf_toolkit import SalesforceClient, SalesforceLogin, SObject
from sf_toolkit.io.api import fetch_list, save_insert_list
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None


async def on_chunk_received(response: httpx.Response) -> None:
    del response


def test_sync_fetch_list_refuses_an_async_callback_before_any_request() -> None:
    """An `async def` callback given to the sync fetch_list is a TypeError, nothing sent."""
    org = FakeOrg(seed=5)
    account_id = org.insert("Account", {"Name": "Acme"})
    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        org.reset_stats()
        with pytest.raises(TypeError, match="coroutine function"):
            fetch_list(Account, account_id, sf_client=client, on_chunk_received=on_chunk_received)
    assert org.requests == []


def test_sync_insert_list_runs_batches_in_threads() -> None:
    """With concurrency > 1 the sync half overlaps requests (threads), up to the bound."""
    org = FakeOrg(seed=5, latency=0.05)
    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        org.reset_stats()
        results = save_insert_list(
            [Account(Name=f"T{n}") for n in range(60)],
            sf_client=client,
            batch_size=10,
            concurrency=3,
        )
    assert results.all_succeeded
    assert org.stats.max_in_flight == 3
