"""
simple-salesforce and aiosalesforce, unmodified, against the fake org's loopback HTTP server.

Both peers insist on Salesforce host names over https, so each gets the fake org's shim at its
own HTTP boundary (``loopback_requests_adapter``, ``LoopbackTransport``), which sends the request,
unchanged but for scheme and host, to the loopback server. Everything on the wire is real.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
from aiosalesforce import Salesforce as AioSalesforce
from aiosalesforce.auth import SoapLogin
from simple_salesforce import Salesforce

from sf_toolkit.testing import FakeOrg, LoopbackTransport, loopback_requests_adapter

RECORDS = 2100  # more than one 2,000-record query page


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeOrg, str]]:
    org = FakeOrg(records=RECORDS, seed=9)
    with org.serve() as url:
        yield org, url


@pytest.fixture
def sf(served: tuple[FakeOrg, str]) -> Iterator[Salesforce]:
    _, url = served
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", loopback_requests_adapter(url))
    yield Salesforce(
        username="user@example.com", password="password", security_token="", session=session
    )
    session.close()


def test_simple_salesforce_logs_in_and_pages_a_query(sf: Salesforce) -> None:
    """SOAP login, then query_all follows nextRecordsUrl across pages."""
    result = sf.query_all("SELECT Id, Name FROM Account")
    assert result["totalSize"] >= RECORDS
    assert len(result["records"]) == result["totalSize"]


def test_simple_salesforce_crud_upsert_describe(sf: Salesforce) -> None:
    """create/get/update/upsert/delete and describe answer the shapes simple-salesforce reads."""
    created = sf.Account.create({"Name": "Loopback"})
    assert created["success"] is True
    assert sf.Account.update(created["id"], {"Name": "Loopback 2"}) == 204
    assert sf.Account.get(created["id"])["Name"] == "Loopback 2"
    assert sf.Account.upsert("External_ID__c/LB-1", {"Name": "Up"}) == 201
    assert sf.Account.upsert("External_ID__c/LB-1", {"Name": "Up 2"}) == 200
    assert sf.Account.delete(created["id"]) == 204
    names = {field["name"] for field in sf.Account.describe()["fields"]}
    assert {"Id", "Name", "External_ID__c"} <= names


def test_simple_salesforce_bulk2_insert(sf: Salesforce) -> None:
    """simple-salesforce's Bulk 2.0 insert runs a job to completion over the loopback server."""
    results = sf.bulk2.Account.insert(records=[{"Name": "Bulk 1"}, {"Name": "Bulk 2"}], wait=0)
    assert sum(int(r["numberRecordsProcessed"]) for r in results) == 2
    assert sum(int(r["numberRecordsFailed"]) for r in results) == 0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # aiosalesforce uses asyncio directly
async def test_aiosalesforce_against_loopback(
    served: tuple[FakeOrg, str], anyio_backend: str
) -> None:
    """aiosalesforce logs in over SOAP, pages a query, does CRUD, upsert and describe."""
    org, url = served
    async with httpx.AsyncClient(transport=LoopbackTransport(url)) as http:
        sf = AioSalesforce(
            http,
            "https://fake-org.my.salesforce.com",
            auth=SoapLogin("user@example.com", "password", ""),
            version="62.0",
        )
        ids = [record["Id"] async for record in sf.query("SELECT Id FROM Account")]
        assert len(ids) >= RECORDS

        created = await sf.sobject.create("Account", {"Name": "Aio"})
        await sf.sobject.update("Account", created, {"Name": "Aio 2"})
        assert (await sf.sobject.get("Account", created))["Name"] == "Aio 2"
        first = await sf.sobject.upsert("Account", "AIO-1", "External_ID__c", {"Name": "U"})
        again = await sf.sobject.upsert("Account", "AIO-1", "External_ID__c", {"Name": "U2"})
        assert (first.created, again.created, first.id) == (True, False, again.id)
        await sf.sobject.delete("Account", created)

        describe = await sf.request(
            "GET",
            "https://fake-org.my.salesforce.com/services/data/v62.0/sobjects/Account/describe",
        )
        assert describe.json()["name"] == "Account"
    assert org.internal_errors == []
