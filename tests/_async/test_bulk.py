"""
Bulk API 2.0 against the fake org: ingest jobs, splitting, results, queries, resilience.

No postponed annotations here: models declared inside a test must resolve their local types.
"""

import datetime

from sf_toolkit import AsyncSalesforceClient, SObject, select
from sf_toolkit.io.api import query_bulk_async, save_insert_bulk_async
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    External_ID__c: str | None = None
    NumberOfEmployees: int | None = None
    AnnualRevenue: float | None = None


class Contact(SObject):
    LastName: str | None = None
    Email: str | None = None
    Birthdate: datetime.date | None = None
    Account: "Account | None" = None


async def test_insert_job_completes_and_the_store_holds_exactly_the_records(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """An insert job uploads, closes, completes, and the org holds each record once."""
    records = [Account(Name=f"Bulk {n}", NumberOfEmployees=n) for n in range(25)]
    job = await save_insert_bulk_async(records, client)
    assert job.state == "UploadComplete"
    await job.wait()
    assert job.state == "JobComplete"
    assert job.records_processed == 25
    stored = sorted((r["Name"], r["NumberOfEmployees"]) for r in org.records("Account"))
    assert stored == sorted((f"Bulk {n}", n) for n in range(25))


async def test_query_bulk_yields_typed_records(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """A builder's bulk query converts CSV text by field type, parents included."""
    parent = org.insert("Account", {"Name": "Parent", "NumberOfEmployees": 7})
    org.insert("Contact", {"LastName": "Kid", "AccountId": parent, "Birthdate": "1990-05-17"})
    query = select(
        Contact, "Id", "LastName", "Birthdate", "Account.Name", "Account.NumberOfEmployees"
    )
    contacts = [c async for c in query_bulk_async(query, client)]
    assert len(contacts) == 1
    (contact,) = contacts
    assert contact.LastName == "Kid"
    assert contact.Birthdate == datetime.date(1990, 5, 17)
    assert contact.Account is not None
    assert contact.Account.Name == "Parent"
    assert contact.Account.NumberOfEmployees == 7
