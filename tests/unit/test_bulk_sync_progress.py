"""The sync half refuses a coroutine function as a Bulk progress callback, before any request."""

from __future__ import annotations

import pytest

from sf_toolkit import BulkIngestJob, BulkProgress, SalesforceClient, SalesforceLogin, SObject
from sf_toolkit.io.api import query_bulk, save_insert_bulk
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None


async def on_progress(event: BulkProgress) -> None:
    del event


def test_save_insert_bulk_refuses_an_async_callback_before_any_job() -> None:
    """save_insert_bulk(progress=async def) raises TypeError and creates no job."""
    org = FakeOrg()
    login = SalesforceLogin(username="user@example.com", password="password")
    with SalesforceClient(login=login, transport=org.transport()) as client:
        with pytest.raises(TypeError, match="coroutine function"):
            save_insert_bulk([Account(Name="a")], client, progress=on_progress)
        with pytest.raises(TypeError, match="coroutine function"):
            BulkIngestJob.get("7505g0000000001AAA", client, progress=on_progress)
        with pytest.raises(TypeError, match="coroutine function"):
            next(iter(query_bulk("SELECT Id FROM Account", client, progress=on_progress)))
    assert [r for r in org.requests if r.route == "bulk"] == []
