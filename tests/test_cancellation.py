"""
Cancelling an async call that writes a file leaves nothing behind (asyncio and trio).

Async only: a thread cannot be cancelled, so these have no sync twin; the sync half's failures
are covered by the generated tests (an error answer, a broken body).
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from sf_toolkit import AsyncBulkQueryJob, AsyncSalesforceClient, SalesforceLogin
from sf_toolkit.testing import FakeOrg


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_a_cancelled_write_csv_leaves_no_file(tmp_path: Path, concurrency: int) -> None:
    """Cancelled while a result page is on its way: no target, no temporary file."""
    org = FakeOrg(seed=3)
    org.bulk.query_page_size = 2
    for number in range(9):
        org.insert("Account", {"Name": f"A{number}"})
    login = SalesforceLogin(username="user@example.com", password="password")
    async with AsyncSalesforceClient(login=login, transport=org.async_transport()) as client:
        job = await AsyncBulkQueryJob.create("SELECT Name FROM Account", client)
        await job.wait()
        org.faults.latency = 0.5
        with anyio.move_on_after(0.1) as scope:
            await job.write_csv(tmp_path / "accounts.csv", concurrency=concurrency)
    assert scope.cancelled_caught
    assert list(tmp_path.iterdir()) == []
