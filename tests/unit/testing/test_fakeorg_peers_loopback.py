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
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest

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


# --- issue 12: the fidelity points, as the peers meet them ---------------------------------------


def test_simple_salesforce_collections_failures_through_restful(sf: Salesforce) -> None:
    """Collections failures: no id on a failed create, ids kept on a rolled-back update."""
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Account"}, "Industry": "Energy"}]},
    )
    assert results[0]["success"] is False
    assert "id" not in results[0]
    created = sf.Account.create({"Name": "Keep"})["id"]
    rolled_back = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "id": created, "Name": "Changed"},
                {"attributes": {"type": "Account"}, "id": created, "Name": ""},
            ],
        },
    )
    assert rolled_back[0]["id"] == created
    assert rolled_back[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.Account.get(created)["Name"] == "Keep"


def test_simple_salesforce_sees_salesforce_refusals(sf: Salesforce) -> None:
    """Upsert on a plain field, ext id in the upsert body, wrong method: Salesforce's errors."""
    with pytest.raises(SalesforceMalformedRequest) as plain:
        sf.restful(
            "composite/sobjects/Account/Name",
            method="PATCH",
            json={"records": [{"attributes": {"type": "Account"}, "Name": "A"}]},
        )
    assert plain.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as in_body:
        sf.Account.upsert("External_ID__c/LB-9", {"Name": "B", "External_ID__c": "LB-9"})
    assert in_body.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceGeneralError) as wrong_method:
        sf.restful("query", method="POST")
    assert wrong_method.value.status == 405
    assert wrong_method.value.content[0]["errorCode"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # aiosalesforce uses asyncio directly
async def test_aiosalesforce_get_fields_and_composite_batch(
    served: tuple[FakeOrg, str], anyio_backend: str
) -> None:
    """get(fields=...) returns the Id; composite batch (full /services/data/ URLs) works."""
    org, url = served
    async with httpx.AsyncClient(transport=LoopbackTransport(url)) as http:
        sf = AioSalesforce(
            http,
            "https://fake-org.my.salesforce.com",
            auth=SoapLogin("user@example.com", "password", ""),
            version="62.0",
        )
        created = await sf.sobject.create("Account", {"Name": "Aio fields"})
        record = await sf.sobject.get("Account", created, fields=["Name"])
        assert record["Id"] == created
        assert record["Name"] == "Aio fields"

        async with sf.composite.batch(halt_on_error=True) as batch:
            new = batch.sobject.create("Account", {"Name": "Batched"})
            read = batch.sobject.get("Account", created, fields=["Name"])
            query = batch.query(f"SELECT Name FROM Account WHERE Id = '{created}'")
        assert new.status_code == 201
        assert new.id.startswith("001")
        assert read.record["Id"] == created
        assert [r["Name"] for r in query.records] == ["Aio fields"]
    assert org.internal_errors == []
